"""Recording reactions: they count in the order people made them, not the order they come."""

from __future__ import annotations

import itertools
import random
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import session_scope_for
from domain.inbox import IncomingEvent, encode_reaction
from domain.votes import ReactionChange, Verdict
from models import Asset, Source, Usage, Vote, VoteValue
from sandbox.constants import TEAM_ID
from services.votes import apply_reaction, set_vote
from tests.support.inbox import CHANNEL, REP, T0, TS, Homes
from tests.support.waiting import wait_until
from workers.inbox import InboxWorker, InboxWriter


def change(verdict: Verdict, at: datetime, *, added: bool) -> ReactionChange:
    return ReactionChange(
        added=added, verdict=verdict, user_id=REP, channel_id=CHANNEL, ts=TS, at=at
    )


def vote_values(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [str(v.value) for v in session.exec(select(Vote)).all()]


def use_count(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Usage)).all())


class Recorder:
    """Applies reaction events one at a time, as the inbox worker does."""

    def __init__(self, engine: Engine) -> None:
        self._db = session_scope_for(engine)

    def record(self, team_id: str, event_id: str | None, reaction: ReactionChange) -> None:
        with self._db() as session:
            apply_reaction(session=session, team_id=team_id, event_id=event_id, change=reaction)


@pytest.fixture
def recorder(engine: Engine) -> Recorder:
    return Recorder(engine)


@pytest.mark.parametrize("verdict", [Verdict.USEFUL, Verdict.USED])
def test_a_removal_that_arrives_before_its_reaction_still_takes_it_back(
    engine: Engine, asset_id: int, recorder: Recorder, verdict: Verdict
) -> None:
    recorder.record(TEAM_ID, "Ev0REMOVED", change(verdict, T0 + timedelta(seconds=5), added=False))
    recorder.record(TEAM_ID, "Ev0ADDED", change(verdict, T0, added=True))
    assert vote_values(engine) == [] and use_count(engine) == 0


def test_a_reaction_stored_by_another_path_after_its_removal_is_not_revived(
    engine: Engine, asset_id: int, recorder: Recorder
) -> None:
    # The removal is recorded first; Slack's late retry of the 👍 (a new delivery of the
    # same event, or the event at another instance) comes after and must not count.
    recorder.record(TEAM_ID, "Ev0REMOVED", change(Verdict.USEFUL, T0 + timedelta(1), added=False))
    recorder.record(TEAM_ID, "Ev0ADDED", change(Verdict.USEFUL, T0, added=True))
    recorder.record(TEAM_ID, "Ev0ADDED", change(Verdict.USEFUL, T0, added=True))
    assert vote_values(engine) == []
    # A 👎 made after that removal is a vote of its own.
    recorder.record(TEAM_ID, "Ev0DOWN", change(Verdict.NEEDS_WORK, T0 + timedelta(2), added=True))
    assert vote_values(engine) == ["needs_work"]


def test_reactions_put_back_after_a_removal_count_in_any_order(
    engine: Engine, asset_id: int, recorder: Recorder
) -> None:
    events = [
        ("Ev0ADDED", change(Verdict.USEFUL, T0, added=True)),
        ("Ev0REMOVED", change(Verdict.USEFUL, T0 + timedelta(1), added=False)),
        ("Ev0AGAIN", change(Verdict.USEFUL, T0 + timedelta(2), added=True)),
        ("Ev0USED", change(Verdict.USED, T0, added=True)),
        ("Ev0UNUSED", change(Verdict.USED, T0 + timedelta(1), added=False)),
        ("Ev0REUSED", change(Verdict.USED, T0 + timedelta(2), added=True)),
    ]
    for event_id, reaction in reversed(events):
        recorder.record(TEAM_ID, event_id, reaction)
    assert vote_values(engine) == ["useful"] and use_count(engine) == 1


def test_a_command_vote_is_not_blocked_by_an_older_reaction_removal(
    engine: Engine, asset_id: int, recorder: Recorder
) -> None:
    recorder.record(TEAM_ID, "Ev0REMOVED", change(Verdict.USEFUL, T0 + timedelta(1), added=False))
    with Session(engine) as session:
        workspace_id = session.exec(select(Asset.workspace_id)).one()
        set_vote(
            session=session,
            workspace_id=workspace_id,
            asset_id=asset_id,
            user_id=REP,
            value=VoteValue.USEFUL,
            source=Source.COMMAND,
            at=T0 + timedelta(2),
        )
        session.commit()
    assert vote_values(engine) == ["useful"]


def test_two_instances_racing_on_one_persons_reactions_end_as_the_last_reaction_says(
    engine: Engine, asset_id: int
) -> None:
    """Two instances' inboxes get each add and its removal at the same moment, 40 rounds."""
    instances = []
    for _ in range(2):
        worker = InboxWorker(
            db=session_scope_for(engine), homes=Homes(), lease_s=30, max_attempts=5, poll_s=0.2
        )
        writer = InboxWriter(db=session_scope_for(engine), timeout_s=2.0, on_commit=worker.wake)
        worker.start()
        instances.append((writer, worker))
    first, second = (writer for writer, _ in instances)
    try:
        for n in range(40):
            at = T0 + timedelta(minutes=n)
            added = change(Verdict.USEFUL, at, added=True)
            removed = change(Verdict.USEFUL, at + timedelta(seconds=1), added=False)
            # Odd rounds: the removal reaches an instance first.
            pair = [(first, f"Ev{n}A", added), (second, f"Ev{n}R", removed)]
            for writer, event_id, reaction in pair if n % 2 else reversed(pair):
                kind = "reaction_added" if reaction.added else "reaction_removed"
                writer.store(IncomingEvent(TEAM_ID, event_id, kind, encode_reaction(reaction)))
        wait_until(lambda: inbox_rows(engine) == 0, timeout=10.0, what="the inbox to drain")
    finally:
        for writer, worker in instances:
            writer.stop()
            worker.stop()
    assert vote_values(engine) == []


def inbox_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM inbox_event")).scalar_one())


def test_an_add_and_its_removal_applied_at_the_same_instant_never_leave_a_vote(
    engine: Engine, asset_id: int
) -> None:
    """Two sessions (as two instances) start each pair together; 150 rounds."""
    db = session_scope_for(engine)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def apply(event_id: str, reaction: ReactionChange) -> None:
        try:
            barrier.wait(10)
            with db() as session:
                apply_reaction(session=session, team_id=TEAM_ID, event_id=event_id, change=reaction)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    for n in range(150):
        at = T0 + timedelta(minutes=n)
        threads = [
            threading.Thread(
                target=apply, args=(f"Ev{n}A", change(Verdict.USEFUL, at, added=True))
            ),
            threading.Thread(
                target=apply,
                args=(f"Ev{n}R", change(Verdict.USEFUL, at + timedelta(seconds=1), added=False)),
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert vote_values(engine) == [], f"round {n}"
    assert errors == []


def _in_order(events: list[ReactionChange]) -> tuple[str | None, bool]:
    """The vote and 🎯 after these reactions, applied in the order they were made."""
    vote: str | None = None
    used = False
    for event in sorted(events, key=lambda e: e.at):
        if event.verdict is Verdict.USED:
            used = event.added
        elif event.added:
            vote = event.verdict.value
        elif vote == event.verdict.value:
            vote = None
    return vote, used


_people = itertools.count()


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(list(Verdict)), st.booleans()), min_size=1, max_size=8
    ),
    arrival=st.randoms(use_true_random=False),
)
def test_any_arrival_order_ends_as_the_order_people_reacted_in(
    engine: Engine, asset_id: int, steps: list[tuple[Verdict, bool]], arrival: random.Random
) -> None:
    """Whatever order deliveries arrive in (retries, two instances), the stored vote and
    🎯 are those of replaying the reactions in the order they were made."""
    user = f"U0P{next(_people):06d}"
    events = [
        ReactionChange(
            added=added,
            verdict=verdict,
            user_id=user,
            channel_id=CHANNEL,
            ts=TS,
            at=T0 + timedelta(seconds=n),
        )
        for n, (verdict, added) in enumerate(steps)
    ]
    shuffled = list(enumerate(events))
    arrival.shuffle(shuffled)
    db = session_scope_for(engine)
    for n, event in shuffled:
        with db() as session:
            apply_reaction(session=session, team_id=TEAM_ID, event_id=f"Ev{user}{n}", change=event)
    with Session(engine) as session:
        vote = session.exec(select(Vote.value).where(Vote.user_id == user)).first()
        uses = session.exec(select(Usage).where(Usage.user_id == user)).all()
    expected_vote, expected_used = _in_order(events)
    assert (vote, len(uses)) == (expected_vote, int(expected_used))
