"""Per-person fairness: the queue's turns, the listener pool and the HTTP gate."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from core.fairness import PERSON, FairExecutor, FairQueue, PersonGate, mark_person, person_of
from core.logs import REQUEST_ID


def test_the_queue_serves_people_in_turn_and_caps_each_one() -> None:
    queue: FairQueue[str] = FairQueue(per_key=2)
    for n in range(5):
        queue.put("flood", f"a{n}")
    queue.put("other", "b0")
    queue.put("other", "b1")
    taken = [queue.take() for _ in range(4)]
    assert taken == [("flood", "a0"), ("other", "b0"), ("flood", "a1"), ("other", "b1")]
    # Both at their cap: nothing more runs until one finishes.
    assert queue.take() is None
    queue.done("flood")
    assert queue.take() == ("flood", "a2")
    assert len(queue) == 2


def test_a_newcomer_goes_before_the_flood_waiting_ahead_of_it() -> None:
    queue: FairQueue[str] = FairQueue(per_key=1)
    for n in range(100):
        queue.put("flood", f"a{n}")
    assert queue.take() == ("flood", "a0")
    queue.put("other", "b0")
    queue.done("flood")
    assert queue.take() == ("other", "b0")
    assert queue.take() == ("flood", "a1")


def test_drain_returns_what_waits_and_forgets_idle_people() -> None:
    queue: FairQueue[int] = FairQueue(per_key=1)
    queue.put("x", 1)
    queue.put("x", 2)
    queue.put("y", 3)
    assert queue.take() == ("x", 1)
    assert sorted(queue.drain()) == [2, 3]
    assert queue.take() is None
    queue.done("x")
    assert len(queue) == 0


def test_a_cap_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        FairQueue(per_key=0)


@pytest.mark.parametrize(
    ("body", "person"),
    [
        ({"command": "/feedback", "team_id": "T1", "user_id": "U1"}, "T1:U1"),
        ({"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U2"}}, "T1:U2"),
        ({"type": "event_callback", "team_id": "T1", "event": {"user": "U3"}}, "T1:U3"),
        ({"type": "event_callback", "team_id": "T1", "event": {"user": {"id": "U4"}}}, "T1:U4"),
        ({"type": "event_callback", "team_id": "T1", "event": {"type": "app_uninstalled"}}, None),
        ({"type": "url_verification", "challenge": "x"}, None),
    ],
)
def test_the_person_of_each_kind_of_request(body: dict[str, object], person: str | None) -> None:
    assert person_of(body) == person


def _run_as(person: str | None, pool: FairExecutor, fn: object) -> object:
    token = PERSON.set(person)
    try:
        return pool.submit(fn)  # type: ignore[arg-type]
    finally:
        PERSON.reset(token)


def test_one_persons_flood_never_holds_every_thread() -> None:
    pool = FairExecutor(4, per_person=2, thread_name_prefix="fair-test")
    release = threading.Event()
    running: dict[str, int] = {"flood": 0}
    lock = threading.Lock()

    def flood() -> None:
        with lock:
            running["flood"] += 1
        release.wait(10)

    floods = [_run_as("T:flood", pool, flood) for _ in range(50)]
    started = time.monotonic()
    other = _run_as("T:other", pool, lambda: "answered")
    assert other.result(timeout=5) == "answered"  # type: ignore[attr-defined]
    assert time.monotonic() - started < 1
    deadline = time.monotonic() + 5
    while running["flood"] < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # had the cap let a third in, it would have started by now
    assert running["flood"] == 2  # the flood's cap, though threads were free
    release.set()
    for future in floods:
        future.result(timeout=10)  # type: ignore[attr-defined]
    pool.shutdown(wait=True)
    assert pool.idle()


def test_tasks_run_in_their_submitters_context_and_errors_reach_the_future() -> None:
    pool = FairExecutor(2, per_person=1, thread_name_prefix="fair-test")
    token = REQUEST_ID.set("req-1")
    try:
        seen = pool.submit(REQUEST_ID.get).result(timeout=5)
        failing = pool.submit(lambda: 1 / 0)
    finally:
        REQUEST_ID.reset(token)
    assert seen == "req-1"
    with pytest.raises(ZeroDivisionError):
        failing.result(timeout=5)
    pool.shutdown(wait=True)


def test_work_of_nobody_in_particular_is_never_capped() -> None:
    pool = FairExecutor(3, per_person=1, thread_name_prefix="fair-test")
    barrier = threading.Barrier(3, timeout=5)
    futures = [pool.submit(barrier.wait) for _ in range(3)]  # all three at once
    assert sorted(f.result(timeout=5) for f in futures) == [0, 1, 2]
    pool.shutdown(wait=True)


def test_shutdown_cancels_what_waits_and_refuses_new_work() -> None:
    pool = FairExecutor(1, per_person=1, thread_name_prefix="fair-test")
    started, release = threading.Event(), threading.Event()

    def hold() -> bool:
        started.set()
        return release.wait(10)

    first = pool.submit(hold)
    assert started.wait(5)
    waiting = pool.submit(lambda: "never")
    pool.shutdown(wait=False, cancel_futures=True)
    assert waiting.cancelled()
    with pytest.raises(RuntimeError):
        pool.submit(lambda: None)
    release.set()
    assert first.result(timeout=5) is True


def test_the_gate_lets_others_past_one_persons_queue() -> None:
    async def scenario() -> list[str]:
        gate = PersonGate(per_person=1)
        order: list[str] = []
        hold = asyncio.Event()

        async def request(person: str | None, name: str) -> None:
            async with gate.admit(person):
                order.append(name)
                if person == "T:flood":
                    await hold.wait()

        floods = [asyncio.create_task(request("T:flood", f"a{n}")) for n in range(5)]
        await asyncio.sleep(0)
        await asyncio.wait_for(request("T:other", "b"), 1)
        await asyncio.wait_for(request(None, "system"), 1)
        hold.set()
        await asyncio.gather(*floods)
        assert not gate._held  # every person forgotten once idle
        return order

    order = asyncio.run(scenario())
    assert order[:3] == ["a0", "b", "system"]
    assert order[3:] == ["a1", "a2", "a3", "a4"]


def test_the_bolt_middleware_marks_each_request_with_its_person() -> None:
    def run() -> None:
        seen = mark_person({"team_id": "T1", "user_id": "U1"}, lambda: PERSON.get())
        assert seen == "T1:U1"
        # The next request in the same (reused) thread carries its own person, or none.
        assert mark_person({"type": "url_verification"}, lambda: PERSON.get()) is None

    contextvars.copy_context().run(run)


def test_a_burst_of_different_people_runs_side_by_side() -> None:
    pool = FairExecutor(4, per_person=1, thread_name_prefix="fair-test")
    pool.submit(lambda: None).result(timeout=5)  # one thread exists, now idle
    barrier = threading.Barrier(4, timeout=5)
    futures = [_run_as(f"T:U{n}", pool, barrier.wait) for n in range(4)]
    # All four wait for each other: they can only finish if they run at once.
    assert sorted(f.result(timeout=5) for f in futures) == [0, 1, 2, 3]  # type: ignore[attr-defined]
    pool.shutdown(wait=True)
