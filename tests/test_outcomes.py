"""Launches and questions are stored before their acknowledgement and always reach an outcome.

Real processes (`bot.py serve`) against the sandbox: a launch or a question acknowledged
and then SIGKILLed before it was posted is posted exactly once after a restart, and the
person is told; in-process: a question Slack refuses for good is closed and its asker
told, a transient refusal is retried, a launch refused by who may launch is dropped and
its marketer told.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from blocks.ids import Ids
from blocks.launch import launch_metadata
from core.db import make_engine
from domain.launch import LaunchField
from models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus, Question, utcnow
from sandbox import SlackDriver, SlackSandbox
from sandbox.constants import TEAM_ID
from sandbox.payloads import view_submission
from services.home import home_data
from tests.support.databases import rows
from tests.support.launching import MARKETER, state, submit
from tests.support.processes import bot_serve
from tests.support.serving import SIGNING_SECRET
from tests.support.waiting import wait_until
from tests.support.workspaces import workspace_ref

LOCK_S = "2"  # a dead process's claims (and submissions) are taken over this soon
ASKER = "U0REP1"
QUESTION = "Does the new tier apply to renewals?"


def settled(engine: Engine) -> bool:
    """Nothing left in the outbox to send."""
    with Session(engine) as session:
        waiting = session.exec(
            select(sa.func.count())
            .select_from(OutboxMessage)
            .where(sa.column("status").in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
        ).one()
    return waiting == 0


def announcements(sandbox: SlackSandbox, channel: str = "C0SALES") -> list[dict[str, Any]]:
    """Liaison's top-level posts in a channel (each carries its outbox metadata)."""
    return sandbox.find_messages(channel, event_type="liaison_outbox")


def dms(sandbox: SlackSandbox, user: str) -> list[str]:
    """The texts of the private notes Liaison posted to a person."""
    return [
        str(c.params.get("text", ""))
        for c in sandbox.calls("chat.postMessage")
        if c.ok and c.params.get("channel") == user
    ]


def thread_questions(sandbox: SlackSandbox, parent_ts: str) -> list[dict[str, Any]]:
    """The question posts in an announcement's thread."""
    return [
        m
        for m in sandbox.replies("C0SALES", parent_ts)
        if m["ts"] != parent_ts and "Question from" in str(m.get("text", ""))
    ]


def ask(slack: SlackDriver, campaign_id: int, thread_ts: str, text: str = QUESTION) -> Any:
    """Submit the "Ask a question" modal exactly as Slack would."""
    metadata = {"campaign_id": campaign_id, "channel_id": "C0SALES", "thread_ts": thread_ts}
    return slack.interactive(
        view_submission(
            user_id=ASKER,
            callback_id=Ids.QUESTION_MODAL,
            private_metadata=json.dumps(metadata),
            state_values={
                "question_text": {"question_text": {"type": "plain_text_input", "value": text}}
            },
        )
    )


def launched(engine: Engine, sandbox: SlackSandbox) -> tuple[int, str]:
    """The one campaign, once its announcement is posted: (campaign id, announcement ts)."""
    wait_until(lambda: len(announcements(sandbox)) == 1 and settled(engine), 30, "the launch")
    [campaign] = rows(engine, Campaign)
    return campaign.id, announcements(sandbox)[0]["ts"]


# ---------------------------------------------------------------- killed between ack and post


@pytest.mark.slow
def test_a_launch_killed_after_its_ack_is_posted_once_after_restart_and_the_marketer_told(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    # users.info is what the work after the ack waits on (a rate-limited Slack, here a slow one).
    sandbox.set_latency("users.info", 30)
    engine = make_engine(database_url)
    try:
        with bot_serve(sandbox, database_url, tmp_path, LIAISON_DELIVERY_LOCK_SECONDS=LOCK_S) as (
            process,
            base,
        ):
            with SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack:
                started = time.monotonic()
                response = submit(slack, state(name="Spring bundle"))
                acked_in = time.monotonic() - started
            # Acknowledged at once (nothing slow before the 200), and stored by then.
            assert response.status_code == 200 and response.content in (b"", b"{}"), response
            assert acked_in < 3, acked_in
            [stored] = rows(engine, Campaign)
            assert stored.name == "Spring bundle"
            assert stored.status == CampaignStatus.PREPARING
            process.send_signal(signal.SIGKILL)
            process.wait(10)
        assert announcements(sandbox) == [] and dms(sandbox, MARKETER) == []

        sandbox.set_latency("users.info", 0)
        with bot_serve(sandbox, database_url, tmp_path, LIAISON_DELIVERY_LOCK_SECONDS=LOCK_S):
            wait_until(lambda: dms(sandbox, MARKETER) != [], 60, "the marketer's note")
            wait_until(lambda: settled(engine), 30, "every message to be settled")
        [post] = announcements(sandbox)
        assert "Spring bundle" in str(post.get("text", "")) + json.dumps(post.get("blocks"))
        [note] = dms(sandbox, MARKETER)
        assert "Announced" in note and "Spring bundle" in note
        [campaign] = rows(engine, Campaign)
        assert campaign.status == CampaignStatus.POSTED
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_launch_whose_users_info_is_rate_limited_survives_a_sigterm_and_is_posted_once(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    # The case: users.info rate limited (longer than a listener waits), then a
    # routine SIGTERM. The first process holds its submissions longer than it lives.
    sandbox.fail_next("users.info", status=429, retry_after=30)
    engine = make_engine(database_url)
    try:
        with bot_serve(sandbox, database_url, tmp_path, LIAISON_DELIVERY_LOCK_SECONDS="60") as (
            process,
            base,
        ):
            with SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack:
                response = submit(slack, state(name="Summer bundle"))
            assert response.status_code == 200
            # The launch's users.info is refused (waited for by its status: a stray call, e.g.
            # from a process of the previous test still exiting, may be recorded first).
            wait_until(
                lambda: 429 in [c.status for c in sandbox.calls("users.info")],
                15,
                "the launch's rate-limited users.info",
            )
            process.send_signal(signal.SIGTERM)
            assert process.wait(20) == 0
        [stored] = rows(engine, Campaign)
        assert stored.status == CampaignStatus.PREPARING
        # Nothing posted, and no error sent: the launch is not failed, only not finished.
        assert announcements(sandbox) == [] and dms(sandbox, MARKETER) == []

        with bot_serve(sandbox, database_url, tmp_path, LIAISON_DELIVERY_LOCK_SECONDS=LOCK_S):
            wait_until(lambda: dms(sandbox, MARKETER) != [], 60, "the marketer's note")
            wait_until(lambda: settled(engine), 30, "every message to be settled")
        [post] = announcements(sandbox)
        assert "Summer bundle" in json.dumps(post.get("blocks"))
        [note] = dms(sandbox, MARKETER)
        assert "Announced" in note and "Summer bundle" in note
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_question_killed_after_its_ack_is_posted_once_after_restart(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    try:
        with bot_serve(sandbox, database_url, tmp_path, LIAISON_DELIVERY_LOCK_SECONDS=LOCK_S) as (
            process,
            base,
        ):
            with SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack:
                submit(slack, state())
                campaign_id, parent_ts = launched(engine, sandbox)
                # Slack rate-limits the question's post: the kill lands before it is retried.
                refused_before = len(sandbox.calls("chat.postMessage"))
                sandbox.fail_next("chat.postMessage", status=429, retry_after=5)
                response = ask(slack, campaign_id, parent_ts)
                assert response.status_code == 200 and response.content in (b"", b"{}")
                [question] = rows(engine, Question)  # stored by the time of the 200
                assert question.text == QUESTION and question.ts is None
            wait_until(
                lambda: any(
                    c.status == 429 for c in sandbox.calls("chat.postMessage")[refused_before:]
                ),
                30,
                "the question's first (refused) post",
            )
            process.send_signal(signal.SIGKILL)
            process.wait(10)
        assert thread_questions(sandbox, parent_ts) == []

        with bot_serve(sandbox, database_url, tmp_path, LIAISON_DELIVERY_LOCK_SECONDS=LOCK_S):
            wait_until(lambda: thread_questions(sandbox, parent_ts) != [], 60, "the question")
            wait_until(lambda: rows(engine, Question)[0].ts is not None, 30, "its ts recorded")
            wait_until(lambda: settled(engine), 30, "every message to be settled")
        [posted] = thread_questions(sandbox, parent_ts)
        [question] = rows(engine, Question)
        assert posted["ts"] == question.ts and QUESTION in str(posted.get("text", ""))
        assert question.closed_at is None and question.answered_at is None  # open, as asked
    finally:
        engine.dispose()


# ---------------------------------------------------------------- outcomes, in process


def test_a_question_slack_refuses_for_good_is_closed_and_its_asker_told(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    submit(slack, state())
    campaign_id, parent_ts = launched(engine, sandbox)
    sandbox.fail_next("chat.postMessage", error="is_archived")
    assert ask(slack, campaign_id, parent_ts).status_code == 200
    wait_until(lambda: rows(engine, Question)[0].closed_at is not None, 15, "the question closed")
    wait_until(lambda: dms(sandbox, ASKER) != [], 15, "the asker's note")
    wait_until(lambda: settled(engine), 15, "every message to be settled")
    [question] = rows(engine, Question)
    assert question.ts is None and question.answered_at is None
    assert question.error == "the channel is archived"
    [note] = dms(sandbox, ASKER)
    assert "couldn't be posted" in note and "archived" in note
    assert thread_questions(sandbox, parent_ts) == []
    # Closed: the marketer's App Home no longer lists it, nor counts it as open.
    with Session(engine) as session:
        home = home_data(
            session=session,
            workspace=workspace_ref(session, TEAM_ID),
            user_id=MARKETER,
            now=utcnow(),
        )
    assert home.questions == []
    assert [c.open_questions for c in home.campaigns] == [0]


def test_a_question_post_refused_for_now_is_retried_and_posted_once(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    submit(slack, state())
    campaign_id, parent_ts = launched(engine, sandbox)
    sandbox.fail_next("chat.postMessage", status=503)
    assert ask(slack, campaign_id, parent_ts).status_code == 200
    wait_until(lambda: thread_questions(sandbox, parent_ts) != [], 30, "the question")
    wait_until(lambda: settled(engine), 15, "every message to be settled")
    [posted] = thread_questions(sandbox, parent_ts)
    [question] = rows(engine, Question)
    assert question.ts == posted["ts"] and question.closed_at is None
    assert dms(sandbox, ASKER) == []


def test_a_launch_refused_after_its_ack_is_dropped_and_its_marketer_told(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    # The policy changed while the form was open: only U0MKT2 may launch now.
    slack.command("/liaison", "launchers add <@U0MKT2>", user_id="UADMIN")
    wait_until(lambda: sandbox.responses() != [], 15, "the policy change")
    assert submit(slack, state(name="Too late")).status_code == 200
    wait_until(lambda: dms(sandbox, MARKETER) != [], 15, "the marketer's note")
    wait_until(lambda: settled(engine), 15, "every message to be settled")
    [note] = dms(sandbox, MARKETER)
    assert "Too late" in note and "wasn't announced" in note
    assert rows(engine, Campaign) == []
    assert announcements(sandbox) == []


def test_an_edit_is_stored_by_the_time_of_its_ack_and_only_its_marketer_may(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    submit(slack, state())
    campaign_id, _ = launched(engine, sandbox)
    values = state(name="Renamed launch", summary="Updated tiers.")
    for field in (LaunchField.CHANNELS, LaunchField.COLLATERAL):
        values.pop(str(field))

    def edit(user: str) -> Any:
        return slack.interactive(
            view_submission(
                user_id=user,
                callback_id=Ids.EDIT_LAUNCH_MODAL,
                private_metadata=launch_metadata(campaign_id, "America/New_York"),
                state_values=values,
            )
        )

    # Someone else's (forged) edit: the modal closes, they are told why, nothing changes.
    assert edit(ASKER).status_code == 200
    wait_until(lambda: dms(sandbox, ASKER) != [], 15, "the refusal")
    assert "Only" in dms(sandbox, ASKER)[0]
    assert rows(engine, Campaign)[0].name == "Q3 pricing refresh"
    # The marketer's edit is committed before the 200 comes back.
    assert edit(MARKETER).status_code == 200
    assert rows(engine, Campaign)[0].name == "Renamed launch"
    wait_until(
        lambda: "Renamed launch" in json.dumps(announcements(sandbox)[0].get("blocks")),
        15,
        "the announcement's update",
    )


def test_a_question_on_a_launch_deleted_meanwhile_is_refused_on_the_form(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    submit(slack, state())
    campaign_id, parent_ts = launched(engine, sandbox)
    answer = ask(slack, campaign_id + 1000, parent_ts)
    assert answer.status_code == 200
    assert answer.json() == {
        "response_action": "errors",
        "errors": {"question_text": "That launch is no longer in Liaison."},
    }
    assert rows(engine, Question) == []
