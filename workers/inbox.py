"""Durable before acknowledged: the inbox's group-commit writer and its workers.

A listener hands its event to InboxWriter.store(), which returns once the row is
committed; one writer thread commits together every row that arrived while the previous
transaction was committing (one commit, one fsync, for a burst). InboxWorker threads
lease rows from the database, apply them and delete them in the same transaction, so a
process killed at any moment leaves each acknowledged event applied exactly once after
the next start (services.inbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta

from core.db import SessionScope
from domain.inbox import IncomingEvent, describe_error
from models import utcnow
from services.home import HomeRefresh
from services.inbox import (
    InboxUnavailable,
    LeasedEvent,
    apply_event,
    fail_event,
    lease_events,
    release_events,
    store_events,
)
from services.votes import Outcome

logger = logging.getLogger(__name__)

# Rows per transaction, at most: a burst bigger than this takes several commits.
MAX_BATCH = 500
WORKER_THREADS = 2
LEASE_BATCH = 32
# Acknowledgements come first: while events keep arriving, workers wait for a pause this
# long (the rows are stored, so recording a vote a little later loses nothing) ...
QUIET_S = 0.02
# ... but never longer than this before applying one more batch, so a steady flood still
# records votes as it goes.
MAX_DEFER_S = 1.0


class WriteTurn:
    """SQLite's single write lock, taken in turn in-process, acknowledgements first.

    A transaction waiting for SQLite's own lock sleeps in steps of up to 100 ms; here the
    inbox's writer and workers queue on a condition instead. The writer (events waiting
    for their 200) goes before any worker that is waiting, so an acknowledgement waits for
    one vote's transaction at most, never for a worker's whole batch.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held = False
        self._urgent = 0

    @contextlib.contextmanager
    def urgent(self) -> Iterator[None]:
        """The writer's turn: next as soon as the current holder is done."""
        with self._cond:
            self._urgent += 1
            try:
                while self._held:
                    self._cond.wait()
            finally:
                self._urgent -= 1
            self._held = True
        try:
            yield
        finally:
            self._release()

    @contextlib.contextmanager
    def patient(self) -> Iterator[None]:
        """A worker's turn: only while no acknowledgement is waiting."""
        with self._cond:
            while self._held or self._urgent:
                self._cond.wait()
            self._held = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()


class _Pending:
    """One event waiting for its commit, by a thread (`done`) or a coroutine (`future`)."""

    __slots__ = ("abandoned", "done", "error", "event", "future", "loop")

    def __init__(
        self,
        event: IncomingEvent,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        future: asyncio.Future[None] | None = None,
    ) -> None:
        self.event = event
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.abandoned = False
        self.loop = loop
        self.future = future

    def resolve(self) -> None:
        """On the waiting coroutine's loop: wake it (unless it stopped waiting)."""
        if self.future is not None and not self.future.done():
            self.future.set_result(None)


def _finish_all(batch: list[_Pending]) -> None:
    """Tell every waiter its row's fate: threads directly, coroutines once per event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Pending]] = {}
    for pending in batch:
        pending.done.set()
        if pending.loop is not None:
            by_loop.setdefault(pending.loop, []).append(pending)
    for loop, waiting in by_loop.items():
        # RuntimeError: that loop closed while the rows were being committed.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_resolve_all, waiting)


def _resolve_all(waiting: list[_Pending]) -> None:
    for pending in waiting:
        pending.resolve()


class InboxWriter:
    """Stores events for listeners, many per transaction (group commit).

    `store` waits at most `timeout_s` (under Slack's 3 s): a database that is down or
    stuck makes the listener answer an error, so Slack sends the event again, instead of
    acknowledging an event that was never stored.
    """

    def __init__(
        self,
        *,
        db: SessionScope,
        timeout_s: float,
        on_commit: Callable[[], None] = lambda: None,
        max_batch: int = MAX_BATCH,
        write_turn: WriteTurn | None = None,
    ) -> None:
        self._db = db
        self._turn: Callable[[], AbstractContextManager[None]] = (
            write_turn.urgent if write_turn is not None else contextlib.nullcontext
        )
        self._timeout_s = timeout_s
        self._on_commit = on_commit
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        self._lock = threading.Condition()
        self._stopping = False
        self._last_store = 0.0
        self._thread = threading.Thread(target=self._run, name="inbox-writer", daemon=True)
        self._thread.start()
        self.commits = 0  # transactions committed (the benchmark reports events per commit)

    @property
    def on_commit(self) -> Callable[[], None]:
        """Called after each commit (the worker's wake-up)."""
        return self._on_commit

    @on_commit.setter
    def on_commit(self, callback: Callable[[], None]) -> None:
        self._on_commit = callback

    def idle_s(self) -> float:
        """Seconds since a listener last handed over an event."""
        return time.monotonic() - self._last_store

    def store(self, event: IncomingEvent) -> None:
        """Return once `event` is committed; InboxUnavailable if it is not within the timeout."""
        pending = self._enqueue(_Pending(event))
        if not pending.done.wait(self._timeout_s):
            self._abandon(pending)
        self._outcome(pending)

    async def store_async(self, event: IncomingEvent) -> None:
        """`store` for the event loop: waits for the commit without holding a thread."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        pending = self._enqueue(_Pending(event, loop=loop, future=future))
        try:
            await asyncio.wait_for(future, self._timeout_s)
        except TimeoutError:
            self._abandon(pending)
        self._outcome(pending)

    def _enqueue(self, pending: _Pending) -> _Pending:
        self._last_store = time.monotonic()
        with self._lock:
            if self._stopping:
                raise InboxUnavailable("shutting down")
            self._queue.append(pending)
            self._lock.notify()
        return pending

    def _abandon(self, pending: _Pending) -> None:
        """Timed out: take the event back unless its commit has already begun."""
        with self._lock:
            pending.abandoned = True
            if pending in self._queue:
                self._queue.remove(pending)
        if not pending.done.is_set():
            raise InboxUnavailable(f"not stored within {self._timeout_s:g} s")

    @staticmethod
    def _outcome(pending: _Pending) -> None:
        if pending.error is not None:
            raise InboxUnavailable(describe_error(pending.error)) from pending.error

    def stop(self, timeout: float = 5.0) -> None:
        """Store what is queued (within `timeout`), then stop; later events are refused."""
        with self._lock:
            self._stopping = True
            self._lock.notify()
        self._thread.join(timeout)

    def _take(self) -> list[_Pending] | None:
        with self._lock:
            while not self._queue:
                if self._stopping:
                    return None
                self._lock.wait()
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            return [p for p in batch if not p.abandoned]

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            if not batch:
                continue
            try:
                with self._turn(), self._db() as session:
                    store_events(session=session, events=[p.event for p in batch], now=utcnow())
            except Exception as exc:  # the database is down: each listener answers an error
                logger.warning("could not store %d event(s): %s", len(batch), describe_error(exc))
                for pending in batch:
                    pending.error = exc
            else:
                self.commits += 1
                self._on_commit()
            _finish_all(batch)


class InboxWorker:
    """Threads that apply stored events: woken at once by this process's writer, and
    polling every `poll_s` for rows from other instances or left by a dead process."""

    def __init__(
        self,
        *,
        db: SessionScope,
        homes: HomeRefresh,
        lease_s: float,
        max_attempts: int,
        poll_s: float,
        threads: int = WORKER_THREADS,
        batch: int = LEASE_BATCH,
        acks_idle_s: Callable[[], float] | None = None,
        write_turn: WriteTurn | None = None,
    ) -> None:
        self._db = db
        self._turn: Callable[[], AbstractContextManager[None]] = (
            write_turn.patient if write_turn is not None else contextlib.nullcontext
        )
        self._homes = homes
        self._lease = timedelta(seconds=lease_s)
        self._max_attempts = max_attempts
        self._poll_s = poll_s
        self._batch = batch
        self._acks_idle_s = acks_idle_s
        self._count = threads
        self._threads: list[threading.Thread] = []
        self._signal = threading.Condition()
        self._generation = 0
        self._stopping = False

    def start(self) -> None:
        """Start the threads; they first take up rows a previous process left."""
        if self._threads:
            return
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._run, name=f"inbox-{i}", daemon=True)
            for i in range(self._count)
        ]
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """New rows were committed here: look now rather than at the next poll."""
        with self._signal:
            self._generation += 1
            self._signal.notify_all()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the row in hand, give leased rows back, and stop (rows stay stored)."""
        with self._signal:
            self._stopping = True
            self._signal.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []

    def run_once(self, *, defer_until: float | None = None) -> int:
        """Lease one batch and apply it; returns how many rows were leased.

        `defer_until` (a time.monotonic() value): until then, each row first waits for a
        pause in incoming events.
        """
        with self._turn(), self._db() as session:
            leased, parked = lease_events(
                session=session,
                now=utcnow(),
                lease=self._lease,
                limit=self._batch,
                max_attempts=self._max_attempts,
            )
        for row in parked:
            logger.error(
                "inbox event %s parked after %d attempt(s): %s",
                row.event_id,
                row.attempts,
                row.error,
                extra={"event_id": row.event_id, "team_id": row.team_id},
            )
        for n, event in enumerate(leased):
            if n and defer_until is not None:
                self._defer_to_acks(defer_until)
            if self._stopping:
                self._release(leased[n:])
                break
            self.apply(event)
        return len(leased)

    def apply(self, event: LeasedEvent) -> None:
        """Apply one leased row (a failure is recorded on the row, never raised)."""
        try:
            with self._turn(), self._db() as session:
                result = apply_event(session=session, event=event)
        except Exception as exc:  # one bad row never stops the others
            self._failed(event, exc)
            return
        if result is None:
            return
        logger.debug("inbox event %s: %s", event.event_id, result.outcome)
        if result.outcome in (Outcome.RECORDED, Outcome.REMOVED) and result.owner_id:
            self._homes.refresh(event.team_id, result.owner_id)

    def _failed(self, event: LeasedEvent, exc: Exception) -> None:
        error = describe_error(exc)
        try:
            with self._turn(), self._db() as session:
                parked = fail_event(
                    session=session,
                    event=event,
                    error=error,
                    now=utcnow(),
                    max_attempts=self._max_attempts,
                )
        except Exception:  # the database is down: the lease runs out and it is tried again
            logger.warning("could not record the failure of inbox event %s", event.event_id)
            return
        if parked:
            logger.error(
                "inbox event %s parked after %d attempt(s): %s",
                event.event_id,
                event.attempts,
                error,
                extra={"event_id": event.event_id, "team_id": event.team_id},
            )
        else:
            logger.warning(
                "inbox event %s failed (attempt %d), retried later: %s",
                event.event_id,
                event.attempts,
                error,
                exc_info=exc,
            )

    def _defer_to_acks(self, deadline: float) -> None:
        """Wait (until `deadline` at most) for a pause in incoming events.

        The listeners and these threads share one interpreter: applying votes in the
        middle of a burst slowed every acknowledgement (bench/events.py).
        """
        if self._acks_idle_s is None:
            return
        while not self._stopping and time.monotonic() < deadline:
            idle = self._acks_idle_s()
            if idle >= QUIET_S:
                return
            time.sleep(QUIET_S - idle)

    def _release(self, events: list[LeasedEvent]) -> None:
        try:
            with self._turn(), self._db() as session:
                release_events(session=session, events=events)
        except Exception:  # their leases run out instead
            logger.warning("could not give back %d leased inbox event(s)", len(events))

    def _run(self) -> None:
        idle_s = self._poll_s
        while not self._stopping:
            with self._signal:
                seen = self._generation
            # A batch waits MAX_DEFER_S at most in all, so a flood never starves it.
            defer_until = time.monotonic() + MAX_DEFER_S
            self._defer_to_acks(defer_until)
            try:
                leased = self.run_once(defer_until=defer_until)
            except Exception as exc:  # the database is down: wait, then look again
                logger.warning("could not lease inbox events: %s", describe_error(exc))
                leased = 0
            if leased:
                continue
            with self._signal:
                if self._generation == seen and not self._stopping:
                    self._signal.wait(idle_s)
