"""The scheduled digest posts once per workspace and period, across instances and crashes."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import make_engine
from models import DigestRun, OutboxMessage
from sandbox import SlackSandbox
from services import digest_runs
from tests.support.digests import LEADS, seed
from tests.support.processes import bot_serve
from tests.support.serving import make_settings, serve_app
from tests.support.waiting import wait_until
from tests.support.workspaces import ref_by_id


def digests(sandbox: SlackSandbox) -> list[dict[str, Any]]:
    """Digest messages posted in the leads channel."""
    return [m for m in sandbox.messages(LEADS) if "digest" in str(m.get("text", "")).lower()]


def runs(engine: Engine) -> list[DigestRun]:
    with Session(engine) as session:
        return list(session.exec(select(DigestRun)).all())


def test_claim_is_taken_once(sandbox: SlackSandbox, engine: Engine) -> None:
    workspace_id = seed(engine)
    with Session(engine) as session:
        settings = digest_runs.digest_settings(
            session=session, workspace=ref_by_id(session, workspace_id)
        )
        assert settings is not None
        period = digest_runs.period_for_schedule(settings, datetime.now(UTC))
        message: dict[str, object] = {"text": "Weekly digest", "blocks": []}
        first = digest_runs.claim_and_queue(
            session=session, settings=settings, period=period, message=message, claimed_by="a"
        )
        second = digest_runs.claim_and_queue(
            session=session, settings=settings, period=period, message=message, claimed_by="b"
        )
    assert (first, second) == (True, False)
    with Session(engine) as session:
        queued = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
    assert len(queued) == 1 and len(runs(engine)) == 1


def test_crash_after_the_claim_is_recovered_by_the_next_start(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    workspace_id = seed(engine)
    # The job claimed and queued the digest, then the process died before posting it.
    with Session(engine) as session:
        settings = digest_runs.digest_settings(
            session=session, workspace=ref_by_id(session, workspace_id)
        )
        assert settings is not None
        period = digest_runs.period_for_schedule(settings, datetime.now(UTC))
        digest_runs.claim_and_queue(
            session=session,
            settings=settings,
            period=period,
            message={"text": "Weekly digest (recovered)", "blocks": []},
            claimed_by="crashed",
        )
    with serve_app(make_settings(sandbox, database_url), engine):
        wait_until(lambda: len(digests(sandbox)) == 1, 20, "the queued digest")
        time.sleep(1.5)  # the start-up catch-up finds the claim and posts nothing more
    with serve_app(make_settings(sandbox, database_url), engine):
        time.sleep(1.5)
    assert len(digests(sandbox)) == 1
    assert "recovered" in digests(sandbox)[0]["text"]


def test_missed_run_posts_once_on_restart(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    seed(engine, hours_since_fire=30)  # due yesterday, while the app was down
    with serve_app(make_settings(sandbox, database_url), engine):
        wait_until(lambda: len(digests(sandbox)) == 1, 30, "the caught-up digest")
    with serve_app(make_settings(sandbox, database_url), engine):
        time.sleep(2)
    assert len(digests(sandbox)) == 1 and len(runs(engine)) == 1


def test_a_schedule_set_after_the_last_run_waits_for_the_next(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    workspace_id = seed(engine, hours_since_fire=30, configured_days_ago=0.5)
    with serve_app(make_settings(sandbox, database_url), engine) as served:
        time.sleep(2)
        job = served.runtime.scheduler.get_job(f"digest-{workspace_id}")
        assert job is not None and job.next_run_time > datetime.now(UTC)
    assert digests(sandbox) == [] and runs(engine) == []


@pytest.mark.slow
def test_two_instances_on_postgresql_post_one_digest(
    sandbox: SlackSandbox, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_migrated")
    from tests.support.databases import truncate_postgres

    truncate_postgres(url)
    engine = make_engine(url)
    try:
        seed(engine)
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
        with (
            bot_serve(sandbox, url, tmp_path / "a") as _one,
            bot_serve(sandbox, url, tmp_path / "b") as _two,
        ):
            wait_until(lambda: len(digests(sandbox)) >= 1, 40, "a digest from either instance")
            time.sleep(3)  # both instances' catch-ups and workers have had their go
            assert len(digests(sandbox)) == 1
        assert len(runs(engine)) == 1
        with Session(engine) as session:
            queued = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
        assert [m.status for m in queued] == ["sent"]
    finally:
        engine.dispose()
