"""The resumer finishes launch submissions left PREPARING, backs off, and gives up out loud."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.db import session_scope_for
from core.settings import Settings
from domain.launch import CollateralLine, LaunchForm
from models import Campaign, CampaignStatus, OutboxMessage
from sandbox import SlackSandbox
from services import launches
from services.slack_clients import SlackClients
from tests.support.workspaces import workspace_ref
from workers.launches import GIVE_UP_S, SubmissionResumer

MARKETER = "U0MKT1"


class Wakes:
    """Counts the resumer's wake-ups of the delivery worker."""

    def __init__(self) -> None:
        self.count = 0

    def wake(self) -> None:
        self.count += 1


def submitted(engine: Engine, *, age: timedelta) -> int:
    """A launch stored by its submission (PREPARING) `age` ago, never finished."""
    form = LaunchForm(
        name="Left behind",
        summary="Summary",
        channel_ids=("C0SALES",),
        collateral=(CollateralLine(url="https://e.com/deck", title="Deck"),),
        launch_date=datetime.now(UTC).date() - timedelta(days=1),
        ask="",
    )
    with session_scope_for(engine)() as session:
        campaign_id = launches.create_campaign(
            session=session,
            workspace=workspace_ref(session, "T0SANDBOX"),
            marketer_id=MARKETER,
            form=form,
            timezone="UTC",
        )
        session.execute(
            sa.update(Campaign)
            .where(col(Campaign.id) == campaign_id)
            .values(created_at=datetime.now(UTC) - age)
        )
        session.commit()
    return campaign_id


def resumer(engine: Engine, sandbox: SlackSandbox, wakes: Wakes) -> SubmissionResumer:
    db = session_scope_for(engine)
    settings = Settings(slack_bot_token=sandbox.BOT_TOKEN, slack_api_url=sandbox.api_url)
    return SubmissionResumer(
        db=db,
        clients=SlackClients(settings=settings, db=db, store=None),
        http=httpx.Client(),
        scheduler=BackgroundScheduler(),
        worker=wakes,
        allow_private=True,
        grace_s=2,
    )


def notices(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "notice")))


def test_an_interrupted_submission_is_finished_once_and_a_fresh_one_left_alone(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    stale = submitted(engine, age=timedelta(seconds=30))
    fresh = submitted(engine, age=timedelta(seconds=0))  # its own process is still on it
    wakes = Wakes()
    r = resumer(engine, sandbox, wakes)
    assert r.resume_once() == 1
    assert r.resume_once() == 0  # finishing is idempotent: nothing is queued twice
    with Session(engine) as session:
        assert session.get(Campaign, stale).status == CampaignStatus.POSTING  # type: ignore[union-attr]
        assert session.get(Campaign, fresh).status == CampaignStatus.PREPARING  # type: ignore[union-attr]
        queued = session.exec(
            select(OutboxMessage.kind).where(OutboxMessage.campaign_id == stale)
        ).all()
    assert sorted(queued) == ["announcement", "asset_reply"]
    assert wakes.count == 1
    assert [c.params["user"] for c in sandbox.calls("users.info")] == [MARKETER]


def test_slack_failing_backs_off_then_the_launch_is_given_up_and_its_marketer_told(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    young = submitted(engine, age=timedelta(seconds=30))
    sandbox.fail_next("users.info", error="fatal_error", times=2)
    wakes = Wakes()
    r = resumer(engine, sandbox, wakes)
    assert r.resume_once() == 0
    assert r.resume_once() == 0  # backing off: Slack is not asked again at once
    assert len(sandbox.calls("users.info")) == 1
    with Session(engine) as session:
        assert session.get(Campaign, young).status == CampaignStatus.PREPARING  # type: ignore[union-attr]
    assert notices(engine) == []

    old = submitted(engine, age=timedelta(seconds=GIVE_UP_S + 60))
    assert r.resume_once() == 0
    with Session(engine) as session:
        assert session.get(Campaign, old) is None  # dropped, with its marketer's note
        assert session.get(Campaign, young) is not None
    [note] = notices(engine)
    assert note.channel_id == MARKETER
    text = json.loads(note.payload)["text"]
    assert "Left behind" in text and "wasn't announced" in text and "fatal_error" in text
    assert wakes.count == 1
