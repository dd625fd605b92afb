"""`/feedback`: the form, or a vote (and comment) in one line."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from blocks.feedback import build_feedback_help, build_feedback_modal, build_feedback_saved
from blocks.replies import build_candidates, build_message
from core.db import SessionScope
from domain.feedback import FeedbackError, FeedbackHelp, OpenForm, parse_feedback
from handlers.errors import after_ack
from models import Source, VoteValue
from services.home import HomeRefresh
from services.reviewer import CommentReviewer
from services.votes import give_feedback, resolve_quick

UNKNOWN_FORM = "Use `/feedback <asset> <up|down> [comment]` with a handle such as `PD-3`."


@after_ack
def handle_feedback_command(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    client: WebClient,
    db: SessionScope,
    read: SessionScope,
    homes: HomeRefresh,
    reviewer: CommentReviewer | None = None,
) -> None:
    """Answer one `/feedback` command."""
    try:
        parsed = parse_feedback(command.get("text") or "")
    except FeedbackError as error:
        ack(build_message(str(error)))
        return
    if isinstance(parsed, FeedbackHelp):
        ack(build_feedback_help())
        return
    if isinstance(parsed, OpenForm):
        ack()
        # After the ack: a failure here reaches the person through `respond` (after_ack).
        client.views_open(trigger_id=command["trigger_id"], view=build_feedback_modal())
        return
    team_id = context.team_id or command["team_id"]
    user_id = command["user_id"]
    with read() as session:
        resolved = resolve_quick(session=session, team_id=team_id, command=parsed)
    if not isinstance(resolved, tuple):
        ack(build_candidates(name=parsed.asset, candidates=resolved.candidates, usage=UNKNOWN_FORM))
        return
    reading, ref = resolved
    # A session of its own: the comment is reviewed before its write transaction begins.
    with db() as session:
        saved = give_feedback(
            session=session,
            team_id=team_id,
            asset_id=ref.id,
            user_id=user_id,
            value=VoteValue(reading.verdict.value),
            comment=reading.comment,
            followup_ok=False,
            source=Source.COMMAND,
            reviewer=reviewer,
        )
    if saved is None:  # deleted between lookup and save
        ack(build_message("That asset is gone. " + UNKNOWN_FORM))
        return
    ack(
        build_feedback_saved(
            handle=saved.asset.handle,
            title=saved.asset.title,
            value=saved.value,
            comment=saved.comment_id is not None,
            nudge=saved.nudge,
            comment_id=saved.comment_id,
        )
    )
    homes.refresh(team_id, saved.owner_id)
