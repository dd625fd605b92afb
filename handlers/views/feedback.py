"""Submission of the feedback modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from blocks.feedback import build_feedback_done_view, build_reword_done_view
from blocks.ids import Ids
from core.db import SessionScope
from domain.feedback import (
    MAX_COMMENT,
    FeedbackField,
    FeedbackForm,
    campaign_from_metadata,
    validate_feedback,
)
from domain.payloads import db_id, mapping, state_values, user_of
from domain.text import strip_controls
from models import WorkspaceRef
from services.feedback import submit_feedback, submit_reword
from services.home import HomeRefresh
from services.reviewer import CommentReviewer
from services.votes import Feedback, Reworded

OUT_OF_DATE = "This form is out of date."
ASSET_GONE = "That asset no longer exists: pick another one."


def _feedback(
    body: dict[str, Any], view: dict[str, Any], workspace: WorkspaceRef | None
) -> tuple[WorkspaceRef, str, FeedbackForm, int | None] | dict[str, str]:
    """The feedback modal's team, author, form and campaign, or its errors by block id."""
    form = validate_feedback(state_values(view))
    if isinstance(form, dict):
        return form
    author_id = user_of(body)
    if not (workspace and author_id):
        return {FeedbackField.ASSET: OUT_OF_DATE}
    return workspace, author_id, form, campaign_from_metadata(mapping(view).get("private_metadata"))


def _done_view(saved: Feedback) -> dict[str, Any]:
    """The thank-you the feedback modal turns into (with the nudge, if any)."""
    return build_feedback_done_view(
        handle=saved.asset.handle,
        title=saved.asset.title,
        value=saved.value,
        comment=saved.comment_id is not None,
        nudge=saved.nudge,
        comment_id=saved.comment_id,
    )


def _reword(
    body: dict[str, Any], view: dict[str, Any], workspace: WorkspaceRef | None
) -> tuple[WorkspaceRef, str, int, str] | dict[str, str]:
    """The Reword form's team, author, comment and new wording, or its errors by block id."""
    field = mapping(mapping(state_values(view).get(Ids.REWORD_TEXT)).get(Ids.REWORD_TEXT))
    raw = field.get("value")
    wording = strip_controls(raw).strip() if isinstance(raw, str) else ""
    if not wording or len(wording) > MAX_COMMENT:
        return {Ids.REWORD_TEXT: f"Write the comment in 1 to {MAX_COMMENT:,} characters."}
    author_id = user_of(body)
    comment_id = db_id(mapping(view).get("private_metadata"))
    if not (workspace and author_id and comment_id):
        return {Ids.REWORD_TEXT: OUT_OF_DATE}
    return workspace, author_id, comment_id, wording


def _refusal(result: Reworded) -> dict[str, str]:
    """Why the Reword form's new wording was not saved, by block id."""
    if result.comment is None:
        return {Ids.REWORD_TEXT: "That comment was removed."}
    why = result.nudge.why if result.nudge is not None else "of how it is worded"
    return {Ids.REWORD_TEXT: f"This still won't be quoted, because {why}."}


def handle_feedback_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    workspace: WorkspaceRef | None,
    db: SessionScope,
    homes: HomeRefresh,
    reviewer: CommentReviewer | None = None,
) -> None:
    """Validate and store the feedback, then show the author a thank-you (and nudge)."""
    if isinstance(read := _feedback(body, view, workspace), dict):
        ack(response_action="errors", errors=read)
        return
    workspace, author_id, form, campaign_id = read
    saved = submit_feedback(
        db=db,
        homes=homes,
        reviewer=reviewer,
        workspace=workspace,
        author_id=author_id,
        form=form,
        campaign_id=campaign_id,
    )
    if saved is None:
        ack(response_action="errors", errors={FeedbackField.ASSET: ASSET_GONE})
        return
    ack(response_action="update", view=_done_view(saved))


def handle_reword_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    workspace: WorkspaceRef | None,
    db: SessionScope,
    homes: HomeRefresh,
    reviewer: CommentReviewer | None = None,
) -> None:
    """Replace the person's comment with the new wording, unless it is still flagged."""
    if isinstance(read := _reword(body, view, workspace), dict):
        ack(response_action="errors", errors=read)
        return
    workspace, author_id, comment_id, wording = read
    result = submit_reword(
        db=db,
        homes=homes,
        reviewer=reviewer,
        workspace=workspace,
        user_id=author_id,
        comment_id=comment_id,
        text=wording,
    )
    if result.comment is None or not result.saved:
        ack(response_action="errors", errors=_refusal(result))
        return
    done = build_reword_done_view(handle=result.comment.asset_handle, text=wording)
    ack(response_action="update", view=done)
