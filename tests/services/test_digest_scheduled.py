"""The scheduled digest as a use case: queued once per period, refused where it may not go."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import session_scope_for
from core.fetch import make_http_client
from models import DigestRun, OutboxMessage
from sandbox import SlackSandbox
from services.digest_runs import Scheduled, missed_digests, queue_scheduled_digest
from tests.support.digests import LEADS, seed
from tests.support.workspaces import ref_by_id


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    client = make_http_client()
    yield client
    client.close()


def queue(
    engine: Engine, sandbox: SlackSandbox, http: httpx.Client, workspace_id: int
) -> Scheduled:
    return queue_scheduled_digest(
        db=session_scope_for(engine),
        client=WebClient(token=sandbox.BOT_TOKEN, base_url=sandbox.api_url),
        http=http,
        workspace=ref_by_id(engine, workspace_id),
        now=datetime.now(UTC),
        allow_private=False,
        claimed_by="test:1",
    )


def test_a_period_is_queued_once(engine: Engine, sandbox: SlackSandbox, http: httpx.Client) -> None:
    workspace_id = seed(engine)
    assert queue(engine, sandbox, http, workspace_id) is Scheduled.QUEUED
    assert queue(engine, sandbox, http, workspace_id) is Scheduled.ALREADY_CLAIMED
    with Session(engine) as session:
        [message] = session.exec(select(OutboxMessage)).all()
        [run] = session.exec(select(DigestRun)).all()
    assert message.kind == "digest" and message.channel_id == LEADS
    assert run.workspace_id == workspace_id and run.claimed_by == "test:1"
    assert sandbox.calls("chat.postMessage") == []  # the delivery worker posts it


def test_no_channel_or_a_shared_one_queues_nothing(
    engine: Engine, sandbox: SlackSandbox, http: httpx.Client
) -> None:
    assert queue(engine, sandbox, http, 12345) is Scheduled.NO_CHANNEL
    workspace_id = seed(engine)
    sandbox.add_channel(LEADS, name="team-leads", bot_is_member=True, shared_with=("T0OTHER",))
    assert queue(engine, sandbox, http, workspace_id) is Scheduled.SHARED_REFUSED
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []
        assert session.exec(select(DigestRun)).all() == []


def test_a_run_is_missed_until_claimed(
    engine: Engine, sandbox: SlackSandbox, http: httpx.Client
) -> None:
    scope = session_scope_for(engine)
    workspace_id = seed(engine)
    [(settings, missed)] = missed_digests(db=scope, now=datetime.now(UTC))
    assert settings.workspace_id == workspace_id and missed
    queue(engine, sandbox, http, workspace_id)
    assert missed_digests(db=scope, now=datetime.now(UTC)) == [(settings, False)]


def test_a_schedule_set_after_the_last_run_misses_nothing(engine: Engine) -> None:
    seed(engine, hours_since_fire=2, configured_days_ago=1 / 24)
    [(_, missed)] = missed_digests(db=session_scope_for(engine), now=datetime.now(UTC))
    assert missed is False
