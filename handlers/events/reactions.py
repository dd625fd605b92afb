"""`reaction_added` / `reaction_removed`: emoji on an asset's message are votes."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from domain.payloads import slack_id
from domain.votes import read_reaction
from services.votes import ReactionSink


def handle_reaction(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext, votes: ReactionSink
) -> None:
    """Queue the vote change for recording; retried deliveries of one event count once."""
    change = read_reaction(event, bot_user_id=context.bot_user_id)
    team_id = slack_id(context.team_id) or slack_id(body.get("team_id"))
    if change is None or not team_id:
        return
    event_id = body.get("event_id")
    votes.submit(team_id, event_id if isinstance(event_id, str) else None, change)
