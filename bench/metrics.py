"""The /metrics database read at 1M outbox rows: counters, against counting the rows.

Run: ``.venv/bin/python bench/metrics.py [--rows 1000000] [--repeats 20]
[--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_metrics]``
(not part of the test suite; see bench/README.md).

What it does
------------
A fresh migrated database (SQLite in a temp dir, or a database created and dropped on
``--database-url``'s server) with one workspace. Timed, each the median of R calls of
``app.gauges.read_database`` (what every scrape runs), all in this run:

1. **empty**: no outbox rows.
2. **1M, not folded**: N outbox rows inserted in bulk (98% sent, 1% failed, 1% pending,
   five kinds); the triggers wrote one tally delta per row and no fold has run yet (the
   worst case: the per-minute fold job stopped).
3. **1M, folded**: after ``services.retention.fold_tallies`` (batches of 1,000 rows a
   transaction; its time is shown too), as the per-minute job keeps it. On PostgreSQL
   also after ``VACUUM tally_delta`` (what autovacuum does after many deletes): until
   then the folded deltas' dead rows are still scanned.
4. **count the rows**: the query the scrape ran before (``GROUP BY status, kind`` over
   the outbox), for comparison.

ratio = folded scrape at N rows / empty scrape. The last line is
``result: scrape_ms_1m=<ms> ratio_to_empty=<x> count_rows_ms=<ms>``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.gauges import read_database  # noqa: E402
from core.db import make_engine, migrate  # noqa: E402
from models import OutboxMessage, Workspace  # noqa: E402
from services.retention import fold_tallies  # noqa: E402

KINDS = ("announcement", "asset_reply", "summary", "refresh", "digest")
BATCH = 20_000
FOLD_BATCH = 1_000
NOW = datetime.now(UTC)


def median_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm-up
    spent = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent)


def seed(engine: Engine, rows: int) -> float:
    """N outbox rows in bulk (the triggers fire for each); returns seconds."""
    started = time.perf_counter()
    with Session(engine) as session:
        workspace = Workspace(team_id="T0BENCH")
        session.add(workspace)
        session.commit()
        workspace_id = workspace.id
    postgres = engine.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"

    def stamp(moment: datetime) -> Any:
        return moment if postgres else moment.strftime("%Y-%m-%d %H:%M:%S.%f")

    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        batch: list[tuple[Any, ...]] = []
        for n in range(rows):
            status = "pending" if n % 100 == 0 else "failed" if n % 100 == 1 else "sent"
            at = stamp(NOW - timedelta(seconds=rows - n))
            batch.append(
                (
                    workspace_id,
                    f"bench:{n}",
                    KINDS[n % len(KINDS)],
                    f"C{n % 500:08d}",
                    "{}",
                    status,
                    0,
                    False,
                    at,
                    at,
                    at if status == "sent" else None,
                )
            )
            if len(batch) >= BATCH or n == rows - 1:
                cursor.executemany(
                    "INSERT INTO outbox_message (workspace_id, dedupe_key, kind, channel_id, "
                    "payload, status, attempts, verify_first, next_attempt_at, created_at, "
                    f"sent_at) VALUES ({', '.join([mark] * 11)})",
                    batch,
                )
                raw.commit()
                batch = []
    finally:
        raw.close()
    if postgres:  # as autovacuum would after a bulk load
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def count_rows(engine: Engine) -> None:
    """The scrape's outbox query before counters: every row counted."""
    status, kind = col(OutboxMessage.status), col(OutboxMessage.kind)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.select(status, kind, sa.func.count()).group_by(status, kind)).all()


@contextmanager
def database(folder: Path, server: str | None) -> Iterator[Engine]:
    if server is None:
        url = f"sqlite:///{folder / 'metrics.db'}"
        migrate(url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    target = make_url(server).set(database="bench_metrics")
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text('DROP DATABASE IF EXISTS "bench_metrics" WITH (FORCE)'))
        connection.execute(sa.text('CREATE DATABASE "bench_metrics"'))
    rendered = target.render_as_string(hide_password=False)
    migrate(rendered)
    engine = make_engine(rendered)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text('DROP DATABASE IF EXISTS "bench_metrics" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="/metrics at 1M outbox rows (see docstring).")
    parser.add_argument("--rows", type=int, default=1_000_000, help="outbox rows")
    parser.add_argument("--repeats", type=int, default=20, help="timed scrapes per row")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (default SQLite)")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-metrics-") as folder,
        database(Path(folder), args.database_url) as engine,
    ):
        empty = median_ms(lambda: read_database(engine), args.repeats)
        seeded = seed(engine, args.rows)
        state = read_database(engine)
        assert sum(state.outbox.values()) == args.rows, state.outbox
        unfolded = median_ms(lambda: read_database(engine), max(3, args.repeats // 4))
        started = time.perf_counter()
        with Session(engine) as session:
            folded_rows = fold_tallies(session=session, batch=FOLD_BATCH)
        fold_s = time.perf_counter() - started
        assert read_database(engine).outbox == state.outbox
        folded = median_ms(lambda: read_database(engine), args.repeats)
        vacuumed = None
        if engine.dialect.name == "postgresql":  # the deleted deltas' dead rows, cleared
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(sa.text("VACUUM tally_delta"))
            vacuumed = median_ms(lambda: read_database(engine), args.repeats)
        counting = median_ms(lambda: count_rows(engine), max(3, args.repeats // 4))
    name = "PostgreSQL" if args.database_url else "SQLite"
    rows = f"{args.rows:,}"
    print(
        f"note: {rows} rows seeded in {seeded:.0f} s; fold of {folded_rows:,} deltas {fold_s:.1f} s"
    )
    print()
    print(f"Database: {name}")
    print()
    print("| what the scrape reads | outbox rows | unfolded deltas | median ms | ratio to empty |")
    print("|---|---|---|---|---|")
    print(f"| counters, empty outbox | 0 | 0 | {empty:.2f} | 1.00 |")
    print(
        f"| counters, no fold yet (worst case) | {rows} | {folded_rows:,} | {unfolded:.2f} "
        f"| {unfolded / empty:.2f} |"
    )
    print(f"| counters, folded | {rows} | 0 | {folded:.2f} | {folded / empty:.2f} |")
    if vacuumed is not None:
        print(
            f"| counters, folded, after autovacuum's VACUUM | {rows} | 0 | {vacuumed:.2f} "
            f"| {vacuumed / empty:.2f} |"
        )
    print(f"| count the rows (before) | {rows} | - | {counting:.2f} | {counting / empty:.2f} |")
    print()
    print(
        f"result: scrape_ms_1m={folded:.2f} ratio_to_empty={folded / empty:.2f} "
        f"count_rows_ms={counting:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
