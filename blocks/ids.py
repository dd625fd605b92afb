"""Every callback_id, action_id and block_id Liaison uses, in one place."""

from __future__ import annotations

from enum import StrEnum


class Ids(StrEnum):
    """Ids of interactive surfaces and their parts."""

    # App Home and replies
    COLLATERAL_LIST = "collateral_list"
    OPEN_ASSET = "open_asset"
    # Launch (issue: launch announcements)
    LAUNCH_MODAL = "launch_modal"
    GOT_IT = "got_it"
    GIVE_FEEDBACK = "give_feedback"
    ASK_QUESTION = "ask_question"
    MARK_ANSWERED = "mark_answered"
    EDIT_LAUNCH = "edit_launch"
    EDIT_LAUNCH_MODAL = "edit_launch_modal"
    ANNOUNCEMENT_ACTIONS = "announcement_actions"
    QUESTION_MODAL = "question_modal"
    QUESTION_TEXT = "question_text"
    # A modal opened at once, before the lookups that fill it (Slack's trigger lives 3 s)
    LOADING_MODAL = "loading_modal"
    NOTICE_MODAL = "notice_modal"
    # Feedback
    FEEDBACK_MODAL = "feedback_modal"
    ASSET_PICKER = "asset_picker"
    REWORD = "reword_comment"
    REWORD_MODAL = "reword_modal"
    REWORD_TEXT = "reword_text"
    # Digest
    DIGEST_CHART_1 = "digest_chart_1"
    DIGEST_CHART_2 = "digest_chart_2"
