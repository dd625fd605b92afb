"""`python bot.py demo` works with no Slack workspace and no tokens."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import validate_message_blocks

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_demo_runs_the_tour_and_writes_its_files(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "demo", "--out", str(out)],
        env={"PATH": "/usr/bin:/bin"},  # no Slack settings at all
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    shown = result.stdout
    assert "with handle `PD-1`" in shown  # the title was fetched from the sandbox page
    assert "Only workspace admins and owners" in shown
    assert "Did you mean" in shown
    assert "🎯 2 used" in shown
    assert "WELCOME TO LIAISON" in shown
    # The launch: announcements in two channels, assets in their threads, the summary, acks.
    assert "#sales now shows" in shown and "#sales-west now shows" in shown
    assert shown.count("↳ in the thread") == 4
    assert "Announced *Q3 pricing refresh* in 2 channels" in shown
    assert "2 teammates are ready" in shown
    # Votes and feedback, then the marketer's App Home showing them.
    assert "counts once" in shown
    assert "👍 2 · 👎 1 · 🎯 0 used" in shown  # the deck: two 👍 and one 👎 by emoji
    assert "won't be quoted as written" in shown  # the nudge after an accusatory comment
    assert "HOW YOUR ASSETS LAND" in shown and "is open to a follow-up chat" in shown
    assert "strong wording" in shown and "marketing never checks" not in shown.split("8.")[-1]
    assert (out / "transcript.txt").read_text().strip()
    replies = json.loads((out / "replies.json").read_text())
    assert len(replies) >= 10
    for entry in replies:
        assert validate_message_blocks(entry["reply"].get("blocks", [])) == [], entry["command"]
