"""The inbox: group commit before the ack, and workers that apply each row exactly once."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client import generate_latest
from sqlalchemy.engine import Engine

from app.gauges import app_registry, read_database
from core.db import make_engine, migrate, session_scope_for
from domain.inbox import IncomingEvent, encode_reaction
from domain.votes import ReactionChange, Verdict
from models import utcnow
from sandbox.constants import TEAM_ID
from services.inbox import InboxUnavailable, lease_events
from tests.support.inbox import CHANNEL, T0, TS, Homes
from workers.inbox import InboxWorker, InboxWriter, WriteTurn

LEASE_S = 0.5
ROOT = Path(__file__).resolve().parent.parent.parent


def reaction(user: str, *, added: bool = True, minute: int = 0) -> ReactionChange:
    return ReactionChange(
        added=added,
        verdict=Verdict.USEFUL,
        user_id=user,
        channel_id=CHANNEL,
        ts=TS,
        at=T0 + timedelta(minutes=minute),
    )


def incoming(event_id: str, change: ReactionChange) -> IncomingEvent:
    kind = "reaction_added" if change.added else "reaction_removed"
    return IncomingEvent(TEAM_ID, event_id, kind, encode_reaction(change))


def rows(engine: Engine) -> list[tuple[str, int, bool]]:
    """(event_id, attempts, parked) of every inbox row."""
    with engine.connect() as connection:
        found = connection.execute(
            sa.text("SELECT event_id, attempts, parked_at FROM inbox_event ORDER BY id")
        ).all()
    return [(str(e), int(a), p is not None) for e, a, p in found]


def votes(engine: Engine) -> dict[str, int]:
    """Vote rows per person."""
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT user_id, count(*) FROM vote GROUP BY user_id"))
        return {str(u): int(n) for u, n in found}


def worker(engine: Engine, *, max_attempts: int = 5) -> InboxWorker:
    return InboxWorker(
        db=session_scope_for(engine),
        homes=Homes(),
        lease_s=LEASE_S,
        max_attempts=max_attempts,
        poll_s=0.2,
    )


@pytest.fixture
def writer(engine: Engine) -> Iterator[InboxWriter]:
    writer = InboxWriter(db=session_scope_for(engine), timeout_s=2.0)
    yield writer
    writer.stop()


def test_events_that_arrive_together_are_committed_together(
    engine: Engine, writer: InboxWriter
) -> None:
    senders, each = 40, 5
    barrier = threading.Barrier(senders)
    failures: list[BaseException] = []

    def send(n: int) -> None:
        barrier.wait(10)
        for k in range(each):
            try:
                writer.store(incoming(f"Ev{n:03d}{k}", reaction(f"U0P{n:03d}{k}")))
            except BaseException as exc:  # surfaced below
                failures.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    # Every store returned only once its row was committed.
    assert len(rows(engine)) == senders * each
    # Many rows per transaction: far fewer commits than events.
    assert writer.commits <= senders * each // 2, writer.commits


def test_a_retried_event_is_stored_once(engine: Engine, writer: InboxWriter) -> None:
    event = incoming("Ev0RETRIED", reaction("U0REP1"))
    writer.store(event)
    writer.store(event)
    assert rows(engine) == [("Ev0RETRIED", 0, False)]


@contextmanager
def locked_writer(tmp_path: Path) -> Iterator[InboxWriter]:
    """A writer (0.5 s timeout) on a SQLite database whose write lock another connection holds."""
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    migrate(url)
    engine = make_engine(url)
    writer = InboxWriter(db=session_scope_for(engine), timeout_s=0.5)
    blocker = engine.connect()
    blocker.execute(sa.text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is held
    try:
        yield writer
    finally:
        blocker.rollback()
        blocker.close()
        writer.stop()
        engine.dispose()


def test_an_event_that_cannot_be_stored_is_refused_within_the_timeout(tmp_path: Path) -> None:
    with locked_writer(tmp_path) as writer:
        started = time.monotonic()
        with pytest.raises(InboxUnavailable):
            writer.store(incoming("Ev0LOCKED", reaction("U0REP1")))
        assert time.monotonic() - started < 1.5
    missing = make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    writer = InboxWriter(db=session_scope_for(missing), timeout_s=0.5)
    try:
        with pytest.raises(InboxUnavailable):
            writer.store(incoming("Ev0DOWN", reaction("U0REP1")))
    finally:
        writer.stop()
        missing.dispose()


def test_rows_left_by_a_killed_process_are_applied_once_after_restart(
    engine: Engine,
    writer: InboxWriter,
    asset_id: int,
) -> None:
    for n in range(6):
        writer.store(incoming(f"Ev0K{n}", reaction(f"U0K{n}")))
    first = worker(engine)
    # The first process applies two rows, leases the rest, and dies before applying them.
    with session_scope_for(engine)() as session:
        leased, _ = lease_events(
            session=session, now=utcnow(), lease=timedelta(seconds=LEASE_S), limit=6, max_attempts=5
        )
    for event in leased[:2]:
        first.apply(event)
    assert votes(engine) == {"U0K0": 1, "U0K1": 1}
    second = worker(engine)
    # While the dead process's lease holds, nobody takes its rows.
    assert second.run_once() == 0
    time.sleep(LEASE_S + 0.1)
    assert second.run_once() == 4
    assert rows(engine) == []
    # Slack retries one applied event after the restart: stored again, counted once.
    writer.store(incoming("Ev0K0", reaction("U0K0")))
    assert second.run_once() == 1
    assert rows(engine) == []
    assert votes(engine) == {f"U0K{n}": 1 for n in range(6)}


def test_a_running_worker_applies_what_is_stored_and_stop_gives_leases_back(
    engine: Engine,
    asset_id: int,
) -> None:
    running = worker(engine)
    writer = InboxWriter(db=session_scope_for(engine), timeout_s=2.0, on_commit=running.wake)
    running.start()
    try:
        for n in range(20):
            writer.store(incoming(f"Ev0W{n}", reaction(f"U0W{n}")))
        deadline = time.monotonic() + 10
        while len(votes(engine)) < 20:
            assert time.monotonic() < deadline, votes(engine)
            time.sleep(0.05)
    finally:
        running.stop()
        writer.stop()
    assert rows(engine) == []
    # After stop, new rows stay stored (nothing applies them) until a worker starts again.
    later = InboxWriter(db=session_scope_for(engine), timeout_s=2.0)
    later.store(incoming("Ev0LATE", reaction("U0LATE")))
    later.stop()
    time.sleep(0.3)
    assert rows(engine) == [("Ev0LATE", 0, False)]
    assert worker(engine).run_once() == 1
    assert "U0LATE" in votes(engine)


def test_a_poison_row_is_parked_after_its_attempts_and_never_blocks_others(
    engine: Engine,
    writer: InboxWriter,
    asset_id: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    writer.store(IncomingEvent(TEAM_ID, "Ev0POISON", "reaction_added", '{"not": "a reaction"}'))
    for n in range(3):
        writer.store(incoming(f"Ev0OK{n}", reaction(f"U0OK{n}")))
    poisoned = worker(engine, max_attempts=2)
    assert poisoned.run_once() == 4
    assert votes(engine) == {f"U0OK{n}": 1 for n in range(3)}
    assert rows(engine) == [("Ev0POISON", 1, False)]  # retried later, not at once
    assert poisoned.run_once() == 0
    time.sleep(1.1)  # the first retry waits one second
    with caplog.at_level(logging.ERROR, logger="workers.inbox"):
        assert poisoned.run_once() == 1
    assert rows(engine) == [("Ev0POISON", 2, True)]
    assert any("Ev0POISON" in r.getMessage() and "parked" in r.getMessage() for r in caplog.records)
    with engine.connect() as connection:
        error = connection.execute(sa.text("SELECT error FROM inbox_event")).scalar_one()
    assert "payload lacks" in error
    # Parked rows are never leased again.
    time.sleep(2.1)
    assert poisoned.run_once() == 0


def test_a_row_whose_lease_keeps_running_out_is_parked(
    engine: Engine, writer: InboxWriter, caplog: pytest.LogCaptureFixture
) -> None:
    """A row that kills its process every time is leased, never finished, then parked."""
    writer.store(incoming("Ev0CRASHER", reaction("U0REP1")))
    lease = timedelta(seconds=LEASE_S)
    db = session_scope_for(engine)
    for attempt in (1, 2):
        with db() as session:
            leased, _ = lease_events(
                session=session, now=utcnow(), lease=lease, limit=10, max_attempts=2
            )
        assert [(e.event_id, e.attempts) for e in leased] == [("Ev0CRASHER", attempt)]
        time.sleep(LEASE_S + 0.1)  # ... and the process dies holding it
    with caplog.at_level(logging.ERROR, logger="workers.inbox"):
        assert worker(engine, max_attempts=2).run_once() == 0
    assert rows(engine) == [("Ev0CRASHER", 2, True)]
    assert any("Ev0CRASHER" in r.getMessage() for r in caplog.records)


def test_two_workers_never_hold_one_row_at_once(
    engine: Engine,
    writer: InboxWriter,
    asset_id: int,
) -> None:
    for n in range(30):
        writer.store(incoming(f"Ev0T{n}", reaction(f"U0T{n}")))
    db = session_scope_for(engine)
    held: list[list[str]] = []
    barrier = threading.Barrier(2)

    def take() -> None:
        barrier.wait(10)
        with db() as session:
            leased, _ = lease_events(
                session=session,
                now=utcnow(),
                lease=timedelta(seconds=30),
                limit=20,
                max_attempts=5,
            )
        held.append([e.event_id for e in leased])

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    together = held[0] + held[1]
    assert len(together) == len(set(together)) == 30


def test_coroutines_wait_for_their_commit_without_holding_a_thread(
    engine: Engine, writer: InboxWriter
) -> None:
    async def burst() -> None:
        await asyncio.gather(
            *(
                writer.store_async(incoming(f"Ev0A{n:03d}", reaction(f"U0A{n:03d}")))
                for n in range(200)
            )
        )

    threads_before = threading.active_count()
    asyncio.run(burst())
    # Every coroutine returned once its row was committed, many rows a commit, no thread each.
    assert len(rows(engine)) == 200
    assert writer.commits < 100, writer.commits
    assert threading.active_count() <= threads_before


def test_a_coroutine_is_refused_within_the_timeout_when_nothing_can_be_stored(
    tmp_path: Path,
) -> None:
    with locked_writer(tmp_path) as writer:
        started = time.monotonic()
        with pytest.raises(InboxUnavailable):
            asyncio.run(writer.store_async(incoming("Ev0LOCKED", reaction("U0REP1"))))
        assert time.monotonic() - started < 2.0


def test_the_writer_goes_before_waiting_workers() -> None:
    turn = WriteTurn()
    order: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with turn.patient():
            holding.set()
            release.wait(5)
            order.append("holder")

    def take(name: str, urgent: bool) -> None:
        with turn.urgent() if urgent else turn.patient():
            order.append(name)

    first = threading.Thread(target=holder)
    first.start()
    assert holding.wait(5)
    # Workers queue first, then the writer: the writer still goes next.
    workers = [threading.Thread(target=take, args=(f"worker{n}", False)) for n in range(3)]
    for thread in workers:
        thread.start()
    time.sleep(0.1)
    writer_thread = threading.Thread(target=take, args=("writer", True))
    writer_thread.start()
    time.sleep(0.1)
    release.set()
    for thread in (first, *workers, writer_thread):
        thread.join(5)
    assert order[:2] == ["holder", "writer"]
    assert sorted(order[2:]) == ["worker0", "worker1", "worker2"]


def _bot_py(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "inbox", *args],
        env={"PATH": os.environ.get("PATH", ""), "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_operator_sees_parked_events_and_puts_them_back_to_be_applied_once(
    engine: Engine,
    database_url: str,
    writer: InboxWriter,
    asset_id: int,
) -> None:
    writer.store(incoming("Ev0STUCK", reaction("U0STUCK")))
    writer.store(incoming("Ev0WAITING", reaction("U0WAIT")))
    # Parked as after its last failed attempt (say, a bug since fixed).
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE inbox_event SET parked_at = :now, attempts = 5, "
                "error = 'OperationalError: disk I/O error' WHERE event_id = 'Ev0STUCK'"
            ),
            {"now": utcnow()},
        )
    state = read_database(engine).inbox
    assert state is not None and (state.waiting, state.parked) == (1, 1)
    assert state.oldest_waiting_s is not None and state.oldest_waiting_s >= 0
    scraped = generate_latest(app_registry(engine, lambda: None)).decode()
    assert 'liaison_inbox_events{state="parked"} 1.0' in scraped

    shown = _bot_py(database_url)
    assert shown.returncode == 0, shown.stderr
    assert "1 event(s) waiting" in shown.stdout and "1 parked event(s)" in shown.stdout
    assert "Ev0STUCK" in shown.stdout and "disk I/O error" in shown.stdout
    assert rows(engine) == [("Ev0STUCK", 5, True), ("Ev0WAITING", 0, False)]  # only looked

    back = _bot_py(database_url, "--retry-parked")
    assert back.returncode == 0, back.stderr
    assert "1 parked event(s) put back" in back.stdout
    assert worker(engine).run_once() == 2
    assert votes(engine) == {"U0STUCK": 1, "U0WAIT": 1}
    assert rows(engine) == []
    # Put back twice (an operator's second run) changes nothing.
    assert "0 parked event(s) put back" in _bot_py(database_url, "--retry-parked").stdout
    assert votes(engine) == {"U0STUCK": 1, "U0WAIT": 1}
