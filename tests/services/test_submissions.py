"""The launch modals' use cases without Bolt: stored before they are accepted, then finished."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import session_scope_for
from domain.launch import CollateralLine, LaunchField, LaunchForm
from models import Campaign, CampaignStatus, OutboxMessage, Question
from sandbox import SlackSandbox
from services.errors import UserError
from services.scheduling import launch_job_id
from services.submissions import DATE_FIXED, GONE, submit_edit, submit_launch, submit_question
from tests.support.workspaces import workspace_ref

TEAM = SlackSandbox.TEAM_ID
MARKETER = "U0MKT1"
TZ = "America/New_York"


class Recorder:
    """Stands in for Bolt's ack, the delivery worker and the home refresher."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.accepted_with: list[list[Campaign]] = []
        self.wakes = 0
        self.refreshed: list[tuple[str, str]] = []

    def accept(self) -> None:
        # What a second connection sees at that moment: the rows are committed.
        with Session(self.engine) as session:
            self.accepted_with.append(list(session.exec(select(Campaign)).all()))

    def wake(self) -> None:
        self.wakes += 1

    def refresh(self, team_id: str, user_id: str) -> None:
        self.refreshed.append((team_id, user_id))


def form(*, day: date, name: str = "Spring") -> LaunchForm:
    return LaunchForm(
        name=name,
        summary="What launches and why it matters",
        channel_ids=("C0SALESWEST",),
        collateral=(CollateralLine(url="https://e.com/deck", title="Spring deck"),),
        launch_date=day,
        ask="",
    )


def launch(
    engine: Engine, client: WebClient, recorder: Recorder, scheduler: BackgroundScheduler, day: date
) -> int:
    with httpx.Client() as http:
        return submit_launch(
            client=client,
            db=session_scope_for(engine),
            http=http,
            allow_private=False,
            scheduler=scheduler,
            worker=recorder,
            workspace=workspace_ref(engine, TEAM),
            marketer_id=MARKETER,
            form=form(day=day),
            timezone=TZ,
            accept=recorder.accept,
            now=datetime.now(UTC),
        )


def campaign(engine: Engine, campaign_id: int) -> Campaign:
    with Session(engine) as session:
        found = session.get(Campaign, campaign_id)
        assert found is not None
        return found


def test_a_launch_is_stored_before_it_is_accepted_then_queued(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    recorder = Recorder(engine)
    client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url=sandbox.api_url)
    scheduler = BackgroundScheduler()
    today = datetime.now(UTC).date()
    campaign_id = launch(engine, client, recorder, scheduler, today - timedelta(days=1))
    [seen] = recorder.accepted_with
    assert [(c.id, c.status) for c in seen] == [(campaign_id, CampaignStatus.PREPARING)]
    assert campaign(engine, campaign_id).status != CampaignStatus.PREPARING
    with Session(engine) as session:
        kinds = {m.kind for m in session.exec(select(OutboxMessage)).all()}
    assert "announcement" in kinds
    assert recorder.wakes == 1
    assert scheduler.get_job(launch_job_id(campaign_id)) is None


def test_a_launch_for_a_later_day_gets_its_launch_job(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    recorder = Recorder(engine)
    client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url=sandbox.api_url)
    scheduler = BackgroundScheduler()
    campaign_id = launch(
        engine, client, recorder, scheduler, datetime.now(UTC).date() + timedelta(days=5)
    )
    assert campaign(engine, campaign_id).status == CampaignStatus.SCHEDULED
    assert scheduler.get_job(launch_job_id(campaign_id)) is not None
    assert recorder.wakes == 1


def test_a_launch_stays_stored_for_the_resumer_when_slack_is_unreachable(engine: Engine) -> None:
    recorder = Recorder(engine)
    # Nothing listens on port 9 of the loopback: users.info fails after the acceptance.
    client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url="http://127.0.0.1:9/api/")
    scheduler = BackgroundScheduler()
    campaign_id = launch(engine, client, recorder, scheduler, datetime.now(UTC).date())
    assert len(recorder.accepted_with) == 1
    assert campaign(engine, campaign_id).status == CampaignStatus.PREPARING
    assert recorder.wakes == 0


def scheduled_campaign(engine: Engine, sandbox: SlackSandbox, recorder: Recorder) -> int:
    client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url=sandbox.api_url)
    day = datetime.now(UTC).date() + timedelta(days=5)
    campaign_id = launch(engine, client, recorder, BackgroundScheduler(), day)
    recorder.accepted_with.clear()
    recorder.wakes = 0
    return campaign_id


def edit_values(name: str, day: date) -> dict[str, dict[str, object]]:
    return {
        LaunchField.NAME: {LaunchField.NAME: {"type": "plain_text_input", "value": name}},
        LaunchField.SUMMARY: {
            LaunchField.SUMMARY: {"type": "plain_text_input", "value": "New words"}
        },
        LaunchField.DATE: {
            LaunchField.DATE: {"type": "datepicker", "selected_date": day.isoformat()}
        },
        LaunchField.ASK: {LaunchField.ASK: {"type": "plain_text_input", "value": ""}},
    }


def edit(engine: Engine, recorder: Recorder, campaign_id: int, **kwargs: object) -> object:
    values = kwargs.pop("values")
    return submit_edit(
        db=session_scope_for(engine),
        scheduler=kwargs.pop("scheduler", BackgroundScheduler()),
        worker=recorder,
        workspace=workspace_ref(engine, TEAM),
        campaign_id=campaign_id,
        editor_id=kwargs.pop("editor_id", MARKETER),  # type: ignore[arg-type]
        values=values,  # type: ignore[arg-type]
        timezone=TZ,
        accept=recorder.accept,
        now=datetime.now(UTC),
    )


def test_an_edit_is_saved_then_accepted_and_its_job_moved(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    recorder = Recorder(engine)
    campaign_id = scheduled_campaign(engine, sandbox, recorder)
    later = datetime.now(UTC).date() + timedelta(days=9)
    scheduler = BackgroundScheduler()
    result = edit(
        engine, recorder, campaign_id, values=edit_values("Summer", later), scheduler=scheduler
    )
    assert result is None
    [seen] = recorder.accepted_with
    assert [c.name for c in seen] == ["Summer"]  # committed before the acceptance
    assert campaign(engine, campaign_id).launch_date == later
    assert scheduler.get_job(launch_job_id(campaign_id)) is not None
    assert recorder.wakes == 1


def test_an_edit_of_a_missing_launch_or_a_bad_form_is_not_accepted(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    recorder = Recorder(engine)
    campaign_id = scheduled_campaign(engine, sandbox, recorder)
    day = datetime.now(UTC).date() + timedelta(days=3)
    gone = edit(engine, recorder, campaign_id + 1000, values=edit_values("Summer", day))
    assert gone == {LaunchField.NAME: GONE}
    bad = edit(engine, recorder, campaign_id, values=edit_values("", day))
    assert isinstance(bad, dict) and LaunchField.NAME in bad
    assert recorder.accepted_with == []
    assert campaign(engine, campaign_id).name == "Spring"


def test_an_announced_launch_keeps_its_date(engine: Engine, sandbox: SlackSandbox) -> None:
    recorder = Recorder(engine)
    client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url=sandbox.api_url)
    today = datetime.now(UTC).date()
    campaign_id = launch(engine, client, recorder, BackgroundScheduler(), today - timedelta(days=1))
    recorder.accepted_with.clear()
    result = edit(
        engine, recorder, campaign_id, values=edit_values("Spring", today + timedelta(days=2))
    )
    assert result == {LaunchField.DATE: DATE_FIXED}
    assert recorder.accepted_with == []


def test_an_edit_by_someone_else_is_accepted_then_refused(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    recorder = Recorder(engine)
    campaign_id = scheduled_campaign(engine, sandbox, recorder)
    day = datetime.now(UTC).date() + timedelta(days=4)
    with pytest.raises(UserError, match="who launched it"):
        edit(engine, recorder, campaign_id, values=edit_values("Mine", day), editor_id="U0REP1")
    assert len(recorder.accepted_with) == 1  # the modal closes; the reason goes privately
    assert campaign(engine, campaign_id).name == "Spring"
    assert recorder.wakes == 0


def test_a_question_is_stored_then_accepted_and_the_marketer_refreshed(
    engine: Engine, sandbox: SlackSandbox
) -> None:
    recorder = Recorder(engine)
    campaign_id = scheduled_campaign(engine, sandbox, recorder)
    asked: list[int] = []

    def accept() -> None:
        with Session(engine) as session:
            asked.extend(q.campaign_id for q in session.exec(select(Question)).all())

    refused = submit_question(
        db=session_scope_for(engine),
        homes=recorder,
        worker=recorder,
        workspace=workspace_ref(engine, TEAM),
        campaign_id=campaign_id,
        asker_id="U0REP1",
        text="Does it ship in Europe?",
        channel_id="C0SALESWEST",
        thread_ts="1700000000.000100",
        accept=accept,
    )
    assert refused is None
    assert asked == [campaign_id]
    assert recorder.wakes == 1
    assert recorder.refreshed == [(TEAM, MARKETER)]


def test_a_question_about_a_deleted_launch_is_refused(engine: Engine) -> None:
    recorder = Recorder(engine)
    refused = submit_question(
        db=session_scope_for(engine),
        homes=recorder,
        worker=recorder,
        workspace=workspace_ref(engine, TEAM),
        campaign_id=4242,
        asker_id="U0REP1",
        text="Still there?",
        channel_id="C0SALESWEST",
        thread_ts="1700000000.000100",
        accept=recorder.accept,
    )
    assert refused is not None and "no longer" in refused
    assert recorder.accepted_with == []
    assert recorder.wakes == 0
