"""`reaction_added` / `reaction_removed`: emoji on an asset's message are votes."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from core.db import SessionScope
from domain.votes import read_reaction
from services.home import HomeRefresh
from services.votes import Outcome, apply_reaction

logger = logging.getLogger(__name__)


def handle_reaction(
    event: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    db: SessionScope,
    homes: HomeRefresh,
) -> None:
    """Record, change or remove a vote; retried deliveries of one event count once."""
    change = read_reaction(event, bot_user_id=context.bot_user_id)
    team_id = context.team_id or str(body.get("team_id") or "")
    if change is None or not team_id:
        return
    event_id = body.get("event_id")
    with db() as session:
        result = apply_reaction(
            session=session,
            team_id=team_id,
            event_id=event_id if isinstance(event_id, str) else None,
            change=change,
        )
    logger.debug("reaction %s: %s", event_id, result.outcome)
    if result.outcome in (Outcome.RECORDED, Outcome.REMOVED) and result.owner_id:
        homes.refresh(team_id, result.owner_id)
