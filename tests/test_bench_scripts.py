"""Every benchmark script starts as its README runs it (`python bench/<name>.py`).

The benchmarks are not part of the suite's pass/fail, but a script that no longer starts
(an import it can only make from the test tree, an argument renamed under it) is found
here rather than by the next person who measures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if p.name != "__init__.py")


def test_there_are_benchmarks() -> None:
    assert {p.stem for p in SCRIPTS} >= {"fanout", "events", "digest", "review"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_a_benchmark_starts_and_explains_itself(script: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script), "--help"],
        cwd=tmp_path,  # not the repository: what it imports must come from the install
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:"), done.stdout
