"""A person's reactions remembered as a small state end exactly as replaying every event."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.votes import (
    MAX_REMEMBERED_REMOVALS,
    LoggedReaction,
    ReactionMemory,
    ReactionState,
    Verdict,
    fold_reactions,
    remember_reaction,
    remembered_state,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def remember_all(events: list[LoggedReaction]) -> ReactionMemory:
    memory = ReactionMemory()
    for event in events:
        memory = remember_reaction(memory, event)
    return memory


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


@settings(max_examples=600, derandomize=True)
@given(
    steps=st.lists(
        # Few distinct times: equal event times (ties broken by arrival) come up often.
        st.tuples(st.sampled_from(list(Verdict)), st.booleans(), st.integers(0, 6)),
        max_size=14,
    ),
    arrival=st.randoms(use_true_random=False),
)
def test_remembering_in_any_arrival_order_equals_replaying_every_event(
    steps: list[tuple[Verdict, bool, int]], arrival: random.Random
) -> None:
    events = [LoggedReaction(verdict=v, added=a, at=at(s)) for v, a, s in steps]
    arrival.shuffle(events)
    # fold_reactions breaks equal times by storage order: the arrival order here.
    stored = [LoggedReaction(e.verdict, e.added, e.at, seq=n) for n, e in enumerate(events)]
    assert remembered_state(remember_all(events)) == fold_reactions(stored)


def test_a_million_toggles_leave_a_memory_of_constant_size() -> None:
    memory = ReactionMemory()
    for n in range(0, 20_000, 2):
        memory = remember_reaction(memory, LoggedReaction(Verdict.USEFUL, True, at(n)))
        memory = remember_reaction(memory, LoggedReaction(Verdict.USEFUL, False, at(n + 1)))
    assert memory.removals == ((Verdict.USEFUL, at(19_999)),)
    assert remembered_state(memory) == ReactionState(vote=None, vote_at=at(19_999), used_at=None)


def test_removals_without_their_puts_are_bounded_and_the_earliest_decide() -> None:
    memory = ReactionMemory()
    for n in range(100, 0, -1):  # forged or lost puts: removals only, latest first
        memory = remember_reaction(memory, LoggedReaction(Verdict.USEFUL, False, at(n)))
    assert len(memory.removals) == MAX_REMEMBERED_REMOVALS
    assert memory.removals[0] == (Verdict.USEFUL, at(1))
    memory = remember_reaction(memory, LoggedReaction(Verdict.USEFUL, True, at(0)))
    assert remembered_state(memory).vote is None
    assert remembered_state(memory).vote_at == at(1)


def test_a_late_put_between_two_removals_is_taken_back_by_the_next_one() -> None:
    events = [
        LoggedReaction(Verdict.NEEDS_WORK, False, at(5)),
        LoggedReaction(Verdict.NEEDS_WORK, False, at(9)),
        LoggedReaction(Verdict.USEFUL, True, at(1)),
        LoggedReaction(Verdict.NEEDS_WORK, True, at(7)),  # arrives last, made between them
    ]
    assert remembered_state(remember_all(events)) == ReactionState(
        vote=None, vote_at=at(9), used_at=None
    )
