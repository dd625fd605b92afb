"""Slack's refusals, through the real worker and the sandbox: permanent ones are reported to
the marketer at once; a `rate_limited` body is waited out without using up attempts."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import session_scope_for
from core.settings import Settings
from domain.launch import CollateralLine, LaunchForm
from models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus
from sandbox import SlackSandbox
from services import launches
from services.slack_clients import SlackClients
from tests.support.workspaces import workspace_ref
from workers.delivery import DeliveryWorker

CHANNEL = "C0ERRS"


def launch(engine: Engine) -> int:
    scope = session_scope_for(engine)
    form = LaunchForm(
        name="Errors",
        summary="Summary",
        channel_ids=(CHANNEL,),
        collateral=(CollateralLine(url="https://e.com/deck", title="Deck"),),
        launch_date=datetime.now(UTC).date() - timedelta(days=1),
        ask="",
    )
    with scope() as session:
        campaign_id = launches.create_campaign(
            session=session,
            workspace=workspace_ref(session, "T0SANDBOX"),
            marketer_id="U0MKT1",
            form=form,
            timezone="UTC",
        )
    with scope() as session:
        launches.prepare_campaign(
            session=session, campaign_id=campaign_id, titles={}, now=datetime.now(UTC)
        )
    return campaign_id


def summary_when_done(engine: Engine, sandbox: SlackSandbox, *, within_s: float) -> str:
    """Run one worker until the marketer's summary is posted; returns its text."""
    db = session_scope_for(engine)
    settings = Settings(slack_bot_token=sandbox.BOT_TOKEN, slack_api_url=sandbox.api_url)
    clients = SlackClients(settings=settings, db=db, store=None, retry=False)
    worker = DeliveryWorker(db=db, clients=clients, lock_s=30, threads=2)
    worker.start()
    try:
        deadline = time.monotonic() + within_s
        while True:
            with Session(engine) as session:
                summary = session.exec(
                    select(OutboxMessage).where(OutboxMessage.kind == "summary")
                ).one_or_none()
                if summary is not None and summary.status == OutboxStatus.SENT:
                    break
            assert time.monotonic() < deadline, "the marketer was not told in time"
            time.sleep(0.05)
    finally:
        worker.stop()
    [message] = [m for m in sandbox.messages(summary.channel_id) if m["ts"] == summary.ts]
    return str(message["text"]) + str(message.get("blocks"))


def test_a_permanent_error_is_reported_to_the_marketer_at_once(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    sandbox.add_channel(CHANNEL, name="errors", bot_is_member=True)
    sandbox.fail_next("chat.postMessage", error="msg_blocks_too_long")
    campaign_id = launch(engine)
    started = time.monotonic()
    text = summary_when_done(engine, sandbox, within_s=15)
    # No backoff: the first retry alone would have waited a second.
    assert time.monotonic() - started < 5
    assert "the message is too long for Slack" in text
    posts = [c for c in sandbox.calls("chat.postMessage") if c.params.get("channel") == CHANNEL]
    assert len(posts) == 1, "a permanent error was retried"
    with Session(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None and campaign.status == CampaignStatus.POSTED
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.channel_id == CHANNEL)).all()
    assert {r.status for r in rows} == {OutboxStatus.FAILED}
    assert sandbox.messages(CHANNEL) == []


def test_a_rate_limited_body_is_waited_out_without_using_attempts(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    sandbox.add_channel(CHANNEL, name="errors", bot_is_member=True)
    sandbox.fail_next("chat.postMessage", error="rate_limited", retry_after=1, times=3)
    launch(engine)
    started = time.monotonic()
    summary_when_done(engine, sandbox, within_s=30)
    refused = [c for c in sandbox.calls("chat.postMessage") if c.response.get("error")]
    assert len(refused) == 3
    posted = sandbox.find_messages(CHANNEL, event_type="liaison_outbox")
    assert len(posted) == 1
    # Each refusal was waited out for its Retry-After (1 s) before the next try.
    assert time.monotonic() - started >= 3
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.channel_id == CHANNEL)).all()
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    # Only the successful post counted as an attempt.
    assert [r.attempts for r in rows] == [1] * len(rows)


def test_a_refused_join_does_not_hold_back_the_announcement(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    """A public channel the bot has not joined: with chat:write.public (manifest.yml) the
    post goes through although the join before it was rate-limited, using one attempt."""
    sandbox.add_channel(CHANNEL, name="errors", bot_is_member=False)
    sandbox.fail_next("conversations.join", error="rate_limited", retry_after=1)
    launch(engine)
    summary_when_done(engine, sandbox, within_s=30)
    assert [c.ok for c in sandbox.calls("conversations.join")] == [False]
    assert len(sandbox.find_messages(CHANNEL, event_type="liaison_outbox")) == 1
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.channel_id == CHANNEL)).all()
    assert len(rows) == 2 and {r.status for r in rows} == {OutboxStatus.SENT}
    assert [r.attempts for r in rows] == [1] * len(rows)
