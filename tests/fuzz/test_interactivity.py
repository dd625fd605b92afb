"""Buttons, the message shortcut, modal submissions and the asset picker, fed anything.

Each target starts from the payload Slack really sends (pointing at a real campaign,
announcement, asset or question some of the time) and then breaks it: values of the wrong
kind, missing keys, huge text, nulls. The app must answer 200 (or a short clean 4xx),
never crash, never hang, and no listener may raise unexpectedly.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blocks.ids import Ids
from domain.feedback import FOLLOWUP_VALUE, FeedbackField
from domain.launch import LaunchField
from handlers.actions import ACTIONS
from handlers.views import VIEWS
from sandbox import (
    block_actions,
    block_suggestion,
    button_action,
    modal_view,
    validate_view,
    view_submission,
)
from sandbox.payloads import new_trigger_id
from tests.support.fuzz_strategies import (
    any_text,
    channels,
    command_text,
    huge,
    ids,
    json_values,
    users,
)
from tests.support.fuzzing import Rig, fuzz_settings
from tests.support.mutations import mutated

text_value = st.one_of(st.none(), any_text, command_text, huge())


def _seeded_id(rig: Rig, data: st.DataObject, kind: str) -> str:
    seeded = rig.seeded
    real = {
        "campaign": str(seeded.campaign_id),
        "question": str(seeded.question_id),
        "asset": str(seeded.asset_ids[0]),
    }[kind]
    return data.draw(st.one_of(st.just(real), st.just(real), ids), label=f"{kind} id")


def _container(rig: Rig, data: st.DataObject) -> tuple[str | None, str | None]:
    seeded = rig.seeded
    return data.draw(
        st.sampled_from(
            [
                (seeded.channel, seeded.announcement_ts),
                (seeded.channel, seeded.question_ts),
                ("C0SALESWEST", seeded.announcement_ts),
                (seeded.channel, "1.000001"),
                (None, None),
            ]
        ),
        label="container",
    )


def _send(rig: Rig, payload: dict[str, Any]) -> Any:
    return rig.interactive(payload)


def _finish(rig: Rig, what: object, response: Any, *, allow_4xx: tuple[int, ...] = ()) -> None:
    rig.check_clean(response, allow_4xx=allow_4xx)
    rig.settle()
    rig.check_no_errors(what, library_ok=True)


# ---------------------------------------------------------------- block_actions


@pytest.mark.parametrize("action_id", sorted(ACTIONS))
@fuzz_settings()
@given(data=st.data())
def test_every_button_survives_any_payload(rig: Rig, action_id: str, data: st.DataObject) -> None:
    rig.count(f"action {action_id}")
    kind = "question" if action_id == Ids.MARK_ANSWERED else "campaign"
    channel_id, ts = _container(rig, data)
    in_view = data.draw(st.booleans(), label="in a modal")
    payload = block_actions(
        user_id=data.draw(users, label="user"),
        actions=[
            button_action(action_id, _seeded_id(rig, data, kind), block_id=Ids.ANNOUNCEMENT_ACTIONS)
        ],
        channel_id=None if in_view else channel_id,
        message_ts=None if in_view else ts,
        view=modal_view(callback_id=Ids.LAUNCH_MODAL) if in_view else None,
        response_url=data.draw(st.sampled_from([rig.sandbox.new_response_url(), None])),
        trigger_id=new_trigger_id(),
    )
    payload = data.draw(mutated(payload), label="payload")
    _finish(rig, payload, _send(rig, payload), allow_4xx=(400, 404, 413))


@fuzz_settings()
@given(data=st.data())
def test_edit_shortcut_survives_any_payload(rig: Rig, data: st.DataObject) -> None:
    rig.count("shortcut edit_launch")
    channel_id, ts = _container(rig, data)
    user = data.draw(users, label="user")
    payload = {
        "type": "message_action",
        "token": "sandbox-verification-token",
        "action_ts": "1700000000.000001",
        "team": {"id": rig.sandbox.TEAM_ID, "domain": "sandbox-co"},
        "user": {"id": user, "name": user.lower(), "team_id": rig.sandbox.TEAM_ID},
        "channel": {"id": channel_id or "C0SALES", "name": "sales"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": str(Ids.EDIT_LAUNCH),
        "trigger_id": new_trigger_id(),
        "response_url": rig.sandbox.new_response_url(),
        "message_ts": ts or "1.000001",
        "message": {"type": "message", "user": "U0BOT", "ts": ts or "1.000001", "text": "x"},
    }
    payload = data.draw(mutated(payload), label="payload")
    _finish(rig, payload, _send(rig, payload), allow_4xx=(400, 404, 413))


# ---------------------------------------------------------------- view_submission


def _plain(value: Any) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def _launch_state(data: st.DataObject) -> dict[str, Any]:
    today = date.today()
    return {
        str(field): {str(field): element}
        for field, element in (
            (LaunchField.NAME, _plain(data.draw(text_value, label="name"))),
            (LaunchField.SUMMARY, _plain(data.draw(text_value, label="summary"))),
            (
                LaunchField.CHANNELS,
                {
                    "type": "multi_conversations_select",
                    "selected_conversations": data.draw(
                        st.lists(st.one_of(channels, any_text), max_size=3), label="channels"
                    ),
                },
            ),
            (
                LaunchField.COLLATERAL,
                _plain(
                    data.draw(
                        st.one_of(
                            text_value,
                            st.lists(
                                st.sampled_from(
                                    (
                                        "Deck | https://example.com/d",
                                        "https://deck.invalid/x",
                                        "<https://example.com/y|Y>",
                                        "Title | ",
                                        "| https://example.com/z",
                                        "http://10.0.0.1/",
                                    )
                                ),
                                max_size=25,
                            ).map("\n".join),
                        ),
                        label="collateral",
                    )
                ),
            ),
            (
                LaunchField.DATE,
                {
                    "type": "datepicker",
                    "selected_date": data.draw(
                        st.one_of(
                            st.integers(min_value=-2, max_value=400).map(
                                lambda d: (today + timedelta(days=d)).isoformat()
                            ),
                            st.sampled_from(("", "2024-02-30", "0000-01-01", "9999-12-31")),
                            any_text,
                        ),
                        label="date",
                    ),
                },
            ),
            (LaunchField.ASK, _plain(data.draw(text_value, label="ask"))),
        )
    }


def _feedback_state(rig: Rig, data: st.DataObject) -> dict[str, Any]:
    asset = _seeded_id(rig, data, "asset")
    verdict = data.draw(st.sampled_from(("useful", "needs_work", "meh", "")), label="verdict")
    return {
        str(FeedbackField.ASSET): {
            str(FeedbackField.ASSET): {
                "type": "external_select",
                "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": asset},
            }
        },
        str(FeedbackField.VERDICT): {
            str(FeedbackField.VERDICT): {
                "type": "radio_buttons",
                "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": verdict},
            }
        },
        str(FeedbackField.COMMENT): {
            str(FeedbackField.COMMENT): _plain(data.draw(text_value, label="comment"))
        },
        str(FeedbackField.FOLLOWUP): {
            str(FeedbackField.FOLLOWUP): {
                "type": "checkboxes",
                "selected_options": [{"value": FOLLOWUP_VALUE}],
            }
        },
    }


def _metadata(rig: Rig, data: st.DataObject, callback_id: str) -> str:
    seeded = rig.seeded
    zone = st.sampled_from(("America/New_York", "UTC", "Mars/Olympus", "", "../../etc", "\x00"))
    campaign = st.one_of(
        st.just(seeded.campaign_id),
        st.integers(min_value=-(2**70), max_value=2**70),
        json_values,
    )
    real: dict[str, Any]
    if callback_id == Ids.FEEDBACK_MODAL:
        return data.draw(
            st.one_of(
                st.just(f"campaign:{seeded.campaign_id}"),
                st.just(""),
                st.integers(min_value=0, max_value=2**70).map(lambda n: f"campaign:{n}"),
                any_text,
            ),
            label="metadata",
        )
    if callback_id == Ids.REWORD_MODAL:
        return data.draw(
            st.one_of(
                st.integers(min_value=-(2**70), max_value=2**70).map(str), st.just("1"), any_text
            ),
            label="metadata",
        )
    if callback_id == Ids.QUESTION_MODAL:
        real = {
            "campaign_id": data.draw(campaign, label="campaign"),
            "channel_id": data.draw(st.one_of(channels, json_values), label="channel"),
            "thread_ts": data.draw(
                st.one_of(st.just(seeded.announcement_ts), json_values), label="thread"
            ),
        }
    else:
        real = {
            "campaign_id": data.draw(campaign, label="campaign")
            if callback_id == Ids.EDIT_LAUNCH_MODAL
            else None,
            "tz": data.draw(st.one_of(zone, json_values), label="tz"),
        }
    return data.draw(
        st.one_of(
            st.just(json.dumps(real)),
            st.just(json.dumps(real)),
            any_text,
            json_values.map(json.dumps),
        ),
        label="metadata",
    )


@pytest.mark.parametrize("callback_id", sorted(VIEWS))
@fuzz_settings()
@given(data=st.data())
def test_every_modal_survives_any_submission(
    rig: Rig, callback_id: str, data: st.DataObject
) -> None:
    rig.count(f"view {callback_id}")
    if callback_id in (Ids.LAUNCH_MODAL, Ids.EDIT_LAUNCH_MODAL):
        values = _launch_state(data)
    elif callback_id == Ids.FEEDBACK_MODAL:
        values = _feedback_state(rig, data)
    elif callback_id == Ids.REWORD_MODAL:
        values = {
            str(Ids.REWORD_TEXT): {
                str(Ids.REWORD_TEXT): _plain(data.draw(text_value, label="rewording"))
            }
        }
    else:
        values = {
            str(Ids.QUESTION_TEXT): {
                str(Ids.QUESTION_TEXT): _plain(data.draw(text_value, label="question"))
            }
        }
    payload = view_submission(
        user_id=data.draw(users, label="user"),
        callback_id=callback_id,
        state_values=values,
        private_metadata=_metadata(rig, data, callback_id),
    )
    payload = data.draw(mutated(payload), label="payload")
    response = _send(rig, payload)
    _finish(rig, payload, response, allow_4xx=(400, 404, 413))
    if response.status_code == 200 and response.content:
        # A response_action reply must be one Slack accepts: JSON with a known action.
        body = json.loads(response.content)
        assert isinstance(body, dict), body
        assert body.get("response_action") in ("errors", "update", "push", "clear"), body
        if body["response_action"] == "errors":
            errors = body.get("errors")
            assert isinstance(errors, dict) and errors, body
            assert all(isinstance(v, str) and v for v in errors.values()), body
        if body["response_action"] in ("update", "push"):
            assert validate_view(body.get("view")) == [], body


# ---------------------------------------------------------------- options


@fuzz_settings()
@given(data=st.data())
def test_asset_picker_survives_any_request(rig: Rig, data: st.DataObject) -> None:
    rig.count("options feedback_asset")
    payload = block_suggestion(
        user_id=data.draw(users, label="user"),
        action_id=FeedbackField.ASSET,
        block_id=FeedbackField.ASSET,
        value=data.draw(st.one_of(command_text, st.sampled_from(rig.seeded.handles)), label="q"),
        view=modal_view(
            callback_id=Ids.FEEDBACK_MODAL,
            private_metadata=_metadata(rig, data, Ids.FEEDBACK_MODAL),
        ),
    )
    payload = data.draw(mutated(payload), label="payload")
    response = _send(rig, payload)
    _finish(rig, payload, response, allow_4xx=(400, 404, 413))
    if response.status_code == 200 and response.content:
        body = json.loads(response.content)
        assert isinstance(body.get("options"), list), body
        assert len(body["options"]) <= 100
        for option in body["options"]:
            assert 0 < len(option["text"]["text"]) <= 75, option
            assert 0 < len(option["value"]) <= 150, option
