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
    # The week closes and the scheduled digest fires, blame-free, with its files written.
    digest = shown.split("The scheduled digest arrives")[-1]
    assert "WEEKLY DIGEST" in digest and "What's working" in digest
    assert "Battlecard 2025 doesn't open" in digest
    for person in ("Riley", "Sam", "Devon", "Morgan", "U0REP", "U0MKT"):
        assert person not in digest, person
    assert "marketing never checks" not in digest
    posted = json.loads((out / "digest.json").read_text())
    assert validate_message_blocks(posted["blocks"]) == []
    assert [b["type"] for b in posted["blocks"]].count("data_visualization") == 2
    for chart in ("digest-chart-1.png", "digest-chart-2.png"):
        assert (out / chart).read_bytes().startswith(b"\x89PNG")
    link = (out / "digest-block-kit-builder.txt").read_text()
    assert link.startswith("https://app.slack.com/block-kit-builder/#")
    assert (out / "transcript.txt").read_text().strip()
    took = float(shown.rsplit("Done in ", 1)[1].split(" s.")[0])
    assert took < 30  # the product tour stays short
    replies = json.loads((out / "replies.json").read_text())
    assert len(replies) >= 10
    for entry in replies:
        assert validate_message_blocks(entry["reply"].get("blocks", [])) == [], entry["command"]


@pytest.mark.slow
def test_the_demo_ignores_the_shells_slack_settings(tmp_path: Path) -> None:
    # A developer's shell with half an OAuth setup and a broken token exported: Bolt read
    # these on its own and switched to its own OAuth; the demo must not even look.
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_CLIENT_ID": "1234.5678",
        "SLACK_CLIENT_SECRET": "exported-client-secret",
        "SLACK_BOT_TOKEN": "not-a-bot-token",
        "SLACK_SIGNING_SECRET": "exported-signing-secret",
        "SLACK_API_URL": "https://slack.com/api/",
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "demo", "--out", str(tmp_path / "demo")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "isn't installed" not in result.stdout
    assert "with handle `PD-1`" in result.stdout


@pytest.mark.slow
def test_without_the_charts_extra_the_demo_says_so_and_goes_on(tmp_path: Path) -> None:
    # Python imports sitecustomize at start-up: this one hides matplotlib from the real demo.
    hide = tmp_path / "site"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text("import sys\nsys.modules['matplotlib'] = None\n")
    out = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "demo", "--out", str(out)],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(hide)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "no chart PNGs (charts need the charts extra: pip install '.[charts]')" in result.stdout
    assert "WEEKLY DIGEST" in result.stdout
    posted = json.loads((out / "digest.json").read_text())
    assert [b["type"] for b in posted["blocks"]].count("data_visualization") == 2
    assert not list(out.glob("*.png"))
