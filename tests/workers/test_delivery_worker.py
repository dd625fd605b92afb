"""Two delivery workers on one database (two processes' worth): once each, in order, paced."""

from __future__ import annotations

import itertools
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

CHANNELS = [f"C0TWO{i}" for i in range(6)]
ASSETS = 3


def launch(engine: Engine) -> int:
    scope = session_scope_for(engine)
    form = LaunchForm(
        name="Two workers",
        summary="Summary",
        channel_ids=tuple(CHANNELS),
        collateral=tuple(
            CollateralLine(url=f"https://e.com/{i}", title=f"Asset {i}") for i in range(ASSETS)
        ),
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


def worker(engine: Engine, sandbox: SlackSandbox) -> DeliveryWorker:
    db = session_scope_for(engine)
    settings = Settings(slack_bot_token=sandbox.BOT_TOKEN, slack_api_url=sandbox.api_url)
    clients = SlackClients(settings=settings, db=db, store=None, retry=False)
    return DeliveryWorker(db=db, clients=clients, lock_s=30, threads=4)


def test_two_workers_post_each_message_once_in_order_and_paced(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    for channel in CHANNELS:
        sandbox.add_channel(channel, name=channel.lower(), bot_is_member=True)
    sandbox.enforce_rate_limits(per_channel_per_second=1.0)
    campaign_id = launch(engine)
    workers = [worker(engine, sandbox), worker(engine, sandbox)]
    for w in workers:
        w.start()
    try:
        deadline = time.monotonic() + 40
        while True:
            with Session(engine) as session:
                campaign = session.get(Campaign, campaign_id)
                summaries = session.exec(
                    select(OutboxMessage).where(OutboxMessage.kind == "summary")
                ).all()
                settled = campaign is not None and campaign.status == CampaignStatus.POSTED
                if settled and summaries and all(s.status == OutboxStatus.SENT for s in summaries):
                    break
            assert time.monotonic() < deadline, "the fan-out did not finish"
            time.sleep(0.1)
    finally:
        for w in workers:
            w.stop()
    assert len(summaries) == 1
    seen: list[int] = []
    for channel in CHANNELS:
        [parent] = sandbox.find_messages(channel, event_type="liaison_outbox")
        thread = [
            m
            for m in sandbox.find_messages(
                channel, event_type="liaison_outbox", thread_ts=parent["ts"]
            )
            if m["ts"] != parent["ts"]
        ]
        assert [next(i for i in range(ASSETS) if f"Asset {i}" in m["text"]) for m in thread] == [
            0,
            1,
            2,
        ]
        seen += [m["metadata"]["event_payload"]["id"] for m in [parent, *thread]]
        times = sandbox.post_times(channel)
        # One message per second per channel, even with two workers sharing the channel.
        assert all(b - a >= 0.95 for a, b in itertools.pairwise(times)), times
    assert len(seen) == len(set(seen)) == len(CHANNELS) * (1 + ASSETS)
    # Which worker sends what is a race: one of them may take every message (it did in about
    # one run in four, before and after issue 13). What must hold whoever wins is above:
    # each message once, in order, paced; tests/test_multi_instance.py shares a larger
    # fan-out between two processes.


def test_posts_still_in_flight_when_the_worker_stops_are_recorded(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    for channel in CHANNELS:
        sandbox.add_channel(channel, name=channel.lower(), bot_is_member=True)
    sandbox.set_latency("chat.postMessage", 0.5)
    launch(engine)
    w = worker(engine, sandbox)
    w.start()

    def sending() -> int:
        with Session(engine) as session:
            rows = session.exec(select(OutboxMessage)).all()
        return sum(r.status == OutboxStatus.SENDING for r in rows)

    deadline = time.monotonic() + 10
    while sending() == 0:
        assert time.monotonic() < deadline, "nothing was claimed"
        time.sleep(0.02)
    w.stop(timeout=5)
    # The senders' outcomes are recorded by the dispatcher; once it is gone, by stop().
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert not [r for r in rows if r.status == OutboxStatus.SENDING]
    sent = {r.id for r in rows if r.status == OutboxStatus.SENT}
    posted = {
        m["metadata"]["event_payload"]["id"]
        for channel in CHANNELS
        for m in sandbox.find_messages(channel, event_type="liaison_outbox")
    }
    assert sent and sent == posted
    assert not w._busy()
