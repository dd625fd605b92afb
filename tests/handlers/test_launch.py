"""Launches end to end: /launch, the modal, fan-out with thread replies, acks, questions, edits."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from blocks.ids import Ids
from domain.launch import LaunchField
from models import (
    Acknowledgement,
    AnnouncementPost,
    AssetMessage,
    Campaign,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
    Question,
)
from sandbox import SlackDriver, SlackSandbox, block_actions, button_action, view_submission
from sandbox.payloads import new_trigger_id
from tests.support.databases import rows
from tests.support.factories import message_text, reply_text, shown_modal
from tests.support.launching import MARKETER, TZ, state, submit, today_there
from tests.support.outbox import delivered
from tests.support.serving import Served
from tests.support.waiting import wait_until


def announcements(sandbox: SlackSandbox, channel: str) -> list[dict[str, Any]]:
    return sandbox.find_messages(channel, event_type="liaison_outbox")


def mrkdwn_texts(node: Any) -> list[str]:
    """Every mrkdwn text in a block tree (the texts Slack parses for mentions and links)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found += mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            found += mrkdwn_texts(item)
    return found


def summary_text(sandbox: SlackSandbox) -> str:
    calls = [
        c for c in sandbox.calls("chat.postMessage") if c.ok and c.params.get("channel") == MARKETER
    ]
    assert calls, "no summary was sent to the marketer"
    return message_text(
        {"text": calls[-1].params.get("text", ""), "blocks": calls[-1].json_param("blocks") or []}
    )


def test_launch_command_opens_the_modal_with_the_sales_channels(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    reply_text(
        slack.command("/liaison", "sales here", user_id="UADMIN", channel_id="C0SALES"),
        slack,
        sandbox,
    )
    response = slack.command("/launch", "Spring launch", user_id=MARKETER)
    assert response.status_code == 200
    view = shown_modal(sandbox)
    assert len(sandbox.calls("views.open")) == 1
    assert view["callback_id"] == Ids.LAUNCH_MODAL
    assert json.loads(view["private_metadata"])["tz"] == TZ
    channels = next(b for b in view["blocks"] if b.get("block_id") == LaunchField.CHANNELS)
    assert channels["element"]["initial_conversations"] == ["C0SALES"]
    name = next(b for b in view["blocks"] if b.get("block_id") == LaunchField.NAME)
    assert name["element"]["initial_value"] == "Spring launch"


def test_launch_opens_its_modal_first_while_users_info_is_rate_limited_for_seconds(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    """Slack's trigger lives 3 s (the sandbox refuses a later views.open): the loading view
    opens before any lookup, and the form replaces it once the rate limit has passed."""
    sandbox.fail_next("users.info", status=429, retry_after=5)
    started = time.monotonic()
    response = slack.command("/launch", "Spring launch", user_id=MARKETER)
    assert response.status_code == 200
    view = shown_modal(sandbox, timeout=20)
    assert time.monotonic() - started >= 5  # the rate limit was waited out, not skipped
    assert view["callback_id"] == Ids.LAUNCH_MODAL
    assert json.loads(view["private_metadata"])["tz"] == TZ
    [opened] = sandbox.calls("views.open")
    assert opened.ok  # within the trigger's 3 s
    order = [c.method for c in sandbox.calls() if c.method in ("views.open", "users.info")]
    assert order[0] == "views.open" and order.count("users.info") == 2, order


@pytest.mark.parametrize(
    "fault",
    [{"status": 429, "retry_after": 120}, {"error": "rate_limited"}],
    ids=["429-for-two-minutes", "rate_limited-body"],
)
def test_launch_says_in_its_modal_when_a_lookup_fails(
    slack: SlackDriver, sandbox: SlackSandbox, fault: dict[str, Any]
) -> None:
    sandbox.fail_next("users.info", **fault)
    response = slack.command("/launch", "", user_id=MARKETER)
    assert response.status_code == 200
    notice = shown_modal(sandbox, timeout=20)
    assert notice["callback_id"] == Ids.NOTICE_MODAL
    assert "slow down" in message_text(notice)
    assert not any(c.method == "views.open" and not c.ok for c in sandbox.calls())


def test_a_loading_modal_closed_before_it_is_filled_is_no_error(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    """Slack answers views.update with not_found once the person closed the modal."""
    sandbox.fail_next("views.update", error="not_found")
    response = slack.command("/launch", "", user_id=MARKETER)
    assert response.status_code == 200
    [update] = sandbox.wait_for_calls("views.update")
    assert update.response["error"] == "not_found"
    # The listener finishes without telling the person anything went wrong.
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        assert sandbox.responses(slack.last_response_url) == []
        assert sandbox.calls("chat.postMessage") == []
        time.sleep(0.05)
    assert len(sandbox.calls("views.update")) == 1


def test_launch_help(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    assert "/launch" in reply_text(slack.command("/launch", "help"), slack, sandbox)
    assert sandbox.calls("views.open") == []


def test_launch_posts_announcements_and_one_thread_reply_per_asset(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    page = sandbox.set_page("battlecard", body="<title>Competitor battlecard</title>")
    collateral = f"Pricing deck | https://example.com/pricing\n{page}"
    response = submit(
        slack,
        state(
            channels=["C0SALES", "C0SALESWEST"],
            collateral=collateral,
            ask="Use the deck in every renewal call",
        ),
    )
    assert response.status_code == 200 and response.content in (b"", b"{}")
    wait_until(lambda: delivered(engine), what="the fan-out")
    for channel in ("C0SALES", "C0SALESWEST"):
        [parent] = [m for m in sandbox.messages(channel) if m.get("metadata")]
        text = message_text(parent)
        assert "Q3 pricing refresh" in text and "Use the deck in every renewal call" in text
        replies = [r for r in sandbox.replies(channel, parent["ts"]) if r["ts"] != parent["ts"]]
        assert [("PD-1" in message_text(r), "CB-2" in message_text(r)) for r in replies] == [
            (True, False),
            (False, True),
        ]
    # The bot joined the public channel it was not in.
    assert [c.params["channel"] for c in sandbox.calls("conversations.join") if c.ok] == [
        "C0SALESWEST"
    ]
    [campaign] = rows(engine, Campaign)
    assert campaign.status == CampaignStatus.POSTED
    assert all(p.ts for p in rows(engine, AnnouncementPost))
    assert len(rows(engine, AssetMessage)) == 4
    summary = summary_text(sandbox)
    assert "2 channels" in summary and "<#C0SALES>" in summary


def test_validation_errors_are_shown_on_their_fields_and_nothing_is_stored(
    slack: SlackDriver, engine: Engine
) -> None:
    cases = {
        LaunchField.NAME: state(name=""),
        LaunchField.CHANNELS: state(channels=[]),
        LaunchField.COLLATERAL: state(collateral="just words, no link"),
        LaunchField.DATE: state(launch_date=date(2020, 1, 1)),
        LaunchField.SUMMARY: state(summary="x" * 3001),
    }
    for field, values in cases.items():
        response = submit(slack, values)
        body = response.json()
        assert body["response_action"] == "errors", field
        assert str(field) in body["errors"], (field, body)
    assert rows(engine, Campaign) == []
    assert rows(engine, OutboxMessage) == []


def test_hostile_form_input_is_stored_clean_and_never_live(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    submit(
        slack,
        state(
            name="<!channel> launch",
            summary="Hi <!here> & <@UADMIN> \x00\x07",
            ask="<https://evil.example|click>",
        ),
    )
    wait_until(lambda: delivered(engine), what="the fan-out")
    [parent] = [m for m in sandbox.messages("C0SALES") if m.get("metadata")]
    # Plain-text objects never render markup; everything Slack parses must be escaped.
    live = "\n".join([parent.get("text", ""), *mrkdwn_texts(parent.get("blocks", []))])
    assert "<!channel>" not in live and "<!here>" not in live and "<@UADMIN>" not in live
    assert "<https://evil.example|click>" not in live
    [campaign] = rows(engine, Campaign)
    assert "\x00" not in campaign.summary


def test_channels_the_bot_cannot_post_to_are_reported_to_the_marketer(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    submit(
        slack,
        state(
            channels=["C0SALES", "G0PRIVATE", "C0ARCHIVED"],
            collateral="Deck | https://example.com/d",
        ),
    )
    wait_until(lambda: delivered(engine), what="the fan-out")
    assert len(announcements(sandbox, "C0SALES")) == 1
    summary = summary_text(sandbox)
    assert "<#G0PRIVATE>" in summary and "invite" in summary.lower()
    assert "<#C0ARCHIVED>" in summary and "archived" in summary
    failed = [r for r in rows(engine, OutboxMessage) if r.status == OutboxStatus.FAILED]
    # Two announcements and their thread replies.
    assert len(failed) == 4


def test_rate_limits_delay_messages_but_never_lose_or_double_them(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    sandbox.fail_next("chat.postMessage", status=429, retry_after=1, times=4)
    submit(
        slack,
        state(
            channels=["C0SALES", "C0LEADS"],
            collateral="A | https://example.com/a\nB | https://example.com/b",
        ),
    )
    wait_until(lambda: delivered(engine), timeout=30, what="the fan-out")
    for channel in ("C0SALES", "C0LEADS"):
        posted = [m for m in sandbox.messages(channel) if m.get("metadata")]
        assert len(posted) == 1
        replies = sandbox.find_messages(
            channel, thread_ts=posted[0]["ts"], event_type="liaison_outbox"
        )
        assert len(replies) == 2
    ids = [
        m["metadata"]["event_payload"]["id"]
        for c in ("C0SALES", "C0LEADS")
        for m in sandbox.messages(c)
        if m.get("metadata")
    ]
    assert len(ids) == len(set(ids))
    assert [c.status for c in sandbox.calls("chat.postMessage")].count(429) == 4


def _announcement(sandbox: SlackSandbox, channel: str = "C0SALES") -> dict[str, Any]:
    [parent] = [m for m in sandbox.messages(channel) if m.get("metadata")]
    return parent


def _click(
    slack: SlackDriver,
    sandbox: SlackSandbox,
    user: str,
    action_id: str,
    value: str,
    message: dict[str, Any],
    channel: str = "C0SALES",
) -> httpx.Response:
    return slack.interactive(
        block_actions(
            user_id=user,
            actions=[button_action(action_id, value)],
            channel_id=channel,
            message_ts=message["ts"],
            message=message,
            response_url=sandbox.new_response_url(),
        )
    )


def test_got_it_counts_once_per_person_and_updates_the_message(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    submit(slack, state())
    wait_until(lambda: delivered(engine), what="the fan-out")
    parent = _announcement(sandbox)
    [campaign] = rows(engine, Campaign)
    for user in ("U0REP1", "U0REP1", "U0REP2"):
        assert _click(slack, sandbox, user, Ids.GOT_IT, str(campaign.id), parent).status_code == 200
    wait_until(lambda: len(sandbox.responses()) == 3, what="three private answers")
    texts = [message_text(r) for r in sandbox.responses()]
    assert sum("already confirmed" in t for t in texts) == 1
    assert len(rows(engine, Acknowledgement)) == 2
    wait_until(
        lambda: "2 teammates are ready" in message_text(_announcement(sandbox)),
        what="the ready count on the message",
    )


def test_a_question_is_posted_in_the_thread_and_only_the_marketer_marks_it_answered(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    submit(slack, state())
    wait_until(lambda: delivered(engine), what="the fan-out")
    parent = _announcement(sandbox)
    [campaign] = rows(engine, Campaign)
    _click(slack, sandbox, "U0REP1", Ids.ASK_QUESTION, str(campaign.id), parent)
    view = shown_modal(sandbox)
    assert view["callback_id"] == Ids.QUESTION_MODAL
    empty = slack.interactive(
        view_submission(
            user_id="U0REP1",
            callback_id=Ids.QUESTION_MODAL,
            private_metadata=view["private_metadata"],
            state_values={
                "question_text": {"question_text": {"type": "plain_text_input", "value": " "}}
            },
        )
    )
    assert empty.json()["response_action"] == "errors"
    slack.interactive(
        view_submission(
            user_id="U0REP1",
            callback_id=Ids.QUESTION_MODAL,
            private_metadata=view["private_metadata"],
            state_values={
                "question_text": {
                    "question_text": {
                        "type": "plain_text_input",
                        "value": "Does it apply to renewals? <!channel>",
                    }
                }
            },
        )
    )
    wait_until(lambda: any(q.ts for q in rows(engine, Question)), what="the question's post")
    [question] = rows(engine, Question)
    thread = sandbox.replies("C0SALES", parent["ts"])
    posted = next(m for m in thread if m["ts"] == question.ts)
    assert "Does it apply to renewals?" in message_text(posted)
    assert not any("<!channel>" in t for t in mrkdwn_texts(posted["blocks"]))
    # A rep cannot close it; the marketer can.
    _click(slack, sandbox, "U0REP2", Ids.MARK_ANSWERED, str(question.id), posted)
    wait_until(lambda: any("Only" in message_text(r) for r in sandbox.responses()), what="refusal")
    assert rows(engine, Question)[0].answered_at is None
    _click(slack, sandbox, MARKETER, Ids.MARK_ANSWERED, str(question.id), posted)
    wait_until(lambda: rows(engine, Question)[0].answered_at is not None, what="answered")
    wait_until(
        lambda: "Answered" in message_text(sandbox.message("C0SALES", question.ts) or {}),
        what="the question message update",
    )


def test_the_marketer_edits_a_launch_and_every_announcement_updates(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    submit(slack, state(channels=["C0SALES", "C0LEADS"]))
    wait_until(lambda: delivered(engine), what="the fan-out")
    parent = _announcement(sandbox)
    shortcut = {
        "type": "message_action",
        "callback_id": Ids.EDIT_LAUNCH,
        "trigger_id": new_trigger_id(),
        "team": {"id": sandbox.TEAM_ID, "domain": "sandbox"},
        "user": {"id": MARKETER},
        "channel": {"id": "C0SALES", "name": "sales"},
        "message": parent,
        "message_ts": parent["ts"],
        "response_url": sandbox.new_response_url(),
        "action_ts": "1.2",
        "token": "x",
        "api_app_id": sandbox.APP_ID,
    }
    # Someone else's shortcut gets a refusal (in the modal, opened first) and no form.
    someone_else = {**shortcut, "user": {"id": "U0REP1"}, "trigger_id": new_trigger_id()}
    refused = slack.interactive(someone_else)
    assert refused.status_code == 200
    notice = shown_modal(sandbox)
    assert notice["callback_id"] == Ids.NOTICE_MODAL and "Only" in message_text(notice)
    slack.interactive({**shortcut, "trigger_id": new_trigger_id()})
    view = shown_modal(sandbox, count=2)
    assert view["callback_id"] == Ids.EDIT_LAUNCH_MODAL
    values = state(name="Q3 pricing refresh (v2)", summary="Updated tiers.")
    for field in (LaunchField.CHANNELS, LaunchField.COLLATERAL):
        values.pop(str(field))
    slack.interactive(
        view_submission(
            user_id=MARKETER,
            callback_id=Ids.EDIT_LAUNCH_MODAL,
            private_metadata=view["private_metadata"],
            state_values=values,
        )
    )
    wait_until(lambda: len([c for c in sandbox.calls("chat.update") if c.ok]) >= 2, what="updates")
    for channel in ("C0SALES", "C0LEADS"):
        assert "(v2)" in message_text(_announcement(sandbox, channel))
    assert rows(engine, Campaign)[0].name == "Q3 pricing refresh (v2)"


def test_a_later_launch_date_schedules_the_post_for_0900_in_the_marketers_zone(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, served: Served
) -> None:
    later = today_there() + timedelta(days=2)
    submit(slack, state(launch_date=later, collateral="Deck | https://example.com/d"))
    # Stored at once as PREPARING, then prepared (assets, schedule) right after the ack.
    wait_until(
        lambda: any(c.status != CampaignStatus.PREPARING for c in rows(engine, Campaign)),
        what="the prepared campaign",
    )
    [campaign] = rows(engine, Campaign)
    assert campaign.status == CampaignStatus.SCHEDULED
    from zoneinfo import ZoneInfo

    expected = datetime.combine(later, datetime.min.time().replace(hour=9), ZoneInfo(TZ))
    assert campaign.scheduled_for == expected.astimezone(UTC)
    scheduler = served.runtime.scheduler
    # The job is added right after the campaign commits (restore_launch_jobs covers a crash
    # in between), so it may trail the status by a moment.
    wait_until(lambda: scheduler.get_job(f"launch-{campaign.id}") is not None, what="the job")
    job = scheduler.get_job(f"launch-{campaign.id}")
    assert job is not None and job.next_run_time == expected
    with engine.connect() as connection:  # stored in the app's database, so it survives restarts
        stored = sa.text("SELECT count(*) FROM apscheduler_jobs WHERE id = :id")
        assert connection.execute(stored, {"id": f"launch-{campaign.id}"}).scalar() == 1
    wait_until(
        lambda: any(c.params.get("channel") == MARKETER for c in sandbox.calls("chat.postMessage")),
        what="the scheduled summary",
    )
    assert "Scheduled" in summary_text(sandbox)
    assert announcements(sandbox, "C0SALES") == []
    # The marketer moves the launch to today from the summary's "Edit launch" button.
    summary = next(
        c for c in sandbox.calls("chat.postMessage") if c.ok and c.params["channel"] == MARKETER
    )
    slack.interactive(
        block_actions(
            user_id=MARKETER,
            actions=[button_action(Ids.EDIT_LAUNCH, str(campaign.id))],
            channel_id=str(summary.response["channel"]),
            message_ts=str(summary.response["ts"]),
            response_url=sandbox.new_response_url(),
        )
    )
    view = shown_modal(sandbox)
    values = state(launch_date=today_there(), collateral="")
    for field in (LaunchField.CHANNELS, LaunchField.COLLATERAL):
        values.pop(str(field))
    slack.interactive(
        view_submission(
            user_id=MARKETER,
            callback_id=Ids.EDIT_LAUNCH_MODAL,
            private_metadata=view["private_metadata"],
            state_values=values,
        )
    )
    wait_until(lambda: len(announcements(sandbox, "C0SALES")) == 1, what="the moved launch")
    wait_until(lambda: rows(engine, Campaign)[0].status == CampaignStatus.POSTED, what="posted")


def test_launching_can_be_limited_to_named_people_or_a_user_group(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    reply_text(
        slack.command("/liaison", "launchers add <@U0MKT2>", user_id="UADMIN"), slack, sandbox
    )
    # The modal opens first (Slack's trigger lives 3 s); a refusal replaces its loading view.
    slack.command("/launch", "", user_id=MARKETER)
    refused = shown_modal(sandbox, count=1)
    assert refused["callback_id"] == Ids.NOTICE_MODAL and "limited" in message_text(refused)
    slack.command("/launch", "", user_id="U0MKT2")
    assert shown_modal(sandbox, count=2)["callback_id"] == Ids.LAUNCH_MODAL
    reply_text(
        slack.command(
            "/liaison", "launchers group <!subteam^S0SALESTEAM|@sales-team>", user_id="UADMIN"
        ),
        slack,
        sandbox,
    )
    slack.command("/launch", "", user_id="U0REP1")  # a member of the group
    assert shown_modal(sandbox, count=3)["callback_id"] == Ids.LAUNCH_MODAL
    slack.command("/launch", "", user_id="U0MKT2")
    refused = shown_modal(sandbox, count=4)
    assert refused["callback_id"] == Ids.NOTICE_MODAL and "limited" in message_text(refused)
    # Admins always may.
    slack.command("/launch", "", user_id="UADMIN")
    assert shown_modal(sandbox, count=5)["callback_id"] == Ids.LAUNCH_MODAL


@pytest.mark.parametrize("value", ["", "abc", "99999999"])
def test_buttons_with_stale_or_forged_values_get_a_clear_answer(
    slack: SlackDriver, sandbox: SlackSandbox, value: str
) -> None:
    message = {"ts": "1764150000.000100", "text": "x"}
    response = _click(slack, sandbox, "U0REP1", Ids.GOT_IT, value, message)
    assert response.status_code == 200
    wait_until(lambda: bool(sandbox.responses()), what="an answer")
    assert "no longer" in message_text(sandbox.responses()[-1]) or "out of date" in message_text(
        sandbox.responses()[-1]
    )


# ------------------------------------------------------------ broken payloads (tests/fuzz)


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def _broken_clicks(
    action_id: str, campaign_id: int, parent: dict[str, Any], url: str
) -> dict[str, dict[str, Any]]:
    """A real click on the announcement, broken in each way tests/fuzz found a crash."""

    def click(**changes: Any) -> dict[str, Any]:
        payload = block_actions(
            user_id=MARKETER,
            actions=[button_action(action_id, str(changes.pop("value", campaign_id)))],
            channel_id="C0SALES",
            message_ts=parent["ts"],
            message=parent,
            response_url=url,
        )
        for key, value in changes.items():
            if value is None:
                payload.pop(key, None)
            else:
                payload[key] = value
        return payload

    return {
        "no user": click(user=None),
        "user not an object": click(user=MARKETER),
        "team id not a string": click(team={"id": ["T0SANDBOX"]}),
        "container not an object": click(container="0"),
        "value past 64 bits": click(value="99999999999999999999"),
        "value past 32 bits": click(value="2147483648"),  # PostgreSQL's integer
        "no trigger id": click(trigger_id=None),
        "container ids far too long": click(
            container={"type": "message", "channel_id": "C" * 5000, "message_ts": "1." + "9" * 5000}
        ),
    }


@pytest.mark.parametrize(
    "action_id",
    [Ids.GOT_IT, Ids.GIVE_FEEDBACK, Ids.ASK_QUESTION, Ids.EDIT_LAUNCH],
)
def test_buttons_with_broken_payloads_are_answered_and_nothing_crashes(
    slack: SlackDriver,
    sandbox: SlackSandbox,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
    action_id: str,
) -> None:
    submit(slack, state())
    wait_until(lambda: delivered(engine), what="the fan-out")
    parent = _announcement(sandbox)
    [campaign] = rows(engine, Campaign)
    assert campaign.id is not None
    caplog.clear()
    for breakage, payload in _broken_clicks(
        action_id, campaign.id, parent, sandbox.new_response_url()
    ).items():
        url = payload["response_url"] = sandbox.new_response_url()
        opened = len(sandbox.calls("views.open"))

        def answered(url: str = url, opened: int = opened) -> bool:
            return bool(sandbox.responses(url)) or len(sandbox.calls("views.open")) > opened

        response = slack.interactive(payload)
        assert response.status_code == 200, (breakage, response.text)
        # Each one either opens a modal or answers the click; none is an unhandled error.
        wait_until(answered, what=f"an answer to {breakage}")
        answers = " ".join(message_text(r) for r in sandbox.responses(url))
        assert "something went wrong" not in answers, (breakage, answers)
        assert _errors(caplog) == [], breakage


def test_got_it_without_a_response_url_is_still_counted(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    submit(slack, state())
    wait_until(lambda: delivered(engine), what="the fan-out")
    parent = _announcement(sandbox)
    [campaign] = rows(engine, Campaign)
    payload = block_actions(
        user_id="U0REP1",
        actions=[button_action(Ids.GOT_IT, str(campaign.id))],
        channel_id="C0SALES",
        message_ts=parent["ts"],
        message=parent,
    )
    assert slack.interactive(payload).status_code == 200
    wait_until(lambda: len(rows(engine, Acknowledgement)) == 1, what="the acknowledgement")
    wait_until(lambda: "1 teammate" in message_text(_announcement(sandbox)), what="the ready count")
    assert _errors(caplog) == []


def _submission(callback_id: str, values: dict[str, Any], metadata: Any, **changes: Any) -> Any:
    payload = view_submission(
        user_id=MARKETER, callback_id=callback_id, state_values=values, private_metadata=""
    )
    payload["view"]["private_metadata"] = metadata
    for key, value in changes.items():
        target = payload["view"] if key in ("state", "app_installed_team_id") else payload
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return payload


def test_modal_submissions_with_broken_payloads_get_field_errors_and_nothing_crashes(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    submit(slack, state())
    wait_until(lambda: delivered(engine), what="the fan-out")
    parent = _announcement(sandbox)
    [campaign] = rows(engine, Campaign)
    question = {
        str(Ids.QUESTION_TEXT): {
            str(Ids.QUESTION_TEXT): {"type": "plain_text_input", "value": "Renewals too?"}
        }
    }
    meta = {"campaign_id": campaign.id, "tz": TZ}
    asked = {"campaign_id": campaign.id, "channel_id": "C0SALES", "thread_ts": parent["ts"]}
    cases: dict[str, tuple[str, dict[str, Any], object, dict[str, Any]]] = {
        # Without metadata the launch is in UTC: a date that is not past there either (near
        # midnight UTC, "today" in the marketer's zone can be yesterday in UTC).
        "launch: metadata not a string": (
            Ids.LAUNCH_MODAL,
            state(launch_date=max(today_there(), datetime.now(UTC).date())),
            5,
            {},
        ),
        "launch: no state": (Ids.LAUNCH_MODAL, state(), "{}", {"state": None}),
        "launch: state not an object": (Ids.LAUNCH_MODAL, state(), "{}", {"state": "x"}),
        "launch: no user": (Ids.LAUNCH_MODAL, state(), "{}", {"user": None}),
        # Bolt reads the workspace from the view first, then from `team`: the view names
        # it, so the launch goes ahead (in UTC, with a date that is not past there either).
        "launch: team id not a string": (
            Ids.LAUNCH_MODAL,
            state(launch_date=max(today_there(), datetime.now(UTC).date())),
            "{}",
            {"team": {"id": ["T0SANDBOX"]}, "app_installed_team_id": None},
        ),
        "edit: campaign id past 64 bits": (
            Ids.EDIT_LAUNCH_MODAL,
            state(),
            json.dumps({**meta, "campaign_id": 2**70}),
            {},
        ),
        "edit: no state": (Ids.EDIT_LAUNCH_MODAL, state(), json.dumps(meta), {"state": None}),
        "edit: no user": (Ids.EDIT_LAUNCH_MODAL, state(), json.dumps(meta), {"user": None}),
        "question: campaign id past 64 bits": (
            Ids.QUESTION_MODAL,
            question,
            json.dumps({**asked, "campaign_id": 2**70}),
            {},
        ),
        "edit: campaign id past 32 bits": (
            Ids.EDIT_LAUNCH_MODAL,
            state(),
            json.dumps({**meta, "campaign_id": 2**31}),
            {},
        ),
        "question: thread ts not a string": (
            Ids.QUESTION_MODAL,
            question,
            json.dumps({**asked, "thread_ts": [1]}),
            {},
        ),
        "question: state values not an object": (
            Ids.QUESTION_MODAL,
            question,
            json.dumps(asked),
            {"state": {"values": []}},
        ),
        "question: no user": (Ids.QUESTION_MODAL, question, json.dumps(asked), {"user": None}),
    }
    caplog.clear()
    for case, (callback_id, values, metadata, changes) in cases.items():
        response = slack.interactive(_submission(callback_id, values, metadata, **changes))
        assert response.status_code == 200, (case, response.text)
        if case in ("launch: metadata not a string", "launch: team id not a string"):
            # Metadata only carries the marketer's zone: without it the launch goes ahead
            # in UTC.
            assert response.content in (b"", b"{}"), case
        else:
            assert response.json()["response_action"] == "errors", case
        assert _errors(caplog) == [], case
    wait_until(lambda: len(rows(engine, Campaign)) == 3, what="the two launches in UTC")
    assert rows(engine, Question) == []
