"""Submission of the feedback modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from blocks.feedback import build_feedback_done_view
from core.db import SessionScope
from domain.feedback import FeedbackField, campaign_from_metadata, validate_feedback
from domain.payloads import mapping, state_values, team_of, user_of
from models import Source, VoteValue
from services.home import HomeRefresh
from services.votes import give_feedback


def handle_feedback_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    db: SessionScope,
    homes: HomeRefresh,
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
            nudge=saved.review.suggestion,
        ),
    )
    homes.refresh(team_id, saved.owner_id)
