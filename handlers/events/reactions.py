"""`reaction_added` / `reaction_removed`: emoji on an asset's message are votes.

Durable before acknowledged: the event is committed to the inbox before Slack hears 200,
and a worker records the vote from there (jobs.inbox). Bolt acknowledges events before
their listener runs, so this runs as the listener's middleware, which answers itself.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from domain.inbox import encode_reaction
from domain.payloads import slack_id
from domain.votes import read_reaction
from services.inbox import EventInbox, InboxUnavailable, IncomingEvent

logger = logging.getLogger(__name__)


def store_reaction(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext, inbox: EventInbox
) -> BoltResponse:
    """Store the vote change, then acknowledge; an error answer if it could not be stored."""
    change = read_reaction(event, bot_user_id=context.bot_user_id)
    team_id = slack_id(context.team_id) or slack_id(body.get("team_id"))
    if change is None or not team_id:
        return BoltResponse(status=200, body="")
    event_id = body.get("event_id")
    if not isinstance(event_id, str) or not event_id:
        event_id = f"local-{uuid.uuid4().hex}"  # Slack always sends one; nothing to collapse
    kind = "reaction_added" if change.added else "reaction_removed"
    try:
        inbox.store(IncomingEvent(team_id, event_id, kind, encode_reaction(change)))
    except InboxUnavailable as exc:
        # Not stored, so not acknowledged: Slack sends it again.
        logger.warning("reaction not stored, answered 503: %s", exc)
        return BoltResponse(status=503, body="")
    return BoltResponse(status=200, body="")


def handle_reaction() -> None:
    """Never runs: store_reaction answers every reaction event before Bolt would call it."""
