"""The inbox of acknowledged events (SPEC: nothing acknowledged is ever lost).

An event that changes data is stored before Slack hears 200; what a worker needs to
apply it later is written as JSON here and read back there. A row that keeps failing is
retried a little later each time and, after the last attempt, parked for an operator
instead of blocking the rest.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.votes import ReactionChange, Verdict

# The events kept in the inbox: their effect happens after the ack, by a worker.
REACTION_KINDS = frozenset({"reaction_added", "reaction_removed"})
# Slack's event ids are short; a longer one (only a forger sends those) is cut, as
# services.votes cuts it for its processed-event mark.
MAX_EVENT_ID = 64
MAX_ERROR = 255


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
