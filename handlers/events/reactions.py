"""`reaction_added` / `reaction_removed`: emoji on an asset's message are votes.

Durable before acknowledged: the event is committed to the inbox before Slack hears 200,
and a worker records the vote from there (workers.inbox). Two doors lead there:

- `ReactionIntake`, in front of Bolt (app/server.py): a verified HTTP reaction whose
  receiving installation Slack names is read, stored and answered on the event loop. A
  reaction needs nothing of Bolt's before its row is stored, and reactions come by the
  thousand: Bolt's per-request work (context, authorization, middleware, listener
  matching, a thread) cost about half the acknowledgements a bare Bolt app manages
  (bench/events.py).
- `store_reaction`, as the Bolt listener's middleware (Bolt acknowledges events before
  their listener runs, so it answers itself): reactions over Socket Mode, and those
  whose installation only Bolt's authorization can tell.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from domain.inbox import reaction_row, take_reaction
from domain.payloads import slack_id
from domain.votes import read_reaction
from services.inbox import EventInbox, InboxUnavailable

logger = logging.getLogger(__name__)


class ReactionIntake:
    """app/server.py's intake: the status to answer a reaction with, or None (Bolt's)."""

    def __init__(self, inbox: EventInbox) -> None:
        self._inbox = inbox

    async def __call__(self, body: Mapping[str, Any]) -> int | None:
        taken = take_reaction(body)
        if taken is None:
            return None
        if taken.row is None:  # not a vote: nothing to keep
            return 200
        try:
            await self._inbox.store_async(taken.row)
        except InboxUnavailable as exc:
            # Not stored, so not acknowledged: Slack sends it again.
            logger.warning("reaction not stored, answered 503: %s", exc)
            return 503
        return 200


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
    try:
        inbox.store(reaction_row(team_id, event_id, change))
    except InboxUnavailable as exc:
        # Not stored, so not acknowledged: Slack sends it again.
        logger.warning("reaction not stored, answered 503: %s", exc)
        return BoltResponse(status=503, body="")
    return BoltResponse(status=200, body="")


def handle_reaction() -> None:
    """Never runs: store_reaction answers every reaction event before Bolt would call it."""
