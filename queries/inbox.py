"""Inbox rows: stored before an event's 200, leased, applied (deleted) or parked.

A lease is identified by the row's `attempts` as leased: every statement that ends or
changes a lease matches on it, so a process whose lease ran out (and was taken over)
changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import InboxEvent
from queries.prepared import Prepared, column_length, dialect_of, upsert_into

_INBOX: sa.Table = InboxEvent.__table__  # type: ignore[attr-defined]
# Longer ids are cut to what the column holds (Slack's are far shorter).
EVENT_ID_LENGTH = column_length(_INBOX.c.event_id)


class NewEvent(Protocol):
    """An event to store (domain.inbox.IncomingEvent is one)."""

    @property
    def team_id(self) -> str: ...
    @property
    def event_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def payload(self) -> str: ...


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


def _store(dialect: str) -> sa.Insert:
    return (
        upsert_into(dialect, _INBOX)
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


_STORE = Prepared(_store)


def store_events(session: Session, *, events: Sequence[NewEvent], now: datetime) -> None:
    """Insert these events as rows; one already stored (a retry of it) is kept once."""
    if events:
        session.execute(
            _STORE.on(session),
            [
                {
                    "b_team_id": e.team_id,
                    "b_event_id": e.event_id[:EVENT_ID_LENGTH],
                    "b_kind": e.kind,
                    "b_payload": e.payload,
                    "b_now": now,
                }
                for e in events
            ],
        )


_PARKED_COLUMNS = (
    _INBOX.c.id,
    _INBOX.c.team_id,
    _INBOX.c.event_id,
    _INBOX.c.attempts,
    _INBOX.c.error,
)


def park_exhausted(session: Session, *, now: datetime, max_attempts: int) -> list[ParkedEvent]:
    """Park the rows whose last lease ran out after `max_attempts` attempts."""
    rows = session.execute(
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
        .returning(*_PARKED_COLUMNS)
    ).all()
    return [ParkedEvent(*row) for row in rows]


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        _INBOX.c.parked_at.is_(None),
        sa.or_(_INBOX.c.claimed_until.is_(None), _INBOX.c.claimed_until < now),
    )


def lease_due(session: Session, *, now: datetime, until: datetime, limit: int) -> list[LeasedEvent]:
    """Lease up to `limit` due rows until `until`, oldest first.

    A row is due when no live lease holds it (new, or its process died or gave it
    back). On PostgreSQL rows another instance is leasing are skipped, never waited for;
    SQLite leases under its single write lock.
    """
    due = sa.select(_INBOX.c.id).where(_due(now)).order_by(_INBOX.c.id).limit(limit)
    if dialect_of(session) == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = session.execute(
        sa.update(_INBOX)
        .where(_INBOX.c.id.in_(due.scalar_subquery()))
        .values(claimed_until=until, attempts=_INBOX.c.attempts + 1)
        .returning(
            _INBOX.c.id,
            _INBOX.c.team_id,
            _INBOX.c.event_id,
            _INBOX.c.kind,
            _INBOX.c.payload,
            _INBOX.c.attempts,
        )
    ).all()
    return sorted((LeasedEvent(*row) for row in rows), key=lambda e: e.id)


_FINISH = sa.delete(_INBOX).where(
    _INBOX.c.id == sa.bindparam("b_id"), _INBOX.c.attempts == sa.bindparam("b_attempts")
)


def finish_event(session: Session, *, event: LeasedEvent) -> bool:
    """Delete the leased row; False when this lease no longer holds it."""
    result = session.execute(_FINISH, {"b_id": event.id, "b_attempts": event.attempts})
    return bool(result.rowcount)  # type: ignore[attr-defined]


def record_failure(
    session: Session,
    *,
    event: LeasedEvent,
    retry_at: datetime,
    error: str,
    parked_at: datetime | None,
) -> None:
    """Note a failed attempt on the leased row: due again at `retry_at`, or parked."""
    session.execute(
        sa.update(_INBOX)
        .where(_INBOX.c.id == event.id, _INBOX.c.attempts == event.attempts)
        .values(claimed_until=retry_at, error=error, parked_at=parked_at)
    )


def release_events(session: Session, *, events: Sequence[LeasedEvent]) -> None:
    """Give leased rows back unattempted, due at once for any process."""
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


def parked_events(session: Session, *, limit: int) -> list[ParkedEvent]:
    """The parked rows, oldest first."""
    rows = session.execute(
        sa.select(*_PARKED_COLUMNS)
        .where(_INBOX.c.parked_at.is_not(None))
        .order_by(_INBOX.c.id)
        .limit(limit)
    ).all()
    return [ParkedEvent(*row) for row in rows]


def unpark_all(session: Session) -> int:
    """Make every parked row due at once with its attempts reset; returns how many."""
    result = session.execute(
        sa.update(_INBOX)
        .where(_INBOX.c.parked_at.is_not(None))
        .values(parked_at=None, claimed_until=None, attempts=0)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
