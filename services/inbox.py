"""The inbox: acknowledged events stored before their 200, applied later exactly once.

A listener stores a row (workers.inbox.InboxWriter commits many at once); a worker leases
rows, applies each and deletes it in the transaction that applies it. A crash before the
commit leaves the row (and no change) for the next lease; a crash after leaves the change
and no row. Slack's retries of one event collapse on (team_id, event_id), and
services.votes marks each event_id applied, so a row leased twice still counts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session

from core.db import conflict_insert
from domain.inbox import (
    MAX_ERROR,
    MAX_EVENT_ID,
    REACTION_KINDS,
    IncomingEvent,
    decode_reaction,
    retry_delay,
    should_park,
)
from models import InboxEvent
from services.votes import Outcome, ReactionResult, apply_reaction

_INBOX: sa.Table = InboxEvent.__table__  # type: ignore[attr-defined]


class InboxUnavailable(Exception):
    """An event could not be stored in time: it must not be acknowledged (Slack retries)."""


class EventInbox(Protocol):
    """Where listeners put events that must be stored before Slack hears 200."""

    def store(self, event: IncomingEvent) -> None:
        """Return once the event is committed; raise InboxUnavailable otherwise."""

    async def store_async(self, event: IncomingEvent) -> None:
        """`store` for the event loop, holding no thread while it waits."""


@dataclass(frozen=True)
class LeasedEvent:
    """An inbox row leased by this process; `attempts` identifies this lease."""

    id: int
    team_id: str  # Slack-keyed: inbox rows are stored as Slack sent them, before the ack
    event_id: str
    kind: str
    payload: str
    attempts: int


@dataclass(frozen=True)
class ParkedEvent:
    """A row set aside after its last attempt."""

    id: int
    team_id: str  # Slack-keyed: inbox rows are stored as Slack sent them, before the ack
    event_id: str
    attempts: int
    error: str | None


def _dialect(session: Session) -> str:
    return str(session.get_bind().dialect.name)


_STATEMENTS: dict[tuple[str, str], Any] = {}


def _store_statement(dialect: str) -> Any:
    key = (dialect, "store")
    if key not in _STATEMENTS:
        _STATEMENTS[key] = (
            conflict_insert(dialect)(_INBOX)
            .values(
                team_id=sa.bindparam("b_team_id"),
                event_id=sa.bindparam("b_event_id"),
                kind=sa.bindparam("b_kind"),
                payload=sa.bindparam("b_payload"),
                received_at=sa.bindparam("b_now", type_=_INBOX.c.received_at.type),
                attempts=0,
            )
            .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
        )
    return _STATEMENTS[key]


def store_events(*, session: Session, events: Sequence[IncomingEvent], now: datetime) -> None:
    """Commit these events as inbox rows in one transaction; retried ones are kept once."""
    if events:
        session.execute(
            _store_statement(_dialect(session)),
            [
                {
                    "b_team_id": e.team_id,
                    "b_event_id": e.event_id[:MAX_EVENT_ID],
                    "b_kind": e.kind,
                    "b_payload": e.payload,
                    "b_now": now,
                }
                for e in events
            ],
        )
    session.commit()


def _due(now: datetime) -> Any:
    return sa.and_(
        _INBOX.c.parked_at.is_(None),
        sa.or_(_INBOX.c.claimed_until.is_(None), _INBOX.c.claimed_until < now),
    )


def lease_events(
    *, session: Session, now: datetime, lease: timedelta, limit: int, max_attempts: int
) -> tuple[list[LeasedEvent], list[ParkedEvent]]:
    """Lease up to `limit` due rows, oldest first; also park rows out of attempts.

    A row is due when no live lease holds it (new, or its process died or gave it
    back). On PostgreSQL rows another instance is leasing are skipped, never waited for;
    SQLite leases under its single write lock.
    """
    exhausted = session.execute(
        sa.update(_INBOX)
        .where(
            _INBOX.c.parked_at.is_(None),
            _INBOX.c.claimed_until < now,
            _INBOX.c.attempts >= max_attempts,
        )
        .values(
            parked_at=now,
            error=sa.func.coalesce(_INBOX.c.error, "its lease ran out on every attempt"),
        )
        .returning(
            _INBOX.c.id, _INBOX.c.team_id, _INBOX.c.event_id, _INBOX.c.attempts, _INBOX.c.error
        )
    ).all()
    due = sa.select(_INBOX.c.id).where(_due(now)).order_by(_INBOX.c.id).limit(limit)
    if _dialect(session) == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = session.execute(
        sa.update(_INBOX)
        .where(_INBOX.c.id.in_(due.scalar_subquery()))
        .values(claimed_until=now + lease, attempts=_INBOX.c.attempts + 1)
        .returning(
            _INBOX.c.id,
            _INBOX.c.team_id,
            _INBOX.c.event_id,
            _INBOX.c.kind,
            _INBOX.c.payload,
            _INBOX.c.attempts,
        )
    ).all()
    session.commit()
    leased = sorted((LeasedEvent(*row) for row in rows), key=lambda e: e.id)
    return leased, [ParkedEvent(*row) for row in exhausted]


_FINISH = sa.delete(_INBOX).where(
    _INBOX.c.id == sa.bindparam("b_id"), _INBOX.c.attempts == sa.bindparam("b_attempts")
)


def _finish(session: Session, event: LeasedEvent) -> bool:
    """Delete the row in the caller's transaction; False when this lease no longer holds it."""
    result = session.execute(_FINISH, {"b_id": event.id, "b_attempts": event.attempts})
    return bool(result.rowcount)  # type: ignore[attr-defined]


def apply_event(*, session: Session, event: LeasedEvent) -> ReactionResult | None:
    """Apply one leased row and delete it in the same transaction.

    None when the row is no longer this lease's (another process took it over after the
    lease ran out, or applied it). Raises for a row that cannot be applied; the caller
    records the failure (fail_event).
    """
    if event.kind not in REACTION_KINDS:
        raise ValueError(f"no way to apply an inbox row of kind {event.kind!r}")
    change = decode_reaction(event.payload)
    if not _finish(session, event):
        session.rollback()
        return None
    result = apply_reaction(
        session=session, team_id=event.team_id, event_id=event.event_id, change=change
    )
    if result.outcome in (Outcome.UNTRACKED, Outcome.DUPLICATE):
        # Nothing changed, and apply_reaction rolled back (the delete with it): the row
        # goes now, on its own.
        _finish(session, event)
        session.commit()
    return result


def fail_event(
    *, session: Session, event: LeasedEvent, error: str, now: datetime, max_attempts: int
) -> bool:
    """Record a failed attempt: retried a little later, or parked after the last one.

    Returns True when the row was parked.
    """
    park = should_park(event.attempts, max_attempts=max_attempts)
    session.execute(
        sa.update(_INBOX)
        .where(_INBOX.c.id == event.id, _INBOX.c.attempts == event.attempts)
        .values(
            claimed_until=now + retry_delay(event.attempts),
            error=error[:MAX_ERROR],
            parked_at=now if park else None,
        )
    )
    session.commit()
    return park


def release_events(*, session: Session, events: Sequence[LeasedEvent]) -> None:
    """Give leased rows back unattempted (at shutdown), due at once for any process."""
    if events:
        session.execute(
            sa.update(_INBOX)
            .where(
                _INBOX.c.id == sa.bindparam("b_id"),
                _INBOX.c.attempts == sa.bindparam("b_attempts"),
            )
            .values(claimed_until=None, attempts=_INBOX.c.attempts - 1),
            [{"b_id": e.id, "b_attempts": e.attempts} for e in events],
        )
    session.commit()


def parked_events(*, session: Session, limit: int) -> list[ParkedEvent]:
    """The parked rows, oldest first (for the operator: `bot.py inbox`)."""
    rows = session.execute(
        sa.select(
            _INBOX.c.id, _INBOX.c.team_id, _INBOX.c.event_id, _INBOX.c.attempts, _INBOX.c.error
        )
        .where(_INBOX.c.parked_at.is_not(None))
        .order_by(_INBOX.c.id)
        .limit(limit)
    ).all()
    session.rollback()
    return [ParkedEvent(*row) for row in rows]


def retry_parked(*, session: Session) -> int:
    """Put every parked row back, due at once with its attempts reset; returns how many.

    For after the cause is fixed (a bug, a schema the worker could not write to): each row
    is applied exactly once still, because the vote and its processed-event mark commit
    together with the row's deletion.
    """
    result = session.execute(
        sa.update(_INBOX)
        .where(_INBOX.c.parked_at.is_not(None))
        .values(parked_at=None, claimed_until=None, attempts=0)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
