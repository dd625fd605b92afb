"""Digest-gathering benchmark: ``gather_digest`` over 10k, 100k and 1M votes.

Run: ``.venv/bin/python bench/digest.py [--quick] [--repeats 5] [--database-url URL]
[--no-postgres] [--shuffled]`` (not part of the test suite; see bench/README.md).

What it does
------------
1. **Seed.** For each size N (10k, 100k, 1M votes; ``--quick``: 10k and 100k) a fresh
   database migrated with ``core.db.migrate``: SQLite in a temp dir, and PostgreSQL on
   ``--database-url`` (database ``bench_digest``, created and dropped here; skipped with a
   note when the server does not answer). One workspace, 5,000 assets in 50 campaigns (50
   of them with a failed link check), 10,000 people. Vote j is on asset ``j % 5000`` by
   its ``j // 5000``-th voter, so (asset, user) stays unique (200 voters an asset at 1M),
   70% useful, at a random moment in the last 8 weeks (the period is the newest week, so
   it holds 1/8 of the votes and the previous period another 1/8). Every 10th vote also
   has a comment (5% of them flagged), every 20th a use. Each campaign has 5
   announcement posts (one failed), 100 acknowledgements and 10 questions (7 answered).
   Rows are inserted in time order, as they arrive in production (``--shuffled``: in
   random order, the worst case for table lookups). Seeding is bulk (sqlite3
   ``executemany`` in batches; PostgreSQL ``COPY``, then ``VACUUM ANALYZE`` as autovacuum
   would) and is not timed. SQLite gets no ``ANALYZE``: the app never runs it.
2. **Time.** In a fresh process per (size, database), so its peak RSS is the gather's
   own: one warm-up, then R timed ``gather_digest`` calls (each in its own ``Session``,
   as a job would), median reported; then one more under ``tracemalloc`` for Python's
   peak allocation. The process's RSS high-water mark (``getrusage``) is what "peak MB"
   means; it includes the interpreter and imports (shown as "base MB", measured before
   the first gather).
3. **Floor.** In the same process, the least any digest must do: the period's per-asset
   vote counts (one ``GROUP BY asset_id`` over the covering index ``ix_vote_period``),
   sent as plain SQL through the DBAPI cursor, median of R. ``ratio_to_floor`` = gather /
   floor: what the previous period, uses, participation, volume, comments, launches and
   SQLAlchemy cost on top.
4. **Breakdown.** For the largest size, one more gather with each of its parts (the
   private functions of ``services.digest``: queries, fetching, records) timed, so a
   regression points at its query.

growth = seconds at this size / seconds at the previous size (10x the votes; linear = 10).
The last line is always ``result: seconds_1m_sqlite=<s> growth_per_10x=<x> peak_mb=<mb>``:
the 1M SQLite median (``n/a`` with ``--quick``), the worst SQLite growth, and the largest
RSS high-water mark of any gather process.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.db import make_engine, migrate
from domain.digest_data import Period
from tests.support.workspaces import ref_by_id

SIZES = (10_000, 100_000, 1_000_000)
ASSETS = 5_000
USERS = 10_000
CAMPAIGNS = 50
WEEKS = 8
USEFUL_SHARE = 0.7
COMMENT_EVERY = 10
USE_EVERY = 20
BATCH = 50_000
WORKSPACE_ID = 1
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_digest"

END = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday: the period is the week before
PERIOD = Period(END - timedelta(days=7), END, "16-22 Nov 2026")
PREVIOUS = Period(END - timedelta(days=14), END - timedelta(days=7), "9-15 Nov 2026")
SPANS = [(END - timedelta(weeks=k), END - timedelta(weeks=k - 1)) for k in range(WEEKS, 0, -1)]

COMMENT_TEXTS = (
    "Customers liked the pricing table",
    "Needs a slide on ROI for finance buyers",
    "Too long for a first call",
    "The case study landed well with the CTO",
    "Link in the PDF is out of date",
    "Competitor comparison is what they asked for",
)

FLOOR_SQL = (
    "SELECT asset_id, count(*) FILTER (WHERE value = 'useful'), "
    "count(*) FILTER (WHERE value = 'needs_work') "
    "FROM vote WHERE workspace_id = {p} AND created_at >= {p} AND created_at < {p} "
    "GROUP BY asset_id"
)


# ---------------------------------------------------------------- data


def stamp(moment: datetime, sqlite: bool) -> Any:
    """How a moment is bound when seeding: SQLAlchemy's SQLite text form, or aware UTC."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else moment


def day(value: date, sqlite: bool) -> Any:
    """How a date is bound when seeding (SQLAlchemy stores SQLite dates as ISO text)."""
    return value.isoformat() if sqlite else value


def user_of(asset: int, k: int) -> str:
    # 7919 is prime to USERS, so k -> user is one-to-one for each asset while k < USERS.
    return f"U{(k * 7919 + asset) % USERS:05d}"


def asset_id(asset: int) -> int:
    return asset + 1


def campaign_id(asset: int) -> int:
    return asset % CAMPAIGNS + 1


def tables(sqlite: bool, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """The small tables' rows: workspace, campaigns, assets, posts, acknowledgements, questions."""
    created = stamp(END - timedelta(weeks=12), sqlite)
    out: dict[str, list[dict[str, Any]]] = {
        "workspace": [
            {
                "id": WORKSPACE_ID,
                "team_id": "TBENCH",
                "name": "Bench",
                "digest_weekday": 0,
                "digest_time": "09:00",
                "timezone": "UTC",
                "launch_policy": "everyone",
                "next_asset_number": ASSETS + 1,
                "created_at": created,
                "updated_at": created,
            }
        ],
        "campaign": [],
        "asset": [],
        "announcement_post": [],
        "acknowledgement": [],
        "question": [],
    }
    for c in range(1, CAMPAIGNS + 1):
        posted = END - timedelta(weeks=WEEKS) + timedelta(hours=rng.randrange(WEEKS * 7 * 24))
        out["campaign"].append(
            {
                "id": c,
                "workspace_id": WORKSPACE_ID,
                "marketer_id": "UMKT",
                "name": f"Campaign {c}",
                "summary": "",
                "ask": "",
                "launch_date": day(posted.date(), sqlite),
                "timezone": "UTC",
                "status": "posted",
                "created_at": stamp(posted, sqlite),
                "updated_at": stamp(posted, sqlite),
            }
        )
        for ch in range(5):
            ok = ch < 4  # one target channel a campaign failed
            out["announcement_post"].append(
                {
                    "campaign_id": c,
                    "channel_id": f"C{ch:04d}",
                    "ts": f"{c}.{ch}" if ok else None,
                    "error": None if ok else "not_in_channel",
                    "created_at": stamp(posted, sqlite),
                    "posted_at": stamp(posted, sqlite) if ok else None,
                }
            )
        for u in range(100):
            at = posted + timedelta(minutes=rng.randrange(7 * 24 * 60))
            out["acknowledgement"].append(
                {
                    "workspace_id": WORKSPACE_ID,
                    "campaign_id": c,
                    "user_id": f"U{(c * 100 + u) % USERS:05d}",
                    "created_at": stamp(at, sqlite),
                }
            )
        for q in range(10):
            at = posted + timedelta(hours=q)
            out["question"].append(
                {
                    "workspace_id": WORKSPACE_ID,
                    "campaign_id": c,
                    "user_id": f"U{q:05d}",
                    "text": f"Question {q} on campaign {c}?",
                    "created_at": stamp(at, sqlite),
                    "answered_at": stamp(at + timedelta(days=1), sqlite) if q < 7 else None,
                }
            )
    for a in range(ASSETS):
        out["asset"].append(
            {
                "id": asset_id(a),
                "workspace_id": WORKSPACE_ID,
                "number": a + 1,
                "handle": f"BA-{a + 1}",
                "title": f"Bench asset {a + 1}",
                "url": f"https://example.com/assets/{a + 1}",
                "url_key": f"{a + 1:064x}",
                "campaign_id": campaign_id(a),
                "added_by": "UMKT",
                "link_ok": a % 100 != 0,  # 1% broken links
                "created_at": created,
            }
        )
    return out


@dataclass
class Feedback:
    """The big tables' rows, in insertion order."""

    votes: list[tuple[Any, ...]] = field(default_factory=list)
    comments: list[tuple[Any, ...]] = field(default_factory=list)
    uses: list[tuple[Any, ...]] = field(default_factory=list)


VOTE_COLUMNS = ["workspace_id", "asset_id", "user_id", "value", "source", "created_at"]
COMMENT_COLUMNS = [
    "workspace_id",
    "asset_id",
    "user_id",
    "text",
    "value",
    "followup_ok",
    "flagged",
    "source",
    "created_at",
]
USAGE_COLUMNS = ["workspace_id", "asset_id", "user_id", "source", "created_at"]


def feedback(size: int, sqlite: bool, shuffled: bool, rng: random.Random) -> Feedback:
    """Votes, comments and uses for `size` votes (see the module docstring)."""
    span_s = WEEKS * 7 * 24 * 3600
    start = END - timedelta(weeks=WEEKS)
    drafted = []
    for j in range(size):
        asset, k = j % ASSETS, j // ASSETS
        value = "useful" if rng.random() < USEFUL_SHARE else "needs_work"
        at = start + timedelta(microseconds=rng.randrange(span_s * 1_000_000))
        drafted.append((at, asset, k, value, j))
    if shuffled:
        rng.shuffle(drafted)
    else:
        drafted.sort()
    out = Feedback()
    for at, asset, k, value, j in drafted:
        user = user_of(asset, k)
        when = stamp(at, sqlite)
        out.votes.append((WORKSPACE_ID, asset_id(asset), user, value, "reaction", when))
        if j % COMMENT_EVERY == 0:
            text = COMMENT_TEXTS[j % len(COMMENT_TEXTS)]
            flagged = j % (COMMENT_EVERY * 20) == 0
            out.comments.append(
                (WORKSPACE_ID, asset_id(asset), user, text, value, False, flagged, "modal", when)
            )
        if j % USE_EVERY == 0:
            out.uses.append((WORKSPACE_ID, asset_id(asset), user, "command", when))
    return out


# ---------------------------------------------------------------- seeding


def insert_sqlite(raw: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    cursor = raw.cursor()
    for i in range(0, len(rows), BATCH):
        cursor.execute("BEGIN")
        cursor.executemany(sql, rows[i : i + BATCH])
        cursor.execute("COMMIT")
    cursor.close()


def insert_postgres(raw: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
    raw.commit()


def seed(url: str, size: int, shuffled: bool) -> float:
    """Fill a migrated database; returns the seconds it took."""
    started = time.perf_counter()
    sqlite = url.startswith("sqlite")
    rng = random.Random(size)
    small = tables(sqlite, rng)
    big = feedback(size, sqlite, shuffled, rng)
    engine = make_engine(url)
    try:
        connection = engine.raw_connection()
        raw: Any = connection.driver_connection
        insert = insert_sqlite if sqlite else insert_postgres
        for table, dicts in small.items():
            insert(raw, table, list(dicts[0]), [tuple(d.values()) for d in dicts])
        insert(raw, "vote", VOTE_COLUMNS, big.votes)
        insert(raw, "comment", COMMENT_COLUMNS, big.comments)
        insert(raw, "usage", USAGE_COLUMNS, big.uses)
        if not sqlite:
            raw.autocommit = True
            raw.execute("VACUUM ANALYZE")
            raw.autocommit = False
            # Tables were seeded with explicit ids: move the sequences past them.
            for table in ("workspace", "campaign", "asset"):
                raw.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            raw.commit()
        connection.close()
    finally:
        engine.dispose()
    return time.perf_counter() - started


# ---------------------------------------------------------------- measuring (child process)


@dataclass
class Measured:
    seconds: list[float]
    floor_seconds: list[float]
    tracemalloc_mb: float
    base_rss_mb: float
    peak_rss_mb: float
    parts: list[tuple[float, str]]
    counts: str


def rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(url: str, repeats: int, explain: bool) -> Measured:
    """Run in a fresh process: time gather_digest, the floor query, and memory."""
    from sqlmodel import Session

    from services.digest import gather_digest

    engine = make_engine(url)
    base = rss_mb()

    workspace = ref_by_id(engine, WORKSPACE_ID)  # resolved once, as a job does

    def gather() -> Any:
        with Session(engine) as session:
            data = gather_digest(
                session=session,
                workspace=workspace,
                period=PERIOD,
                previous=PREVIOUS,
                weeks=SPANS,
            )
            session.rollback()
            return data

    data = gather()  # warm-up
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        gather()
        seconds.append(time.perf_counter() - started)
    floor = [floor_query(engine) for _ in range(repeats)]
    tracemalloc.start()
    gather()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    parts = part_times(gather) if explain else []
    engine.dispose()
    counts = (
        f"{len(data.assets)} assets (+{data.more_assets}), {len(data.comments)} comments, "
        f"{len(data.launches)} launches, {len(data.questions)} questions, "
        f"{data.this_week.votes} votes by {data.this_week.voters} this week, "
        f"{data.last_week.votes} last week, volume {[w.votes for w in data.volume]}"
    )
    return Measured(seconds, floor, peak / 2**20, base, rss_mb(), parts, counts)


def floor_query(engine: Any) -> float:
    """The period's per-asset vote counts over the covering index, plain SQL via the DBAPI."""
    sqlite = engine.dialect.name == "sqlite"
    marker = "?" if sqlite else "%s"
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        params = (WORKSPACE_ID, stamp(PERIOD.start, sqlite), stamp(PERIOD.end, sqlite))
        started = time.perf_counter()
        cursor.execute(FLOOR_SQL.format(p=marker), params)
        rows = cursor.fetchall()
        elapsed = time.perf_counter() - started
        assert rows
        cursor.close()
        connection.rollback()
        return elapsed
    finally:
        connection.close()


PARTS = ("_launches", "_assets", "_comments", "_questions", "_participation", "_volume")


def part_times(gather: Any) -> list[tuple[float, str]]:
    """Each part of one gather (its queries, fetching, records) and its time, slowest first."""
    import services.digest as module

    found: list[tuple[float, str]] = []
    originals = {name: getattr(module, name) for name in (*PARTS, "_broken_links")}

    def timed(name: str, function: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                found.append((time.perf_counter() - started, name.lstrip("_")))

        return run

    for name, function in originals.items():
        setattr(module, name, timed(name, function))
    try:
        started = time.perf_counter()
        gather()
        total = time.perf_counter() - started
    finally:
        for name, function in originals.items():
            setattr(module, name, function)
    found.append((total - sum(t for t, _ in found), "the rest (session, BEGIN, records)"))
    return sorted(found, reverse=True)


def _child(url: str, repeats: int, explain: bool, queue: Any) -> None:
    try:
        queue.put(measure(url, repeats, explain))
    except BaseException as exc:
        queue.put(exc)
        raise


def measure_in_child(url: str, repeats: int, explain: bool) -> Measured:
    context = multiprocessing.get_context("forkserver")
    queue = context.Queue()
    process = context.Process(target=_child, args=(url, repeats, explain, queue))
    process.start()
    result = queue.get()
    process.join()
    if isinstance(result, BaseException):
        raise result
    assert isinstance(result, Measured)
    return result


# ---------------------------------------------------------------- databases


@contextmanager
def sqlite_database(folder: Path, size: int) -> Iterator[str]:
    path = folder / f"digest_{size}.db"
    url = f"sqlite:///{path}"
    migrate(url)
    try:
        yield url
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def postgres_database(url: str) -> Iterator[str]:
    target = make_url(url)
    name = target.database
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    rendered = target.set(database=name).render_as_string(hide_password=False)
    try:
        migrate(rendered)
        yield rendered
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_problem(url: str) -> str | None:
    """Why the PostgreSQL server cannot be used, or None."""
    try:
        admin = sa.create_engine(
            make_url(url).set(database="postgres"), connect_args={"connect_timeout": 3}
        )
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        admin.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


# ---------------------------------------------------------------- report


@dataclass
class Row:
    size: int
    database: str
    seed_s: float
    measured: Measured

    @property
    def seconds(self) -> float:
        return statistics.median(self.measured.seconds)

    @property
    def floor(self) -> float:
        return statistics.median(self.measured.floor_seconds)


def label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1_000}k"


def report(rows: list[Row]) -> str:
    lines = [
        "| votes | database | seconds (median) | min-max | growth per 10x | floor s "
        "| ratio_to_floor | peak RSS MB | base RSS MB | tracemalloc MB | seed s |",
        "|" + "---|" * 11,
    ]
    previous: dict[str, float] = {}
    for row in rows:
        growth = row.seconds / previous[row.database] if row.database in previous else None
        previous[row.database] = row.seconds
        m = row.measured
        lines.append(
            f"| {label(row.size)} | {row.database} | {row.seconds:.3f} "
            f"| {min(m.seconds):.3f}-{max(m.seconds):.3f} "
            f"| {'-' if growth is None else f'{growth:.1f}'} | {row.floor:.3f} "
            f"| {row.seconds / row.floor:.1f} | {m.peak_rss_mb:.0f} | {m.base_rss_mb:.0f} "
            f"| {m.tracemalloc_mb:.1f} | {row.seed_s:.0f} |"
        )
    return "\n".join(lines)


def growth_ratios(rows: list[Row], database: str) -> list[float]:
    times = [r.seconds for r in rows if r.database == database]
    return [b / a for a, b in pairwise(times)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Digest gathering (see the module docstring).")
    parser.add_argument("--quick", action="store_true", help="10k and 100k votes only")
    parser.add_argument("--repeats", type=int, default=5, help="timed gathers per size")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_PG,
        help="PostgreSQL URL; its database is created and dropped (default: %(default)s)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--shuffled", action="store_true", help="insert rows in random order, not time order"
    )
    args = parser.parse_args(argv)
    name = make_url(args.database_url).database or ""
    if not args.no_postgres and not name.startswith("bench_"):
        # It is dropped afterwards: never touch a database that is not the benchmark's.
        parser.error(f"--database-url must name a bench_* database (it is dropped), not {name!r}")
    # Children fork from a server started now, while this process is small: a child's
    # RSS high-water mark starts from its parent's (Linux keeps it across fork and exec),
    # so forking from the seeding process would report the seeder's memory.
    multiprocessing.set_forkserver_preload(["services.digest"])
    starter = multiprocessing.get_context("forkserver").Process(target=int)
    starter.start()
    starter.join()
    sizes = SIZES[:2] if args.quick else SIZES
    databases = ["SQLite"]
    if not args.no_postgres:
        problem = postgres_problem(args.database_url)
        if problem is None:
            databases.append("PostgreSQL")
        else:
            print(f"note: PostgreSQL skipped ({problem})", flush=True)
    order = "random order" if args.shuffled else "time order"
    print(
        f"setup: {ASSETS} assets, {USERS} people, votes over {WEEKS} weeks in {order}, "
        f"{100 // COMMENT_EVERY}% with comments, {100 // USE_EVERY}% with uses; "
        f"{args.repeats} timed gathers after one warm-up, each size in a fresh process",
        flush=True,
    )
    rows: list[Row] = []
    breakdowns: list[tuple[str, Measured]] = []
    with tempfile.TemporaryDirectory(prefix="bench_digest_") as folder:
        for database in databases:
            for size in sizes:
                explain = size == sizes[-1]
                if database == "SQLite":
                    context = sqlite_database(Path(folder), size)
                else:
                    context = postgres_database(args.database_url)
                with context as url:
                    seed_s = seed(url, size, args.shuffled)
                    measured = measure_in_child(url, args.repeats, explain)
                row = Row(size, database, seed_s, measured)
                rows.append(row)
                print(
                    f"  {database} {label(size)}: seeded in {seed_s:.1f} s; gather median "
                    f"{row.seconds:.3f} s; peak RSS {measured.peak_rss_mb:.0f} MB; "
                    f"{measured.counts}",
                    flush=True,
                )
                if explain:
                    breakdowns.append((f"{database} {label(size)}", measured))
    print()
    print(report(rows))
    for name, measured in breakdowns:
        print()
        print(f"{name}, one gather's parts (seconds, slowest first):")
        for seconds, what in measured.parts:
            print(f"- {seconds:.4f} {what}")
    sqlite_1m = [r.seconds for r in rows if r.database == "SQLite" and r.size == 1_000_000]
    growth = max(growth_ratios(rows, "SQLite"), default=float("nan"))
    peak = max(r.measured.peak_rss_mb for r in rows)
    seconds_text = f"{sqlite_1m[0]:.3f}" if sqlite_1m else "n/a"
    print(
        f"result: seconds_1m_sqlite={seconds_text} growth_per_10x={growth:.1f} peak_mb={peak:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
