"""`/feedback`: the form, or a vote (and comment) in one line."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from blocks.feedback import build_feedback_help, build_feedback_modal, build_feedback_saved
from blocks.replies import build_candidates, build_message
from core.db import SessionScope
from domain.assets import Lookup
from domain.feedback import FeedbackError, FeedbackHelp, OpenForm, QuickFeedback, parse_feedback
from handlers.errors import after_ack, require_workspace
from models import WorkspaceRef
from services.feedback import give_quick_feedback
from services.home import HomeRefresh
from services.reviewer import CommentReviewer
from services.votes import Feedback

UNKNOWN_FORM = "Use `/feedback <asset> <up|down> [comment]` with a handle such as `PD-3`."


def _parse(text: str) -> QuickFeedback | OpenForm | dict[str, Any]:
    """The command's vote, or the form to open, or the reply it gets at once (help, error)."""
    try:
        parsed = parse_feedback(text)
    except FeedbackError as error:
        return build_message(str(error))
    return build_feedback_help() if isinstance(parsed, FeedbackHelp) else parsed


def _reply(command: QuickFeedback, outcome: Feedback | Lookup | None) -> dict[str, Any]:
    """What the person sees once their vote was stored (or why it was not)."""
    if isinstance(outcome, Lookup):
        return build_candidates(
            name=command.asset, candidates=outcome.candidates, usage=UNKNOWN_FORM
        )
    if outcome is None:  # deleted between lookup and save
        return build_message("That asset is gone. " + UNKNOWN_FORM)
    return build_feedback_saved(
        handle=outcome.asset.handle,
        title=outcome.asset.title,
        value=outcome.value,
        comment=outcome.comment_id is not None,
        nudge=outcome.nudge,
        comment_id=outcome.comment_id,
    )


def _open_form(ack: Ack, client: WebClient, command: dict[str, Any]) -> None:
    """`/feedback` alone: the feedback modal."""
    ack()
    # After the ack: a failure here reaches the person through `respond` (after_ack).
    client.views_open(trigger_id=command["trigger_id"], view=build_feedback_modal())


@after_ack
def handle_feedback_command(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    workspace: WorkspaceRef | None,
    client: WebClient,
    db: SessionScope,
    read: SessionScope,
    homes: HomeRefresh,
    reviewer: CommentReviewer | None = None,
) -> None:
    """Answer one `/feedback` command."""
    parsed = _parse(command.get("text") or "")
    if isinstance(parsed, dict):
        ack(parsed)
        return
    if isinstance(parsed, OpenForm):
        _open_form(ack, client, command)
        return
    outcome = give_quick_feedback(
        db=db,
        read=read,
        homes=homes,
        reviewer=reviewer,
        workspace=require_workspace(workspace),
        user_id=command["user_id"],
        command=parsed,
    )
    ack(_reply(parsed, outcome))
