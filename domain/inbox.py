"""The inbox of acknowledged events (SPEC: nothing acknowledged is ever lost).

An event that changes data is stored before Slack hears 200; what a worker needs to
apply it later is written as JSON here and read back there. A row that keeps failing is
retried a little later each time and, after the last attempt, parked for an operator
instead of blocking the rest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.payloads import mapping, slack_id
from domain.receiver import receiving_side
from domain.votes import ReactionChange, Verdict, read_reaction

# The events kept in the inbox: their effect happens after the ack, by a worker.
REACTION_KINDS = frozenset({"reaction_added", "reaction_removed"})
# Slack's event ids are short; a longer one (only a forger sends those) is cut, as
# services.votes cuts it for its processed-event mark.
MAX_EVENT_ID = 64
MAX_ERROR = 255


@dataclass(frozen=True)
class IncomingEvent:
    """One event to be stored before its 200, as its inbox row keeps it."""

    team_id: str  # the Liaison workspace (domain.receiver's tenant)
    event_id: str
    kind: str
    payload: str  # JSON (encode_reaction)


def reaction_row(team_id: str, event_id: str, change: ReactionChange) -> IncomingEvent:
    """The inbox row of one vote change."""
    kind = "reaction_added" if change.added else "reaction_removed"
    return IncomingEvent(team_id, event_id[:MAX_EVENT_ID], kind, encode_reaction(change))


@dataclass(frozen=True)
class Taken:
    """What the intake makes of an event it takes: a row to store, or nothing (a reaction
    that is no vote, answered 200 at once)."""

    row: IncomingEvent | None


def take_reaction(body: Mapping[str, Any]) -> Taken | None:
    """A reaction event read straight from its (verified) Events API body, or None.

    None leaves the request to Bolt: anything but a reaction, and a reaction whose
    receiving installation Slack does not name in `authorizations` (then Bolt's
    authorization and the workspace middleware decide who it is for). When Slack names it,
    that installation is the workspace (as handlers.middleware decides too) and its bot user
    is the one whose own reactions are not votes.
    """
    if body.get("type") != "event_callback":
        return None
    event = body.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return None
    if event["type"] not in REACTION_KINDS:
        return None
    event_id = body.get("event_id")
    side = receiving_side(body)
    if side.source != "authorizations" or side.tenant is None:
        return None
    if not isinstance(event_id, str) or not event_id:
        return None
    first = mapping(_first(body.get("authorizations")))
    bot_user_id = slack_id(first.get("user_id")) if first.get("is_bot") is True else None
    change = read_reaction(event, bot_user_id=bot_user_id)
    if change is None:
        return Taken(None)
    return Taken(reaction_row(side.tenant, event_id, change))


def _first(value: object) -> object:
    """The first item of a list (None for anything else or an empty list)."""
    return value[0] if isinstance(value, list) and value else None


def encode_reaction(change: ReactionChange) -> str:
    """The JSON payload of a reaction row: exactly what recording its vote needs."""
    return json.dumps(
        {
            "added": change.added,
            "verdict": change.verdict.value,
            "user": change.user_id,
            "channel": change.channel_id,
            "ts": change.ts,
            "at": change.at.astimezone(UTC).isoformat(),
        },
        separators=(",", ":"),
    )


def decode_reaction(payload: str) -> ReactionChange:
    """A reaction row's payload read back; ValueError when it is not one."""
    data: Any = json.loads(payload)
    if not isinstance(data, dict):
        raise ValueError("payload is not an object")
    try:
        at = datetime.fromisoformat(str(data["at"]))
        return ReactionChange(
            added=bool(data["added"]),
            verdict=Verdict(data["verdict"]),
            user_id=str(data["user"]),
            channel_id=str(data["channel"]),
            ts=str(data["ts"]),
            at=at if at.tzinfo is not None else at.replace(tzinfo=UTC),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"payload lacks {exc}") from None


def retry_delay(attempts: int) -> timedelta:
    """How long a row that failed waits before its next attempt: 1 s, 2 s, 4 s … at most 60 s."""
    return timedelta(seconds=min(60, 2 ** max(0, attempts - 1)))


def should_park(attempts: int, *, max_attempts: int) -> bool:
    """True once a row has been tried `max_attempts` times: it is parked, not retried."""
    return attempts >= max_attempts


def describe_error(exc: BaseException) -> str:
    """One short line naming a failure, for the parked row and the log."""
    text = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    return text[:MAX_ERROR]
