"""Submission of the feedback modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from blocks.feedback import build_feedback_done_view, build_reword_done_view
from blocks.ids import Ids
from core.db import SessionScope
from domain.feedback import (
    MAX_COMMENT,
    FeedbackField,
    campaign_from_metadata,
    validate_feedback,
)
from domain.payloads import db_id, mapping, state_values, team_of, user_of
from domain.text import strip_controls
from models import Source, VoteValue
from services.home import HomeRefresh
from services.reviewer import CommentReviewer
from services.votes import give_feedback, reword_comment


def handle_feedback_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    db: SessionScope,
    homes: HomeRefresh,
    reviewer: CommentReviewer | None = None,
) -> None:
    """Validate and store the feedback, then show the author a thank-you (and nudge)."""
    form = validate_feedback(state_values(view))
    if isinstance(form, dict):
        ack(response_action="errors", errors=form)
        return
    team_id = team_of(context.team_id, body)
    author_id = user_of(body)
    if not (team_id and author_id):
        ack(response_action="errors", errors={FeedbackField.ASSET: "This form is out of date."})
        return
    with db() as session:
        saved = give_feedback(
            session=session,
            team_id=team_id,
            asset_id=form.asset_id,
            user_id=author_id,
            value=VoteValue(form.verdict.value) if form.verdict is not None else None,
            comment=form.comment,
            followup_ok=form.followup_ok,
            source=Source.MODAL,
            campaign_id=campaign_from_metadata(mapping(view).get("private_metadata")),
            reviewer=reviewer,
        )
    if saved is None:
        ack(
            response_action="errors",
            errors={FeedbackField.ASSET: "That asset no longer exists: pick another one."},
        )
        return
    ack(
        response_action="update",
        view=build_feedback_done_view(
            handle=saved.asset.handle,
            title=saved.asset.title,
            value=saved.value,
            comment=saved.comment_id is not None,
            nudge=saved.nudge,
            comment_id=saved.comment_id,
        ),
    )
    homes.refresh(team_id, saved.owner_id)


def handle_reword_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    db: SessionScope,
    homes: HomeRefresh,
    reviewer: CommentReviewer | None = None,
) -> None:
    """Replace the person's comment with the new wording, unless it is still flagged."""
    values = state_values(view)
    field = mapping(mapping(values.get(Ids.REWORD_TEXT)).get(Ids.REWORD_TEXT))
    raw = field.get("value")
    wording = strip_controls(raw).strip() if isinstance(raw, str) else ""
    if not wording or len(wording) > MAX_COMMENT:
        ack(
            response_action="errors",
            errors={Ids.REWORD_TEXT: f"Write the comment in 1 to {MAX_COMMENT:,} characters."},
        )
        return
    team_id = team_of(context.team_id, body)
    author_id = user_of(body)
    comment_id = db_id(mapping(view).get("private_metadata"))
    if not (team_id and author_id and comment_id):
        ack(response_action="errors", errors={Ids.REWORD_TEXT: "This form is out of date."})
        return
    with db() as session:
        result = reword_comment(
            session=session,
            team_id=team_id,
            user_id=author_id,
            comment_id=comment_id,
            text=wording,
            reviewer=reviewer,
        )
    if result.comment is None:
        ack(response_action="errors", errors={Ids.REWORD_TEXT: "That comment was removed."})
        return
    if not result.saved:
        why = result.nudge.why if result.nudge is not None else "of how it is worded"
        ack(
            response_action="errors",
            errors={Ids.REWORD_TEXT: f"This still won't be quoted, because {why}."},
        )
        return
    ack(
        response_action="update",
        view=build_reword_done_view(handle=result.comment.asset_handle, text=wording),
    )
    homes.refresh(team_id, result.comment.owner_id)
