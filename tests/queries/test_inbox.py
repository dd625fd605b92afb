"""Inbox rows: stored once, leased, finished, failed, parked, released and put back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.inbox import IncomingEvent
from queries.inbox import (
    EVENT_ID_LENGTH,
    LeasedEvent,
    ParkedEvent,
    finish_event,
    lease_due,
    park_exhausted,
    parked_events,
    record_failure,
    release_events,
    store_events,
    unpark_all,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def _store(engine: Engine, *event_ids: str) -> None:
    events = [IncomingEvent("T1", event_id, "reaction_added", "{}") for event_id in event_ids]
    with Session(engine) as session:
        store_events(session, events=events, now=NOW)
        session.commit()


def _lease(engine: Engine, now: datetime = NOW, limit: int = 10) -> list[LeasedEvent]:
    with Session(engine) as session:
        leased = lease_due(session, now=now, until=now + LEASE, limit=limit)
        session.commit()
    return leased


def test_events_are_stored_once_and_leased_oldest_first(engine: Engine) -> None:
    long_id = "E" * (EVENT_ID_LENGTH + 5)
    _store(engine, "Ev1", "Ev2")
    _store(engine, "Ev2", long_id)  # a retry of Ev2 is kept once

    leased = _lease(engine, limit=2)
    assert [(e.event_id, e.attempts) for e in leased] == [("Ev1", 1), ("Ev2", 1)]
    assert leased[0] == LeasedEvent(leased[0].id, "T1", "Ev1", "reaction_added", "{}", 1)
    [rest] = _lease(engine)
    assert rest.event_id == long_id[:EVENT_ID_LENGTH]
    assert _lease(engine) == []  # every lease is live
    assert [e.event_id for e in _lease(engine, now=NOW + 2 * LEASE)] == [
        "Ev1",
        "Ev2",
        long_id[:EVENT_ID_LENGTH],
    ]


def test_only_the_current_lease_finishes_a_row(engine: Engine) -> None:
    _store(engine, "Ev1")
    [stale] = _lease(engine)
    [current] = _lease(engine, now=NOW + 2 * LEASE)
    with Session(engine) as session:
        assert finish_event(session, event=stale) is False
        assert finish_event(session, event=current) is True
        session.commit()
    assert _lease(engine, now=NOW + 10 * LEASE) == []


def test_failed_rows_are_retried_parked_and_put_back(engine: Engine) -> None:
    _store(engine, "Ev1", "Ev2")
    first, second = _lease(engine)
    with Session(engine) as session:
        record_failure(session, event=first, retry_at=NOW + LEASE, error="boom", parked_at=None)
        record_failure(session, event=second, retry_at=NOW + LEASE, error="bad", parked_at=NOW)
        session.commit()
    with Session(engine) as session:
        assert parked_events(session, limit=10) == [ParkedEvent(second.id, "T1", "Ev2", 1, "bad")]
    [retried] = _lease(engine, now=NOW + 2 * LEASE)
    assert (retried.event_id, retried.attempts) == ("Ev1", 2)

    with Session(engine) as session:
        late = NOW + 10 * LEASE
        exhausted = park_exhausted(session, now=late, max_attempts=2)
        session.commit()
    assert exhausted == [ParkedEvent(first.id, "T1", "Ev1", 2, "boom")]
    with Session(engine) as session:
        assert [p.event_id for p in parked_events(session, limit=1)] == ["Ev1"]
        assert unpark_all(session) == 2
        session.commit()
    assert [(e.event_id, e.attempts) for e in _lease(engine)] == [("Ev1", 1), ("Ev2", 1)]


def test_released_rows_are_due_at_once_with_the_attempt_given_back(engine: Engine) -> None:
    _store(engine, "Ev1", "Ev2")
    leased = _lease(engine)
    with Session(engine) as session:
        release_events(session, events=leased[:1])
        release_events(session, events=[])
        session.commit()
    [again] = _lease(engine)
    assert (again.event_id, again.attempts) == ("Ev1", 1)
