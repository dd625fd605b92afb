"""The inbox: acknowledged events stored before their 200, applied later exactly once.

A listener stores a row (workers.inbox.InboxWriter commits many at once); a worker leases
rows, applies each and deletes it in the transaction that applies it. A crash before the
commit leaves the row (and no change) for the next lease; a crash after leaves the change
and no row. Slack's retries of one event collapse on (team_id, event_id), and
services.votes marks each event_id applied, so a row leased twice still counts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session

from core.db import reading, writing
from domain.inbox import (
    MAX_ERROR,
    REACTION_KINDS,
    IncomingEvent,
    decode_reaction,
    retry_delay,
    should_park,
)
from queries import inbox
from queries.inbox import LeasedEvent, ParkedEvent
from services.votes import ReactionResult, record_reaction

__all__ = [
    "EventInbox",
    "InboxUnavailable",
    "LeasedEvent",
    "ParkedEvent",
    "apply_event",
    "fail_event",
    "lease_events",
    "parked_events",
    "release_events",
    "retry_parked",
    "store_events",
]


class InboxUnavailable(Exception):
    """An event could not be stored in time: it must not be acknowledged (Slack retries)."""


class EventInbox(Protocol):
    """Where listeners put events that must be stored before Slack hears 200."""

    def store(self, event: IncomingEvent) -> None:
        """Return once the event is committed; raise InboxUnavailable otherwise."""

    async def store_async(self, event: IncomingEvent) -> None:
        """`store` for the event loop, holding no thread while it waits."""


def store_events(*, session: Session, events: Sequence[IncomingEvent], now: datetime) -> None:
    """Commit these events as inbox rows in one transaction; retried ones are kept once."""
    with writing(session):
        inbox.store_events(session, events=events, now=now)


def lease_events(
    *, session: Session, now: datetime, lease: timedelta, limit: int, max_attempts: int
) -> tuple[list[LeasedEvent], list[ParkedEvent]]:
    """Lease up to `limit` due rows, oldest first; also park rows out of attempts.

    Committed before returning, so other processes see the leases at once.
    """
    with writing(session):
        exhausted = inbox.park_exhausted(session, now=now, max_attempts=max_attempts)
        leased = inbox.lease_due(session, now=now, until=now + lease, limit=limit)
    return leased, exhausted


def apply_event(*, session: Session, event: LeasedEvent) -> ReactionResult | None:
    """Apply one leased row and delete it in the same transaction.

    None when the row is no longer this lease's (another process took it over after the
    lease ran out, or applied it). Raises for a row that cannot be applied; the caller
    records the failure (fail_event).
    """
    if event.kind not in REACTION_KINDS:
        raise ValueError(f"no way to apply an inbox row of kind {event.kind!r}")
    change = decode_reaction(event.payload)
    with writing(session):
        if not inbox.finish_event(session, event=event):
            return None
        # An untracked message or a duplicate event changes nothing: the row still goes.
        return record_reaction(
            session=session, team_id=event.team_id, event_id=event.event_id, change=change
        )


def fail_event(
    *, session: Session, event: LeasedEvent, error: str, now: datetime, max_attempts: int
) -> bool:
    """Record a failed attempt: retried a little later, or parked after the last one.

    Returns True when the row was parked.
    """
    park = should_park(event.attempts, max_attempts=max_attempts)
    with writing(session):
        inbox.record_failure(
            session,
            event=event,
            retry_at=now + retry_delay(event.attempts),
            error=error[:MAX_ERROR],
            parked_at=now if park else None,
        )
    return park


def release_events(*, session: Session, events: Sequence[LeasedEvent]) -> None:
    """Give leased rows back unattempted (at shutdown), due at once for any process."""
    with writing(session):
        inbox.release_events(session, events=events)


def parked_events(*, session: Session, limit: int) -> list[ParkedEvent]:
    """The parked rows, oldest first (for the operator: `bot.py inbox`)."""
    with reading(session):
        return inbox.parked_events(session, limit=limit)


def retry_parked(*, session: Session) -> int:
    """Put every parked row back, due at once with its attempts reset; returns how many.

    For after the cause is fixed (a bug, a schema the worker could not write to): each row
    is applied exactly once still, because the vote and its processed-event mark commit
    together with the row's deletion.
    """
    with writing(session):
        return inbox.unpark_all(session)
