"""Two `bot.py serve` instances on one PostgreSQL database (issue 7, "Several instances").

A burst of reaction events split across both, with duplicate deliveries, stores each vote
exactly once; a launch fan-out with both delivery workers claiming posts each message
exactly once, even when one instance is killed half way.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import make_engine
from models import (
    AnnouncementPost,
    AssetMessage,
    OutboxMessage,
    OutboxStatus,
    ProcessedEvent,
    Source,
    Usage,
    Vote,
)
from sandbox import SlackDriver, SlackSandbox, event_callback, reaction_added, reaction_removed
from tests.support.databases import truncate_postgres
from tests.support.launching import MARKETER, Posted, launch, state, submit
from tests.support.outbox import open_rows, outbox, posted_ids
from tests.support.processes import bot_serve
from tests.support.serving import SIGNING_SECRET
from tests.support.waiting import wait_until
from workers.delivery import SWEEP_EVERY_S

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EVENTS = 1000
DUPLICATES = EVENTS // 10
VOTERS = 80
ASSETS = 6
SENDERS = 16  # concurrent HTTP clients, as Slack's delivery fleet would be
USEFUL, NEEDS_WORK, USED = "useful", "needs_work", "used"
# Names Slack may send for each verdict (a removal names the emoji that was added).
NAMES = {
    USEFUL: ("+1", "thumbsup", "+1::skin-tone-3"),
    NEEDS_WORK: ("-1", "thumbsdown"),
    USED: ("dart",),
}

FAN_CHANNELS = [f"C0FAN{i:02d}" for i in range(10)]
FAN_ASSETS = 4
FAN_MESSAGES = len(FAN_CHANNELS) * (1 + FAN_ASSETS)  # an announcement and its asset replies


@dataclass
class Instance:
    """One running `bot.py serve` and a signed-request driver pointed at it."""

    process: subprocess.Popen[str]
    slack: SlackDriver
    log: list[str] = field(default_factory=list)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    """A migrated, emptied PostgreSQL database (skips without TEST_DATABASE_URL)."""
    url: str = request.getfixturevalue("postgres_migrated")
    truncate_postgres(url)
    return url


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@contextmanager
def two_instances(
    sandbox: SlackSandbox, url: str, tmp_path: Path, **env: str
) -> Iterator[list[Instance]]:
    """Two `bot.py serve` processes on one database, each with its own working folder."""
    with ExitStack() as stack:
        instances: list[Instance] = []
        for name in ("one", "two"):
            (tmp_path / name).mkdir()
            log: list[str] = []
            process, base = stack.enter_context(
                bot_serve(sandbox, url, tmp_path / name, log=log, **env)
            )
            slack = stack.enter_context(
                SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox, timeout=30)
            )
            instances.append(Instance(process, slack, log))
        yield instances


# An error or a traceback in a log line, plain text or JSON.
ERROR_LINE = re.compile(r"\bERROR\b|\bCRITICAL\b|Traceback")


def errors(instances: list[Instance]) -> list[str]:
    """Logged errors and tracebacks of either instance."""
    return [line for i in instances for line in i.log if ERROR_LINE.search(line)]


# ---------------------------------------------------------------- the vote burst


@dataclass(frozen=True)
class Reaction:
    """One reaction event of the script, with the envelope Slack delivers it in."""

    body: dict[str, Any]
    user: str
    asset_id: int
    added: bool
    verdict: str


def reaction_script(posted: list[Posted], rng: random.Random) -> list[Reaction]:
    """`EVENTS` reaction events in time order, as people reacting on the asset replies would.

    Each person holds at most one 👍, one 👎 and one 🎯 per message and removes only what
    they added, as in Slack; every event's `event_ts` is later than the one before.
    """
    held: dict[tuple[str, int], dict[str, str]] = {}
    script: list[Reaction] = []
    for _ in range(EVENTS):
        user = f"U0VOTER{rng.randrange(VOTERS):03d}"
        asset = rng.choice(posted)
        mine = held.setdefault((user, asset.asset_id), {})
        if mine and (len(mine) == len(NAMES) or rng.random() < 0.35):
            verdict = rng.choice(sorted(mine))
            name, added = mine.pop(verdict), False
        else:
            verdict = rng.choice([v for v in NAMES if v not in mine])
            name, added = rng.choice(NAMES[verdict]), True
            mine[verdict] = name
        make = reaction_added if added else reaction_removed
        body = event_callback(make(user=user, reaction=name, channel=asset.channel, ts=asset.ts))
        script.append(Reaction(body, user, asset.asset_id, added, verdict))
    assert len({r.body["event_id"] for r in script}) == EVENTS
    return script


def expected_votes(script: list[Reaction]) -> dict[tuple[str, int], str]:
    """Each person's vote per asset after the script: the latest reaction wins, and taking
    back the reaction that set the vote removes it (SPEC: the launch modal and announcement).
    """
    votes: dict[tuple[str, int], str] = {}
    for reaction in sorted(script, key=lambda r: float(r.body["event"]["event_ts"])):
        key = (reaction.user, reaction.asset_id)
        if reaction.verdict == USED:
            continue
        if reaction.added:
            votes[key] = reaction.verdict
        elif votes.get(key) == reaction.verdict:
            del votes[key]
    return votes


def expected_uses(script: list[Reaction]) -> set[tuple[str, int]]:
    """Who has a 🎯 on which asset after the script (one use each, whatever the order)."""
    uses: set[tuple[str, int]] = set()
    for reaction in script:
        if reaction.verdict == USED:
            key = (reaction.user, reaction.asset_id)
            (uses.add if reaction.added else uses.discard)(key)
    return uses


@dataclass
class Delivery:
    """One HTTP delivery of an event to an instance, maybe with a twin sent at the same time."""

    order: float
    to: int
    body: dict[str, Any]
    retry_num: int | None = None
    twin: Delivery | None = None


def deliveries(script: list[Reaction], rng: random.Random) -> list[Delivery]:
    """Every event once, split across both instances, plus `DUPLICATES` repeated deliveries.

    A third of the repeats go to the other instance at the same moment as the original
    (one instance timed out, Slack tried again); the rest come a little later, as
    `X-Slack-Retry-Num` retries, mostly to the other instance.
    """
    plan = [Delivery(order=i, to=rng.randrange(2), body=r.body) for i, r in enumerate(script)]
    later: list[Delivery] = []
    for n, original in enumerate(rng.sample(plan, DUPLICATES)):
        other = 1 - original.to
        if n % 3 == 0:
            original.twin = Delivery(original.order, other, original.body, rng.choice([None, 1]))
        else:
            to = other if n % 3 == 1 else original.to
            at = original.order + rng.randint(1, 150) + 0.5
            later.append(Delivery(at, to, original.body, retry_num=rng.randint(1, 3)))
    return sorted(plan + later, key=lambda d: d.order)


def send(instances: list[Instance], plan: list[Delivery]) -> list[int]:
    """Deliver the plan from `SENDERS` concurrent clients; returns every response's status."""
    statuses: list[int] = []
    lock = threading.Lock()

    def post(delivery: Delivery) -> None:
        response = instances[delivery.to].slack.envelope(
            delivery.body, retry_num=delivery.retry_num
        )
        with lock:
            statuses.append(response.status_code)

    def deliver(delivery: Delivery) -> None:
        if delivery.twin is None:
            post(delivery)
            return
        start = threading.Barrier(2)
        twin = delivery.twin

        def other() -> None:
            start.wait()
            post(twin)

        thread = threading.Thread(target=other)
        thread.start()
        start.wait()
        post(delivery)
        thread.join()

    with ThreadPoolExecutor(SENDERS) as pool:
        for future in [pool.submit(deliver, d) for d in plan]:
            future.result()
    return statuses


@dataclass(frozen=True)
class Stored:
    """What the database holds after the burst."""

    votes: dict[tuple[str, int], str]  # by person and asset
    vote_rows: int
    uses: Counter[tuple[str, int]]  # reaction uses by person and asset
    event_ids: set[str]


def stored(engine: Engine) -> Stored:
    with Session(engine) as session:
        votes = session.exec(select(Vote)).all()
        uses = session.exec(select(Usage).where(Usage.source == Source.REACTION)).all()
        event_ids = set(session.exec(select(ProcessedEvent.event_id)).all())
    return Stored(
        votes={(v.user_id, v.asset_id): str(v.value) for v in votes},
        vote_rows=len(votes),
        uses=Counter((u.user_id, u.asset_id) for u in uses),
        event_ids=event_ids,
    )


def history(script: list[Reaction], key: tuple[str, int]) -> list[str]:
    """One person's reactions on one asset, e.g. `+useful@1700000000.000100`."""
    return [
        f"{'+' if r.added else '-'}{r.verdict}@{r.body['event']['event_ts']}"
        for r in script
        if (r.user, r.asset_id) == key
    ]


def tallies(votes: dict[tuple[str, int], str]) -> Counter[tuple[int, str]]:
    return Counter((asset_id, value) for (_, asset_id), value in votes.items())


def test_vote_burst_across_two_instances_stores_each_vote_exactly_once(
    sandbox: SlackSandbox, pg_url: str, pg_engine: Engine, tmp_path: Path
) -> None:
    rng = random.Random(7)
    collateral = "\n".join(f"Asset {i} | https://example.com/a{i}" for i in range(ASSETS))
    with two_instances(sandbox, pg_url, tmp_path) as instances:
        posted = launch(instances[0].slack, pg_engine, collateral=collateral)
        assert len(posted) == ASSETS
        script = reaction_script(posted, rng)
        plan = deliveries(script, rng)
        assert len(plan) + sum(d.twin is not None for d in plan) == EVENTS + DUPLICATES
        assert {d.to for d in plan} == {0, 1}

        started = time.monotonic()
        statuses = send(instances, plan)
        sent_s = time.monotonic() - started
        assert Counter(statuses) == {200: EVENTS + DUPLICATES}

        expected = expected_votes(script)
        uses = Counter(expected_uses(script))
        event_ids = {r.body["event_id"] for r in script}

        def done() -> bool:
            now = stored(pg_engine)
            return now.event_ids == event_ids and now.votes == expected and now.uses == uses

        # Votes are stored after the ack, by each instance's recorder threads.
        deadline = time.monotonic() + 30
        while not done() and time.monotonic() < deadline:
            time.sleep(0.2)
        recorded_s = time.monotonic() - started
        time.sleep(1.0)  # duplicates still queued find their event handled and change nothing
        assert errors(instances) == []

    final = stored(pg_engine)
    assert final.event_ids == event_ids  # no event lost, no stray id
    wrong = {
        key: (final.votes.get(key), expected.get(key), history(script, key))
        for key in set(final.votes) | set(expected)
        if final.votes.get(key) != expected.get(key)
    }
    assert wrong == {}, "stored vote, expected vote, and that person's reactions on the asset"
    assert final.vote_rows == len(expected)  # one row per person and asset, none twice
    assert tallies(final.votes) == tallies(expected)
    assert {asset_id for (_, asset_id) in expected} == {p.asset_id for p in posted}
    assert final.uses == uses  # one use per 🎯 still there, none twice
    print(f"\n{len(statuses)} deliveries sent in {sent_s:.1f}s; all recorded in {recorded_s:.1f}s")


# ---------------------------------------------------------------- the fan-out


def claimed_by(engine: Engine, pid: int) -> int:
    """Messages an instance's worker holds right now (claimed, not yet settled)."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT count(*) FROM outbox_message "
                    "WHERE status = 'sending' AND locked_by LIKE :worker"
                ),
                {"worker": f"%:{pid}:%"},
            ).scalar_one()
        )


def start_fanout(sandbox: SlackSandbox, slack: SlackDriver) -> None:
    """Launch one campaign to `FAN_CHANNELS` with `FAN_ASSETS` assets, through one instance."""
    for n, channel in enumerate(FAN_CHANNELS):
        # Half the channels are new to the bot: its first announcement there joins first.
        sandbox.add_channel(channel, name=channel.lower(), bot_is_member=n % 2 == 0)
    collateral = "\n".join(f"Asset {i} | https://example.com/f{i}" for i in range(FAN_ASSETS))
    response = submit(slack, state(name="Fan-out", channels=FAN_CHANNELS, collateral=collateral))
    assert response.status_code == 200, response.text


def _summaries(sandbox: SlackSandbox) -> list[Any]:
    """The marketer's launch summaries posted so far."""
    return [
        c for c in sandbox.calls("chat.postMessage") if c.ok and c.params.get("channel") == MARKETER
    ]


def wait_for_summary(sandbox: SlackSandbox) -> None:
    """Wait for the marketer's summary: at once, or with the next sweep.

    When the two instances settle the last two messages at the same moment, each sees the
    other's still open and leaves the summary to the delivery worker's sweep
    (services.delivery._finish_campaign), which comes within SWEEP_EVERY_S.
    """
    wait_until(lambda: len(_summaries(sandbox)) >= 1, SWEEP_EVERY_S + 15, "the summary")


def assert_posted_exactly_once(sandbox: SlackSandbox, engine: Engine) -> list[OutboxMessage]:
    """Every fan-out message is in Slack once, in order, and its outbox row is sent."""
    rows = outbox(engine)
    fan = [r for r in rows if r.kind in ("announcement", "asset_reply")]
    assert len(fan) == FAN_MESSAGES
    assert [r.status for r in rows] == [OutboxStatus.SENT] * len(rows)
    ids = posted_ids(sandbox, FAN_CHANNELS)
    assert len(ids) == FAN_MESSAGES and Counter(ids) == Counter(r.id for r in fan)
    posts = [
        c
        for c in sandbox.calls("chat.postMessage")
        if c.ok and c.params.get("channel") in FAN_CHANNELS
    ]
    assert len(posts) == FAN_MESSAGES, "a message was posted twice"
    for channel in FAN_CHANNELS:
        [parent] = sandbox.find_messages(channel, event_type="liaison_outbox")
        replies = [
            r
            for r in sandbox.find_messages(
                channel, event_type="liaison_outbox", thread_ts=parent["ts"]
            )
            if r["ts"] != parent["ts"]
        ]
        order = [next(i for i in range(FAN_ASSETS) if f"Asset {i}" in r["text"]) for r in replies]
        assert order == list(range(FAN_ASSETS)), channel
    assert len(_summaries(sandbox)) == 1
    with Session(engine) as session:
        announced = session.exec(select(AnnouncementPost)).all()
        threads = session.exec(select(AssetMessage)).all()
    assert sorted(a.channel_id for a in announced) == FAN_CHANNELS
    assert all(a.ts for a in announced)
    assert (
        len({(m.channel_id, m.ts) for m in threads})
        == len(threads)
        == FAN_MESSAGES - len(FAN_CHANNELS)
    )
    return rows


def test_fanout_with_both_delivery_workers_posts_each_message_once(
    sandbox: SlackSandbox, pg_url: str, pg_engine: Engine, tmp_path: Path
) -> None:
    with two_instances(sandbox, pg_url, tmp_path) as instances:
        started = time.monotonic()
        start_fanout(sandbox, instances[0].slack)
        wait_until(
            lambda: len(posted_ids(sandbox, FAN_CHANNELS)) >= FAN_MESSAGES, 40, "the fan-out"
        )
        wait_until(lambda: open_rows(pg_engine) == 0, 20, "every outbox row to be settled")
        wait_for_summary(sandbox)
        done_s = time.monotonic() - started
        time.sleep(1.5)  # both workers look again: nothing more is posted
        assert errors(instances) == []
    rows = assert_posted_exactly_once(sandbox, pg_engine)
    workers = {str(r.locked_by).split(":")[1] for r in rows if r.kind != "summary"}
    pids = {str(i.process.pid) for i in instances}
    assert workers == pids, "both instances' workers should have posted part of the fan-out"
    print(f"\n{FAN_MESSAGES} messages posted in {done_s:.1f}s")


def test_fanout_survives_one_instance_killed_midway(
    sandbox: SlackSandbox, pg_url: str, pg_engine: Engine, tmp_path: Path
) -> None:
    # Slow posts down so the kill lands in the middle of the fan-out, with posts in flight.
    sandbox.set_latency("chat.postMessage", 0.5)
    with two_instances(sandbox, pg_url, tmp_path, LIAISON_DELIVERY_LOCK_SECONDS="2") as instances:
        started = time.monotonic()
        start_fanout(sandbox, instances[0].slack)
        killed = instances[1].process
        wait_until(
            lambda: (
                len(posted_ids(sandbox, FAN_CHANNELS)) >= 10
                and claimed_by(pg_engine, killed.pid) > 0
            ),
            30,
            "the first posts, and a message in flight in the instance to kill",
        )
        killed.send_signal(signal.SIGKILL)
        killed.wait(10)
        at_kill = len(posted_ids(sandbox, FAN_CHANNELS))
        assert at_kill < FAN_MESSAGES, "the fan-out finished before the kill"
        wait_until(
            lambda: len(posted_ids(sandbox, FAN_CHANNELS)) >= FAN_MESSAGES,
            40,
            "the rest of the fan-out",
        )
        wait_until(lambda: open_rows(pg_engine) == 0, 20, "every outbox row to be settled")
        wait_for_summary(sandbox)
        done_s = time.monotonic() - started
        time.sleep(1.5)
        assert errors(instances) == []
    rows = assert_posted_exactly_once(sandbox, pg_engine)
    survivor = str(instances[0].process.pid)
    assert any(str(r.locked_by).split(":")[1] == survivor for r in rows)
    # The killed worker's claims were taken over once its lock ran out, looked for in Slack
    # first (an in-flight post may have landed), and settled by the survivor.
    taken_over = [r for r in rows if r.verify_first]
    assert taken_over
    print(
        f"\nkilled at {at_kill}/{FAN_MESSAGES} posts with {len(taken_over)} in flight; "
        f"all posted in {done_s:.1f}s"
    )
