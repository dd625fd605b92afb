"""One reaction on an empty history, then after 1M toggles: within 2x (issue 13).

Run: ``.venv/bin/python bench/reactions.py [--history 1000000] [--repeats 300]
[--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_reactions]``
(not part of the test suite; see bench/README.md).

What it does
------------
1. **Empty.** A fresh database migrated with ``core.db.migrate`` (SQLite in a temp dir,
   or a database created and dropped on ``--database-url``'s server): one workspace, one
   asset, its tracked thread reply. Then R reactions by one person, alternately 👍 put and
   taken back, each through the real service (``services.votes.apply_reaction``, one
   session each, as the vote worker does), after 20 untimed ones; median and p95.
2. **After 1M.** A second fresh database with the same asset, holding what 1M toggles on
   that asset leave behind: half by the measured person, half by 1,000 other people (500
   each, the last one a put, so each has a standing vote). That is 1M handled event ids
   in ``processed_event`` (all inside the retention window, the worst case), each
   person's folded state in ``reaction_state`` (computed with the service's own rules,
   ``domain.votes.remember_reaction``, over each person's toggles) and the votes. Rows
   are bulk-inserted (not timed; the service would need an hour for 1M events), then
   1,000 more toggles go through the service (so the state is the service's own). Then the
   same R timed reactions by the measured person, and R by one of the other people.

ratio = median after 1M / median on the empty history, measured in the same run. The
last line is ``result: ratio=<x> empty_ms=<ms> after_1m_ms=<ms>`` (the worse of the two
people); the issue asks for a ratio of at most 2.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.db import make_engine, migrate, session_scope_for  # noqa: E402
from domain.votes import (  # noqa: E402
    LoggedReaction,
    ReactionChange,
    ReactionMemory,
    Verdict,
    remember_reaction,
)
from models import Asset, AssetMessage, Workspace  # noqa: E402
from services.votes import apply_reaction  # noqa: E402

TEAM, CHANNEL, TS = "T0BENCH", "C0BENCH", "1700000000.000100"
MEASURED = "U0MEASURED"
OTHERS = 1_000
WARM_UP = 20
REAL_TOGGLES = 1_000
BATCH = 20_000
START = datetime.now(UTC) - timedelta(hours=2)


@dataclass
class Timing:
    label: str
    history: int
    events_kept: int
    states: int
    ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        return sorted(self.ms)[int(len(self.ms) * 0.95) - 1]


def seed_asset(engine: Engine) -> tuple[int, int]:
    """(workspace id, asset id) of an asset whose thread reply's reactions are votes."""
    with Session(engine) as session:
        workspace = Workspace(team_id=TEAM)
        session.add(workspace)
        session.flush()
        assert workspace.id is not None
        asset = Asset(
            workspace_id=workspace.id,
            number=1,
            handle="PD-1",
            title="Pricing deck",
            url="https://example.com/pricing",
            url_key="example.com/pricing",
            added_by="U0MKT",
        )
        session.add(asset)
        session.flush()
        assert asset.id is not None
        session.add(
            AssetMessage(workspace_id=workspace.id, asset_id=asset.id, channel_id=CHANNEL, ts=TS)
        )
        session.commit()
        return workspace.id, asset.id


class Clock:
    """Event times that only move forward, a millisecond apart."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def next(self) -> datetime:
        self.at += timedelta(milliseconds=1)
        return self.at


def toggle(n: int, user: str, at: datetime) -> ReactionChange:
    return ReactionChange(
        added=n % 2 == 0, verdict=Verdict.USEFUL, user_id=user, channel_id=CHANNEL, ts=TS, at=at
    )


def react(engine: Engine, clock: Clock, user: str, count: int, prefix: str) -> list[float]:
    """`count` toggles through the service, each in its own session; milliseconds each."""
    db = session_scope_for(engine)
    spent = []
    for n in range(count):
        change = toggle(n, user, clock.next())
        started = time.perf_counter()
        with db() as session:
            apply_reaction(session=session, team_id=TEAM, event_id=f"{prefix}{n}", change=change)
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        events = connection.execute(sa.text("SELECT count(*) FROM processed_event")).scalar()
        states = connection.execute(sa.text("SELECT count(*) FROM reaction_state")).scalar()
    return int(events or 0), int(states or 0)


def seed_history(engine: Engine, workspace_id: int, asset_id: int, history: int) -> datetime:
    """What `history` toggles leave: event ids, each person's state, standing votes."""
    clock = Clock(START)
    per_other = (history // 2) // OTHERS
    people = [(MEASURED, history - per_other * OTHERS)] + [
        (f"U0OTHER{k:04d}", per_other) for k in range(OTHERS)
    ]
    postgres = engine.dialect.name == "postgresql"

    def stamp(moment: datetime) -> Any:
        # How SQLAlchemy stores a time in SQLite; PostgreSQL takes it as it is.
        return moment if postgres else moment.strftime("%Y-%m-%d %H:%M:%S.%f")

    events: list[tuple[str, str, Any]] = []
    states: list[tuple[Any, ...]] = []
    votes: list[tuple[Any, ...]] = []
    serial = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for user, toggles in people:
            memory = ReactionMemory()
            # The measured person ends with a removal, the others with a put.
            parity = 0 if user == MEASURED else (toggles + 1) % 2
            for n in range(toggles):
                at = clock.next()
                memory = remember_reaction(
                    memory, LoggedReaction(Verdict.USEFUL, (n + parity) % 2 == 0, at)
                )
                serial += 1
                events.append((f"EvH{serial}", TEAM, stamp(at)))
                if len(events) >= BATCH:
                    insert_events(cursor, events, postgres)
                    events = []
            removals = json.dumps([[v.value, a.isoformat()] for v, a in memory.removals])
            states.append(
                (
                    workspace_id,
                    asset_id,
                    user,
                    memory.vote.value if memory.vote else None,
                    stamp(memory.vote_at) if memory.vote_at else None,
                    removals,
                    memory.used,
                    None,
                    stamp(clock.at),
                )
            )
            if memory.vote is not None and memory.vote_at is not None and not memory.removals:
                votes.append(
                    (workspace_id, asset_id, user, "useful", "reaction", stamp(memory.vote_at))
                )
        insert_events(cursor, events, postgres)
        mark = "%s" if postgres else "?"
        cursor.executemany(
            "INSERT INTO reaction_state (workspace_id, asset_id, user_id, vote, vote_at, "
            f"removals, used, used_at, updated_at) VALUES ({', '.join([mark] * 9)})",
            states,
        )
        cursor.executemany(
            "INSERT INTO vote (workspace_id, asset_id, user_id, value, source, created_at) "
            f"VALUES ({', '.join([mark] * 6)})",
            votes,
        )
        raw.commit()
    finally:
        raw.close()
    analyze(engine)  # as autovacuum would after a bulk load
    return clock.at


def analyze(engine: Engine) -> None:
    """PostgreSQL: VACUUM ANALYZE, so both databases are measured with fresh statistics."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))


def insert_events(cursor: Any, events: list[tuple[str, str, Any]], postgres: bool) -> None:
    if not events:
        return
    if postgres:
        with cursor.copy(
            "COPY processed_event (event_id, team_id, received_at) FROM STDIN"
        ) as copy:
            for row in events:
                copy.write_row(row)
        return
    cursor.executemany(
        "INSERT INTO processed_event (event_id, team_id, received_at) VALUES (?, ?, ?)", events
    )


# ---------------------------------------------------------------- databases


@contextmanager
def database(folder: Path, name: str, server: str | None) -> Iterator[Engine]:
    if server is None:
        url = f"sqlite:///{folder / f'{name}.db'}"
        migrate(url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    target = make_url(server).set(database=f"bench_reactions_{name}")
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    rendered = target.render_as_string(hide_password=False)
    migrate(rendered)
    engine = make_engine(rendered)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        admin.dispose()


def run(history: int, repeats: int, server: str | None) -> list[Timing]:
    timings = []
    with tempfile.TemporaryDirectory(prefix="bench-reactions-") as folder:
        with database(Path(folder), "empty", server) as engine:
            seed_asset(engine)
            analyze(engine)
            clock = Clock(START)
            react(engine, clock, MEASURED, WARM_UP, "EvW")
            ms = react(engine, clock, MEASURED, repeats, "EvT")
            events, states = counts(engine)
            timings.append(Timing("empty history", 0, events, states, ms))
        with database(Path(folder), "full", server) as engine:
            workspace_id, asset_id = seed_asset(engine)
            started = time.perf_counter()
            clock = Clock(seed_history(engine, workspace_id, asset_id, history))
            react(engine, clock, MEASURED, REAL_TOGGLES, "EvR")
            seeded = time.perf_counter() - started
            print(f"note: history seeded in {seeded:.0f} s", flush=True)
            react(engine, clock, MEASURED, WARM_UP, "EvW")
            ms = react(engine, clock, MEASURED, repeats, "EvT")
            events, states = counts(engine)
            label = f"after {label_of(history)} toggles, the person who made half"
            timings.append(Timing(label, history + REAL_TOGGLES, events, states, ms))
            ms = react(engine, clock, "U0OTHER0007", repeats, "EvO")
            events, states = counts(engine)
            label = f"after {label_of(history)} toggles, one of 1,000 others"
            timings.append(Timing(label, history + REAL_TOGGLES, events, states, ms))
    return timings


def label_of(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1_000}k"


def report(timings: list[Timing], database_name: str) -> str:
    base = timings[0].median
    lines = [
        f"Database: {database_name}",
        "",
        "| history | toggles before | processed_event rows | reaction_state rows "
        "| median ms | p95 ms | ratio to empty |",
        "|" + "---|" * 7,
    ]
    for t in timings:
        lines.append(
            f"| {t.label} | {t.history:,} | {t.events_kept:,} | {t.states:,} "
            f"| {t.median:.2f} | {t.p95:.2f} | {t.median / base:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One reaction after 1M toggles (see docstring).")
    parser.add_argument("--history", type=int, default=1_000_000, help="toggles seeded")
    parser.add_argument("--repeats", type=int, default=300, help="timed reactions per row")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (default SQLite)")
    args = parser.parse_args(argv)
    timings = run(args.history, args.repeats, args.database_url)
    name = "PostgreSQL" if args.database_url else "SQLite"
    print()
    print(report(timings, name))
    worst = max(timings[1:], key=lambda t: t.median)
    ratio = worst.median / timings[0].median
    print()
    print(
        f"result: ratio={ratio:.2f} empty_ms={timings[0].median:.2f} after_1m_ms={worst.median:.2f}"
    )
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
