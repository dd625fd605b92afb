"""What `synchronous=FULL` costs SQLite commits against `NORMAL` (both in WAL mode).

Each transaction is one vote upsert, as a `/feedback` vote writes: `BEGIN IMMEDIATE`,
`INSERT ... ON CONFLICT DO UPDATE`, `COMMIT`, on a file in a temporary folder (the
folder's disk is what is measured). Ends with `result: normal_ms=<mean> full_ms=<mean>
extra_ms=<difference>`.

    .venv/bin/python bench/sqlite_sync.py [--commits 2000] [--folder /var/lib/liaison]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

SCHEMA = (
    "CREATE TABLE vote (id INTEGER PRIMARY KEY, asset_id INTEGER, user_id TEXT, value TEXT, "
    "UNIQUE (asset_id, user_id))"
)
UPSERT = (
    "INSERT INTO vote (asset_id, user_id, value) VALUES (?, ?, ?) "
    "ON CONFLICT (asset_id, user_id) DO UPDATE SET value = excluded.value"
)


def commits(path: Path, mode: str, count: int) -> list[float]:
    """Seconds each of `count` one-upsert transactions took with `synchronous=<mode>`."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={mode}")
    connection.execute(SCHEMA)
    took = []
    for n in range(count):
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(UPSERT, (n % 50, f"U{n}", "useful"))
        connection.execute("COMMIT")
        took.append(time.perf_counter() - started)
    connection.close()
    return took


def main() -> None:
    """Measure both modes twice, alternating, and print a table and the result line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--folder", type=Path, default=None, help="where the files go")
    args = parser.parse_args()
    means: dict[str, list[float]] = {"NORMAL": [], "FULL": []}
    print(f"{'mode':8}{'mean ms':>10}{'p99 ms':>10}{'commits/s':>12}")
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        for run in range(2):
            for mode in means:
                took = sorted(commits(Path(folder) / f"{mode}-{run}.db", mode, args.commits))
                mean = statistics.mean(took)
                means[mode].append(mean)
                p99 = took[int(len(took) * 0.99)]
                print(f"{mode:8}{mean * 1e3:10.3f}{p99 * 1e3:10.3f}{len(took) / sum(took):12.0f}")
    normal, full = statistics.mean(means["NORMAL"]), statistics.mean(means["FULL"])
    print(
        f"result: normal_ms={normal * 1e3:.3f} full_ms={full * 1e3:.3f} "
        f"extra_ms={(full - normal) * 1e3:.3f}"
    )


if __name__ == "__main__":
    main()
