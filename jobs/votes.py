"""Recording reaction votes on threads of their own, so a burst never starves commands."""

from __future__ import annotations

import logging
import queue
import threading
import time

from core.db import SessionScope
from domain.votes import ReactionChange
from services.home import HomeRefresh
from services.votes import Outcome, apply_reaction

logger = logging.getLogger(__name__)

THREADS = 4

_Item = tuple[str, str | None, ReactionChange]


class VoteRecorder:
    """A few threads that store votes from acknowledged reaction events.

    Bolt's listener threads also answer slash commands within Slack's 3 s; a burst of
    reactions queued there made commands time out (bench/events.py). Here the listener
    only queues the event. Fewer threads also means fewer database connections and less
    lock contention, for the same throughput (one vote is ~1 ms of CPU).

    Each thread has its own queue, and one person's reactions on one message always go to
    the same thread, in arrival order. Order does not decide the outcome (services.votes
    applies reactions by event time and remembers removals, across instances too); it
    keeps one person's burst from contending with itself for the same lock.
    """

    def __init__(self, *, db: SessionScope, homes: HomeRefresh, threads: int = THREADS) -> None:
        self._db = db
        self._homes = homes
        self._queues: list[queue.Queue[_Item | None]] = [queue.Queue() for _ in range(threads)]
        self._threads = [
            threading.Thread(target=self._run, args=(q,), name=f"votes-{i}", daemon=True)
            for i, q in enumerate(self._queues)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, team_id: str, event_id: str | None, change: ReactionChange) -> None:
        """Queue one reaction for recording."""
        shard = hash((team_id, change.user_id, change.channel_id, change.ts)) % len(self._queues)
        self._queues[shard].put((team_id, event_id, change))

    def pending(self) -> int:
        """Reactions queued and not yet recorded."""
        return sum(q.qsize() for q in self._queues)

    def stop(self, timeout: float = 5.0) -> None:
        """Record what is queued (within `timeout`), then stop the threads."""
        for q in self._queues:
            q.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        left = self.pending()
        if left:
            logger.warning("stopped with %d reaction(s) not recorded", left)

    def _run(self, items: queue.Queue[_Item | None]) -> None:
        while (item := items.get()) is not None:
            team_id, event_id, change = item
            try:
                self.record(team_id, event_id, change)
            except Exception:  # one bad event never stops the others
                logger.exception("could not record reaction %s", event_id)

    def record(self, team_id: str, event_id: str | None, change: ReactionChange) -> None:
        """Store one reaction's vote or use now, and refresh its marketer's home."""
        with self._db() as session:
            result = apply_reaction(
                session=session, team_id=team_id, event_id=event_id, change=change
            )
        logger.debug("reaction %s: %s", event_id, result.outcome)
        if result.outcome in (Outcome.RECORDED, Outcome.REMOVED) and result.owner_id:
            self._homes.refresh(team_id, result.owner_id)
