"""Bounded history: old rows pruned in small batches, row counts folded into totals.

Every function here works in short transactions of at most `batch` rows, so pruning a
backlog of millions never holds SQLite's write lock (or PostgreSQL row locks) for long:
other writers get in between batches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from core.db import conflict_insert, writing
from models import (
    OAuthState,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    ProcessedEvent,
    TallyDelta,
    TallyTotal,
)

_EVENTS: sa.Table = ProcessedEvent.__table__  # type: ignore[attr-defined]
_OUTBOX: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]
_STATES: sa.Table = OAuthState.__table__  # type: ignore[attr-defined]
_DELTA: sa.Table = TallyDelta.__table__  # type: ignore[attr-defined]
_TOTAL: sa.Table = TallyTotal.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Retention:
    """How long each kind of row is kept, and how many rows one transaction may delete."""

    events: timedelta  # handled event ids (must outlast Slack's retries, about an hour)
    sent: timedelta  # outbox rows sent to Slack
    expired_states: timedelta  # OAuth states, after they expired
    batch: int


@dataclass(frozen=True)
class Pruned:
    """Rows deleted by one maintenance run."""

    events: int
    sent: int
    states: int


def _in_batches(
    session: Session, pick: Callable[[], sa.Select[Any]], table: sa.Table, key: str, batch: int
) -> int:
    """Delete the rows `pick` selects, `batch` at a time, one transaction each."""
    column = table.c[key]
    removed = 0
    while True:
        chosen = pick().limit(batch)
        if session.get_bind().dialect.name == "postgresql":
            chosen = chosen.with_for_update(skip_locked=True)  # two instances never collide
        with writing(session):
            result = session.execute(sa.delete(table).where(column.in_(chosen.scalar_subquery())))
        count = int(result.rowcount)  # type: ignore[attr-defined]
        removed += count
        if count < batch:
            return removed


def prune_processed_events(*, session: Session, before: datetime, batch: int) -> int:
    """Forget handled event ids received before `before`; returns how many."""
    return _in_batches(
        session,
        lambda: sa.select(_EVENTS.c.event_id).where(_EVENTS.c.received_at < before),
        _EVENTS,
        "event_id",
        batch,
    )


def prune_sent_messages(*, session: Session, before: datetime, batch: int) -> int:
    """Delete outbox rows sent before `before`; returns how many.

    Only sent rows go: a pending, sending or failed one is never deleted. Announcements
    are kept, because later refreshes ("Got it" counts, edits) update them by their ts,
    and so is any row that another row still points at.
    """
    child = _OUTBOX.alias("child")

    def pick() -> sa.Select[Any]:
        return sa.select(_OUTBOX.c.id).where(
            _OUTBOX.c.status == OutboxStatus.SENT.value,
            _OUTBOX.c.sent_at < before,
            _OUTBOX.c.kind != OutboxKind.ANNOUNCEMENT,
            ~sa.exists().where(child.c.parent_id == _OUTBOX.c.id),
        )

    return _in_batches(session, pick, _OUTBOX, "id", batch)


def prune_oauth_states(*, session: Session, before: datetime, batch: int) -> int:
    """Delete OAuth states that expired before `before`; returns how many."""
    return _in_batches(
        session,
        lambda: sa.select(_STATES.c.state).where(_STATES.c.expires_at < before),
        _STATES,
        "state",
        batch,
    )


def prune_history(*, session: Session, now: datetime, retention: Retention) -> Pruned:
    """Everything past its retention period, in batches."""
    return Pruned(
        events=prune_processed_events(
            session=session, before=now - retention.events, batch=retention.batch
        ),
        sent=prune_sent_messages(
            session=session, before=now - retention.sent, batch=retention.batch
        ),
        states=prune_oauth_states(
            session=session, before=now - retention.expired_states, batch=retention.batch
        ),
    )


def fold_tallies(*, session: Session, batch: int) -> int:
    """Fold the row-count changes the triggers wrote into the totals; returns how many.

    Each batch deletes its deltas and adds them to the totals in one transaction, so a
    scrape (which adds totals and unfolded deltas in one statement) never counts a
    change twice or misses it. Two instances folding at once take different rows.
    """
    folded = 0
    postgres = session.get_bind().dialect.name == "postgresql"
    upsert = conflict_insert(session.get_bind().dialect.name)
    while True:
        chosen = sa.select(_DELTA.c.id).order_by(_DELTA.c.id).limit(batch)
        if postgres:
            chosen = chosen.with_for_update(skip_locked=True)
        with writing(session):  # the deltas deleted and added to the totals at once
            rows = session.execute(
                sa.delete(_DELTA)
                .where(_DELTA.c.id.in_(chosen.scalar_subquery()))
                .returning(_DELTA.c.subject, _DELTA.c.status, _DELTA.c.kind, _DELTA.c.n)
            ).all()
            sums: dict[tuple[str, str, str], int] = defaultdict(int)
            for subject, status, kind, n in rows:
                sums[(subject, status, kind)] += int(n)
            for (subject, status, kind), n in sorted(sums.items()):  # one lock order everywhere
                values = upsert(_TOTAL).values(subject=subject, status=status, kind=kind, n=n)
                session.execute(
                    values.on_conflict_do_update(
                        index_elements=["subject", "status", "kind"],
                        set_={"n": _TOTAL.c.n + values.excluded.n},
                    )
                )
        folded += len(rows)
        if len(rows) < batch:
            return folded
