"""`python bot.py digest --team T --now/--preview` as an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.db import make_engine, migrate
from models import Asset, Comment, Source, VoteValue, Workspace
from sandbox import SlackSandbox
from sandbox.constants import TEAM_ID

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "digest", *args],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        session.add(Workspace(team_id=TEAM_ID, name="Sandbox", digest_channel_id="C0LEADS"))
        session.commit()
    engine.dispose()
    return url


def test_preview_prints_the_digest(tmp_path: Path, database: str, sandbox: SlackSandbox) -> None:
    done = run(
        tmp_path,
        "--team",
        TEAM_ID,
        "--preview",
        DATABASE_URL=database,
        SLACK_BOT_TOKEN=sandbox.BOT_TOKEN,
        SLACK_API_URL=sandbox.api_url,
    )
    assert done.returncode == 0, done.stderr
    assert "WEEKLY DIGEST" in done.stdout and "quiet week" in done.stdout.lower()
    assert sandbox.messages("C0LEADS") == []


def test_now_posts_to_the_digest_channel(
    tmp_path: Path, database: str, sandbox: SlackSandbox
) -> None:
    done = run(
        tmp_path,
        "--team",
        TEAM_ID,
        "--now",
        DATABASE_URL=database,
        SLACK_BOT_TOKEN=sandbox.BOT_TOKEN,
        SLACK_API_URL=sandbox.api_url,
    )
    assert done.returncode == 0, done.stderr
    assert "posted to C0LEADS" in done.stdout
    assert len(sandbox.messages("C0LEADS")) == 1


def test_clear_errors(tmp_path: Path, database: str, sandbox: SlackSandbox) -> None:
    unknown = run(
        tmp_path,
        "--team",
        "T0NOBODY",
        "--preview",
        DATABASE_URL=database,
        SLACK_BOT_TOKEN=sandbox.BOT_TOKEN,
        SLACK_API_URL=sandbox.api_url,
    )
    assert unknown.returncode == 1 and "no workspace 'T0NOBODY'" in unknown.stderr
    no_token = run(tmp_path, "--team", TEAM_ID, "--now", DATABASE_URL=database)
    assert no_token.returncode == 2 and "SLACK_BOT_TOKEN" in no_token.stderr
    assert "Traceback" not in unknown.stderr + no_token.stderr
    missing = run(tmp_path, "--preview", DATABASE_URL=database)
    assert missing.returncode == 2 and "--team" in missing.stderr


def test_preview_without_a_bot_token_keeps_themes_and_says_what_is_missing(
    tmp_path: Path, database: str
) -> None:
    """No token, no OAuth: the preview quotes nobody (people can't be listed) but still
    shows the themes, and says so in one plain line, without a traceback."""
    engine = make_engine(database)
    now = datetime.now(UTC)
    with Session(engine) as session:
        workspace = session.exec(select(Workspace)).one()
        deck = Asset(
            workspace_id=workspace.id or 0,
            number=1,
            handle="PD-1",
            title="Q3 deck",
            url="https://example.com/pricing",
            url_key="example.com/pricing",
            added_by="U0MKT1",
        )
        session.add(deck)
        session.flush()
        for i, text in enumerate(
            (
                "The pricing tiers answer the budget question customers ask first",
                "Customers liked the discount table, it closed the pricing talk fast",
                "Clear on price per seat, the tiers made renewals easy",
            )
        ):
            session.add(
                Comment(
                    workspace_id=workspace.id or 0,
                    asset_id=deck.id,
                    user_id=f"U0REP{i + 1}",
                    text=text,
                    value=VoteValue.USEFUL,
                    source=Source.MODAL,
                    created_at=now - timedelta(hours=i + 1),
                )
            )
        session.commit()
    engine.dispose()
    done = run(tmp_path, "--team", TEAM_ID, "--preview", DATABASE_URL=database)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "no Slack token" in done.stderr and "SLACK_BOT_TOKEN" in done.stderr
    assert "• *Pricing* — 3 comments" in done.stdout  # the theme, from the taxonomy
    # Fails closed: without the list of people nothing is quoted.
    assert "budget question" not in done.stdout and "discount table" not in done.stdout
