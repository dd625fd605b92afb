"""Per-person fairness: one person's flood of requests never delays another person's.

Two places hold a request's work, and each is shared by everyone:

* the HTTP server's threads that run Bolt's dispatch (until the listener acknowledges),
  guarded by `PersonGate` on the event loop: each person has at most `per_person`
  requests in dispatch, the rest of theirs wait (in order) without holding a thread;
* Bolt's listener pool, replaced by `FairExecutor`: each person runs at most
  `per_person` listeners at once; the rest of theirs wait in their own queue, and free
  threads serve the people who wait in turn (round robin), never first come first served.

The person is the one the current request is from (`PERSON`, set by the HTTP server and
by `mark_person`, a Bolt middleware, in both modes); work without a person (jobs, app
events) is never held back.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Hashable
from concurrent.futures import Executor, Future
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
Item = TypeVar("Item")

PERSON: contextvars.ContextVar[str | None] = contextvars.ContextVar("liaison_person", default=None)


def person_of(body: dict[str, Any]) -> str | None:
    """`team:user` for a Slack request body made by a person (command, action, event)."""
    user: Any = body.get("user_id")  # slash commands
    if user is None:
        user = body.get("user")  # interactivity payloads: {"id": ...}
    if user is None and isinstance(body.get("event"), dict):
        user = body["event"].get("user")  # events: an id, or an object (user_change)
    if isinstance(user, dict):
        user = user.get("id")
    if not isinstance(user, str) or not user:
        return None
    team: Any = body.get("team_id") or body.get("team")
    if isinstance(team, dict):
        team = team.get("id")
    return f"{team if isinstance(team, str) else ''}:{user}"


def mark_person(body: dict[str, Any], next: Callable[[], Any]) -> Any:
    """Bolt middleware: the person of this request, for the listener pool (Socket Mode too).

    Set on every request, so a dispatch thread that Socket Mode reuses never keeps the
    previous request's person.
    """
    PERSON.set(person_of(body))
    return next()


@dataclass
class _Waiting(Generic[Item]):
    running: int = 0
    # When this key was last served (0: never); the longest unserved goes first.
    served: int = 0
    queue: deque[Item] = field(default_factory=deque)


class FairQueue(Generic[Item]):
    """Items queued per key; `take` serves keys in turn, at most `per_key` running per key.

    Not thread-safe: its owner holds a lock around every call.
    """

    def __init__(self, per_key: int) -> None:
        if per_key < 1:
            raise ValueError("per_key must be at least 1")
        self.per_key = per_key
        # Keys with work or with something running, in the order they came.
        self._keys: dict[Hashable, _Waiting[Item]] = {}
        self._turns = 0

    def put(self, key: Hashable, item: Item) -> None:
        """Queue an item behind the key's earlier ones."""
        self._keys.setdefault(key, _Waiting()).queue.append(item)

    def take(self) -> tuple[Hashable, Item] | None:
        """The next item to run, of the key served longest ago (newcomers first), or None."""
        ready = [
            (waiting.served, n, key)
            for n, (key, waiting) in enumerate(self._keys.items())
            if waiting.queue and waiting.running < self.per_key
        ]
        if not ready:
            return None
        _, _, key = min(ready, key=lambda entry: entry[:2])
        waiting = self._keys[key]
        self._turns += 1
        waiting.running, waiting.served = waiting.running + 1, self._turns
        return key, waiting.queue.popleft()

    def done(self, key: Hashable) -> None:
        """An item of this key finished running."""
        waiting = self._keys[key]
        waiting.running -= 1
        if not waiting.running and not waiting.queue:
            del self._keys[key]

    def drain(self) -> list[Item]:
        """Remove and return every queued item (running ones are not affected)."""
        items = [item for waiting in self._keys.values() for item in waiting.queue]
        for key in list(self._keys):
            self._keys[key].queue.clear()
            if not self._keys[key].running:
                del self._keys[key]
        return items

    def __len__(self) -> int:
        return sum(len(waiting.queue) for waiting in self._keys.values())


_Task = tuple[Future[Any], Callable[[], Any]]


class FairExecutor(Executor):
    """A thread pool run fairly per person; each task runs in a copy of its submitter's context.

    With the submitter's context, listeners' log records carry the request id that
    started them. The person is read from `PERSON` in that context.
    """

    def __init__(self, max_workers: int, *, per_person: int, thread_name_prefix: str) -> None:
        self._max_workers = max_workers
        self._prefix = thread_name_prefix
        self._queue: FairQueue[_Task] = FairQueue(min(per_person, max_workers))
        self._lock = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._idle = 0  # threads waiting for work
        self._running = 0
        self._shutdown = False

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Queue `fn` for the current person; it runs in a copy of the current context."""
        context = contextvars.copy_context()
        # Work of nobody in particular gets a key of its own: never held back.
        person = context.get(PERSON)
        key: Hashable = person if person is not None else object()
        future: Future[T] = Future()
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new work after shutdown")
            self._queue.put(key, (future, lambda: context.run(fn, *args, **kwargs)))
            self._lock.notify()
            # A woken thread stays counted as idle until it runs: a burst arriving at once
            # gets threads of its own instead of queueing behind the one thread woken.
            if len(self._queue) > self._idle and len(self._threads) < self._max_workers:
                thread = threading.Thread(
                    target=self._work,
                    name=f"{self._prefix}_{len(self._threads)}",
                    daemon=True,
                )
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            with self._lock:
                while (taken := self._queue.take()) is None:
                    if self._shutdown:
                        return
                    self._idle += 1
                    self._lock.wait()
                    self._idle -= 1
                self._running += 1
            key, (future, run) = taken
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        result = run()
                    except BaseException as exc:
                        future.set_exception(exc)
                    else:
                        future.set_result(result)
            finally:
                with self._lock:
                    self._queue.done(key)
                    self._running -= 1
                    # A slot of this person freed: a waiting thread may now take their work.
                    self._lock.notify()

    def idle(self) -> bool:
        """True when nothing is queued or running."""
        with self._lock:
            return not len(self._queue) and not self._running

    def backlog(self) -> int:
        """Tasks queued and not yet started."""
        with self._lock:
            return len(self._queue)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking work; queued work still runs unless `cancel_futures`."""
        with self._lock:
            self._shutdown = True
            if cancel_futures:
                for future, _run in self._queue.drain():
                    future.cancel()
            self._lock.notify_all()
            threads = list(self._threads)
        if wait:
            for thread in threads:
                thread.join()


class PersonGate:
    """At most `per_person` requests of one person at a time past the gate; FIFO per person.

    Used from one event loop only.
    """

    def __init__(self, per_person: int) -> None:
        self.per_person = per_person
        self._held: dict[str, tuple[int, asyncio.Semaphore]] = {}

    @asynccontextmanager
    async def admit(self, person: str | None) -> AsyncIterator[None]:
        """Wait for one of this person's slots (no wait for requests of nobody in particular)."""
        if person is None:
            yield
            return
        users, semaphore = self._held.get(person, (0, asyncio.Semaphore(self.per_person)))
        self._held[person] = (users + 1, semaphore)
        try:
            async with semaphore:
                yield
        finally:
            users, _ = self._held[person]
            if users == 1:
                del self._held[person]
            else:
                self._held[person] = (users - 1, semaphore)
