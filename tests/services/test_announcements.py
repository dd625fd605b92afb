"""Clicks on a launch announcement as use cases, without Bolt (services.announcements)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import session_scope_for
from domain.launch import CollateralLine, LaunchForm
from models import AnnouncementPost, Question
from sandbox import SlackSandbox
from services import launches
from services.announcements import (
    confirm_ready,
    mark_answered,
    start_edit,
    start_feedback,
    start_question,
)
from services.errors import UserError
from tests.support.workspaces import workspace_ref

TEAM = SlackSandbox.TEAM_ID
MARKETER = "U0MKT1"
REP = "U0REP1"
CHANNEL = "C0SALESWEST"
TS = "1700000000.000100"


class Recorder:
    """Stands in for the delivery worker and the home refresher."""

    def __init__(self) -> None:
        self.wakes = 0
        self.refreshed: set[tuple[str, str]] = set()

    def wake(self) -> None:
        self.wakes += 1

    def refresh(self, team_id: str, user_id: str) -> None:
        self.refreshed.add((team_id, user_id))


def announced(engine: Engine, *, assets: int = 1) -> int:
    """A campaign whose announcement in CHANNEL was posted as TS."""
    collateral = tuple(
        CollateralLine(url=f"https://e.com/{i}", title=f"Deck {i}") for i in range(assets)
    )
    form = LaunchForm(
        name="Spring",
        summary="Summary",
        channel_ids=(CHANNEL,),
        collateral=collateral,
        launch_date=datetime.now(UTC).date() + timedelta(days=3),
        ask="",
    )
    scope = session_scope_for(engine)
    with scope() as session:
        campaign_id = launches.create_campaign(
            session=session,
            workspace=workspace_ref(session, TEAM),
            marketer_id=MARKETER,
            form=form,
            timezone="UTC",
        )
    with scope() as session:
        prepared = launches.prepare_campaign(
            session=session, campaign_id=campaign_id, titles={}, now=datetime.now(UTC)
        )
        assert prepared is not None
    with scope() as session:
        post = session.exec(
            select(AnnouncementPost).where(AnnouncementPost.campaign_id == campaign_id)
        ).one()
        post.ts = TS
        session.add(post)
        session.commit()
    return campaign_id


def test_got_it_counts_once_and_refreshes_both_homes(engine: Engine) -> None:
    campaign_id = announced(engine)
    recorder = Recorder()
    kwargs = {
        "db": session_scope_for(engine),
        "worker": recorder,
        "homes": recorder,
        "workspace": workspace_ref(engine, TEAM),
        "campaign_id": campaign_id,
        "user_id": REP,
        "channel_id": CHANNEL,
        "ts": TS,
    }
    assert confirm_ready(**kwargs) is True  # type: ignore[arg-type]
    assert confirm_ready(**kwargs) is False  # type: ignore[arg-type]
    assert recorder.wakes == 2
    assert recorder.refreshed == {(TEAM, REP), (TEAM, MARKETER)}
    with pytest.raises(UserError, match="doesn't belong"):
        confirm_ready(**{**kwargs, "ts": "1700000000.000999"})  # type: ignore[arg-type]


def test_the_feedback_form_preselects_a_single_asset(engine: Engine) -> None:
    scope = session_scope_for(engine)
    one = start_feedback(
        db=scope, workspace=workspace_ref(engine, TEAM), campaign_id=announced(engine)
    )
    assert (one.campaign_name, one.only is not None) == ("Spring", True)
    two = start_feedback(
        db=scope, workspace=workspace_ref(engine, TEAM), campaign_id=announced(engine, assets=2)
    )
    assert two.only is None
    with pytest.raises(UserError, match="no longer"):
        start_feedback(
            db=scope, workspace=workspace_ref(engine, "TOTHER"), campaign_id=two.campaign_id or 0
        )


def test_a_question_form_names_its_campaign(engine: Engine) -> None:
    scope = session_scope_for(engine)
    assert (
        start_question(
            db=scope, workspace=workspace_ref(engine, TEAM), campaign_id=announced(engine)
        )
        == "Spring"
    )
    with pytest.raises(UserError, match="no longer"):
        start_question(db=scope, workspace=workspace_ref(engine, TEAM), campaign_id=4242)


def test_only_the_marketer_marks_a_question_answered(engine: Engine) -> None:
    campaign_id = announced(engine)
    scope = session_scope_for(engine)
    with scope() as session:
        asked = launches.ask_question(
            session=session,
            workspace=workspace_ref(session, TEAM),
            campaign_id=campaign_id,
            user_id=REP,
            text="Europe?",
            channel_id=CHANNEL,
            thread_ts=TS,
        )
    recorder = Recorder()
    kwargs = {
        "db": scope,
        "homes": recorder,
        "workspace": workspace_ref(engine, TEAM),
        "question_id": asked.question_id,
    }
    with pytest.raises(UserError, match="who launched it"):
        mark_answered(**kwargs, user_id=REP, ts=None)  # type: ignore[arg-type]
    assert recorder.refreshed == set()
    question = mark_answered(**kwargs, user_id=MARKETER, ts=None)  # type: ignore[arg-type]
    assert question.answered_by == MARKETER
    assert recorder.refreshed == {(TEAM, MARKETER)}
    with Session(engine) as session:
        stored = session.get(Question, asked.question_id)
        assert stored is not None and stored.answered_at is not None


def test_the_edit_form_finds_the_campaign_by_its_announcement(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    campaign_id = announced(engine)
    client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url=sandbox.api_url)
    scope = session_scope_for(engine)
    found = start_edit(
        client=client,
        db=scope,
        workspace=workspace_ref(engine, TEAM),
        user_id=MARKETER,
        message=(CHANNEL, TS),
    )
    assert found is not None and found.campaign.id == campaign_id
    assert found.timezone == "America/New_York"  # the editor's, from users.info
    other = start_edit(
        client=client,
        db=scope,
        workspace=workspace_ref(engine, TEAM),
        user_id=MARKETER,
        message=(CHANNEL, "1.000200"),
    )
    assert other is None
    with pytest.raises(UserError, match="who launched it"):
        start_edit(
            client=client,
            db=scope,
            workspace=workspace_ref(engine, TEAM),
            user_id=REP,
            campaign_id=campaign_id,
        )
