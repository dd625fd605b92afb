"""`python bot.py export --team T --since YYYY-MM-DD [--out FILE]` as an operator runs it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from app.export_cli import ProgressBar
from core.db import session_scope_for
from sandbox import SlackSandbox
from sandbox.constants import TEAM_ID
from services.workspaces import ensure_workspace
from tests.support.exports import ACCUSATION, read_csv, seed_feedback

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def run(
    tmp_path: Path, database_url: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "export", *args],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).date().isoformat()


def test_writes_the_default_file(tmp_path: Path, database_url: str, engine: Engine) -> None:
    seed_feedback(engine, now=datetime.now(UTC))
    since = days_ago(30)
    done = run(tmp_path, database_url, "--team", TEAM_ID, "--since", since)
    assert done.returncode == 0, done.stderr
    path = tmp_path / f"liaison-feedback-{TEAM_ID}-{since}.csv"
    assert f"wrote 7 rows of feedback since {since} (UTC) to {path.name}" in done.stderr
    assert "exported 7 of 7 rows (100%)" in done.stderr  # plain progress: stderr is no TTY
    assert done.stdout == ""
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = read_csv(content.decode("utf-8"))
    assert [r["kind"] for r in rows] == ["vote", "vote", "use"] + ["comment"] * 4
    # No Slack token: the opted-in author is shown by id; everyone else is anonymous.
    named = {(r["author"], r["author_slack_id"]) for r in rows} - {("anonymous", "")}
    assert named == {("U0REP1", "U0REP1")}
    assert ACCUSATION.encode() not in content
    assert rows[4]["comment"] == "'=cmd|' /C calc'!A0, \"quoted\"\nsecond line 🎯"
    assert not list(tmp_path.glob("*.partial"))


def test_out_dash_writes_stdout_and_out_file_names_the_file(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    seed_feedback(engine, now=datetime.now(UTC))
    done = run(tmp_path, database_url, "--team", TEAM_ID, "--since", "90d", "--out", "-")
    assert done.returncode == 0, done.stderr
    assert len(read_csv(done.stdout)) == 8  # days back work too; the 40-day-old vote is in
    target = tmp_path / "reports" / "may.csv"
    target.parent.mkdir()
    done = run(
        tmp_path, database_url, "--team", TEAM_ID, "--since", days_ago(3), "--out", str(target)
    )
    assert done.returncode == 0, done.stderr
    assert next(r["kind"] for r in read_csv(target.read_text("utf-8-sig"))) == "use"


def test_names_opted_in_authors_when_slack_is_configured(
    tmp_path: Path, database_url: str, engine: Engine, sandbox: SlackSandbox
) -> None:
    seed_feedback(engine, now=datetime.now(UTC))
    done = run(
        tmp_path,
        database_url,
        "--team",
        TEAM_ID,
        "--since",
        days_ago(30),
        "--out",
        "-",
        SLACK_BOT_TOKEN=sandbox.BOT_TOKEN,
        SLACK_API_URL=sandbox.api_url,
    )
    assert done.returncode == 0, done.stderr
    named = {r["author"] for r in read_csv(done.stdout)} - {"anonymous"}
    assert named == {"Riley Rep"}
    assert [c.params["user"] for c in sandbox.calls("users.info")] == ["U0REP1"]


def test_an_empty_period_writes_only_the_header(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    with session_scope_for(engine)() as session:
        ensure_workspace(session=session, team_id=TEAM_ID)  # installed, no feedback yet
    done = run(tmp_path, database_url, "--team", TEAM_ID, "--since", days_ago(30), "--out", "-")
    assert done.returncode == 0, done.stderr
    assert read_csv(done.stdout) == [] and "no feedback since" in done.stderr


def test_clear_errors(tmp_path: Path, database_url: str, engine: Engine) -> None:
    seed_feedback(engine, now=datetime.now(UTC))
    cases = {
        ("--team", "T0NOBODY", "--since", "2024-05-01"): "no workspace 'T0NOBODY'",
        ("--team", TEAM_ID, "--since", "2024-13-01"): "is not a day like 2024-05-01",
        ("--team", TEAM_ID, "--since", "last week"): "is not a day like 2024-05-01",
        ("--team", TEAM_ID, "--since", "2999-01-01"): "is in the future",
        ("--team", TEAM_ID): "--since",
        ("--since", "2024-05-01"): "--team",
    }
    for args, says in cases.items():
        done = run(tmp_path, database_url, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert says in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
    # Errors from our own checks are one line.
    done = run(tmp_path, database_url, "--team", "T0NOBODY", "--since", "2024-05-01")
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("liaison: ")
    unwritable = run(
        tmp_path, database_url, "--team", TEAM_ID, "--since", "30d", "--out", "/nonexistent/x.csv"
    )
    assert unwritable.returncode == 1 and "could not write /nonexistent/x.csv" in unwritable.stderr
    assert list(tmp_path.glob("*.csv")) == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_redraws_on_a_terminal_and_prints_tenths_elsewhere() -> None:
    tty = _Terminal()
    bar = ProgressBar(4_000, tty)
    for done in (2_000, 4_000):
        bar.update(done)
    bar.finish()
    assert tty.getvalue() == (
        "\rexporting [###############...............]  50% 2,000/4,000 rows"
        "\rexporting [##############################] 100% 4,000/4,000 rows\n"
    )
    plain = io.StringIO()
    bar = ProgressBar(100_000, plain)
    for done in range(2_000, 100_001, 2_000):
        bar.update(done)
    bar.update(100_000)  # the final call repeats the last batch's count
    bar.finish()
    lines = plain.getvalue().splitlines()
    assert len(lines) == 10 and lines[-1] == "liaison: exported 100,000 of 100,000 rows (100%)"
    empty = io.StringIO()
    ProgressBar(0, empty).update(0)
    assert empty.getvalue() == ""
