"""Bodies no Slack client would send, signed: the app refuses them cleanly or shrugs them off.

Non-object payloads, objects of every kind Bolt routes on with their fields missing or of
the wrong type, deep nesting, odd content types, and events whose inner fields are junk.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from blocks.ids import Ids
from domain.feedback import FeedbackField
from sandbox import app_home_opened, event_callback, reaction_added, reaction_removed
from tests.support.fuzz_strategies import any_text, json_values
from tests.support.fuzzing import Rig, fuzz_settings
from tests.support.mutations import mutated

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

KINDS = (
    "block_actions",
    "view_submission",
    "view_closed",
    "block_suggestion",
    "message_action",
    "shortcut",
    "interactive_message",
    "dialog_submission",
    "event_callback",
    "url_verification",
    "app_rate_limited",
    "workflow_step_execute",
    "function_executed",
)
NAMES = (
    *(str(i) for i in Ids),
    *(str(f) for f in FeedbackField),
    "reaction_added",
    "reaction_removed",
    "app_home_opened",
)


def _deep(depth: int, kind: str) -> str:
    """JSON nested `depth` levels deep, as a list or an object."""
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


shaped = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(KINDS), json_values)},
    optional={
        "user": st.one_of(st.just({"id": "U0REP1"}), st.just("U0REP1"), json_values),
        "team": st.one_of(st.just({"id": "T0SANDBOX"}), st.just("T0SANDBOX"), json_values),
        "actions": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {}, optional={"action_id": st.sampled_from(NAMES), "value": json_values}
                ),
                max_size=2,
            ),
            json_values,
        ),
        "callback_id": st.one_of(st.sampled_from(NAMES), json_values),
        "action_id": st.one_of(st.sampled_from(NAMES), json_values),
        "view": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "callback_id": st.sampled_from(NAMES),
                    "state": json_values,
                    "private_metadata": json_values,
                    "app_installed_team_id": json_values,
                },
            ),
            json_values,
        ),
        "event": st.one_of(
            st.fixed_dictionaries(
                {"type": st.sampled_from(NAMES)},
                optional={"user": json_values, "item": json_values, "tab": json_values},
            ),
            json_values,
        ),
        "trigger_id": json_values,
        "response_url": json_values,
        "response_urls": json_values,
        "value": json_values,
        "enterprise": json_values,
        "is_enterprise_install": json_values,
        "challenge": json_values,
        "event_id": json_values,
        "authorizations": json_values,
    },
)


def _send_form_payload(rig: Rig, raw: str) -> Any:
    return rig.driver.raw(urlencode({"payload": raw}), content_type=FORM)


@fuzz_settings()
@given(
    raw=st.one_of(
        json_values.map(json.dumps),
        shaped.map(json.dumps),
        any_text,
        # Deeper than this is a known defect of app/server.py (a 500): see below.
        st.tuples(st.integers(10, 700), st.sampled_from(("list", "dict"))).map(lambda t: _deep(*t)),
    ),
    content_type=st.sampled_from((FORM, JSON, "text/plain", "", "multipart/form-data")),
    as_form=st.booleans(),
)
@example(raw="[]", content_type=FORM, as_form=True)
@example(raw="null", content_type=FORM, as_form=True)
@example(raw='"x"', content_type=FORM, as_form=True)
@example(raw="{}", content_type=FORM, as_form=True)
@example(raw='{"type": "block_actions"}', content_type=FORM, as_form=True)
@example(raw='{"type": "view_submission", "view": null}', content_type=FORM, as_form=True)
@example(raw="not json", content_type=FORM, as_form=True)
def test_hostile_bodies_are_refused_cleanly(
    rig: Rig, raw: str, content_type: str, as_form: bool
) -> None:
    rig.count("hostile body")
    body = urlencode({"payload": raw}) if as_form else raw
    response = rig.driver.raw(body, content_type=content_type)
    rig.check_clean(response, allow_4xx=(400, 404, 413))
    rig.settle()
    rig.check_no_errors(raw[:300], library_ok=True)


def _send_deep(rig: Rig, kind: str, depth: int, as_form: bool) -> Any:
    raw = _deep(depth, kind)
    if as_form:
        return _send_form_payload(rig, raw)
    return rig.driver.raw(raw, content_type=JSON)


@pytest.mark.parametrize("kind", ["list", "dict"])
@pytest.mark.parametrize("depth", [100, 500])
@pytest.mark.parametrize("as_form", [True, False])
def test_nested_json_is_refused_cleanly(rig: Rig, kind: str, depth: int, as_form: bool) -> None:
    response = _send_deep(rig, kind, depth, as_form)
    rig.check_clean(response, allow_4xx=(400, 404))
    rig.settle()
    rig.check_no_errors((kind, depth), library_ok=True)


@pytest.mark.parametrize("kind", ["list", "dict"])
@pytest.mark.parametrize("depth", [1_000, 50_000])
@pytest.mark.parametrize("as_form", [True, False])
def test_json_nested_past_the_recursion_limit_is_refused_cleanly(
    rig: Rig, kind: str, depth: int, as_form: bool
) -> None:
    response = _send_deep(rig, kind, depth, as_form)
    rig.errors.take()
    rig.check_clean(response, allow_4xx=(400, 413))


def test_bodies_over_the_limit_are_refused_with_413(rig: Rig) -> None:
    response = rig.driver.command("/feedback", "PD-1 up " + "x" * 1_100_000)
    assert response.status_code == 413
    rig.check_clean(response, allow_4xx=(413,))


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "view_submission", "response_urls": [{}, {}]},
        {"type": "view_submission", "response_urls": {"x": None}},
        {"type": "block_actions", "authorizations": {"x": None}},
        {"type": "event_callback", "authorizations": [{"authorizations": {"x": 1}}]},
    ],
)
@pytest.mark.parametrize("as_form", [True, False])
def test_payloads_bolt_cannot_read_are_refused_cleanly(
    rig: Rig, payload: dict[str, Any], as_form: bool
) -> None:
    raw = json.dumps(payload)
    response = _send_form_payload(rig, raw) if as_form else rig.driver.raw(raw, content_type=JSON)
    rig.check_clean(response, allow_4xx=(400, 404))
    rig.settle()
    rig.check_no_errors(payload, library_ok=True)


# ---------------------------------------------------------------- events


def _events(rig: Rig) -> st.SearchStrategy[dict[str, Any]]:
    seeded = rig.seeded
    ts = st.one_of(
        st.sampled_from((seeded.announcement_ts, seeded.question_ts, "1.1")),
        st.sampled_from(("999999999999.999999999", "0.0", "1e9", "-1.0", "")),
        any_text,
    )
    reaction = st.sampled_from(
        ("+1", "thumbsup", "-1", "thumbsdown", "dart", "+1::skin-tone-3", "tada", "")
    )
    user = st.sampled_from(("U0REP1", "U0REP2", "U0BOT", "UADMIN", "W0X", "u0rep1"))
    channel = st.sampled_from(("C0SALES", "C0LEADS", "D0DIRECT01", "c0sales"))
    reactions = st.builds(
        lambda kind, **kw: kind(**kw),
        st.sampled_from((reaction_added, reaction_removed)),
        user=user,
        reaction=reaction,
        channel=channel,
        ts=ts,
        event_ts=ts,
    )
    homes = st.builds(
        app_home_opened,
        user,
        tab=st.sampled_from(("home", "messages", "about", "")),
        event_ts=ts,
    )
    lifecycle = st.sampled_from(({"type": "app_uninstalled"}, {"type": "tokens_revoked"}))
    return st.one_of(reactions, homes, lifecycle)


@fuzz_settings()
@given(data=st.data())
def test_events_survive_any_fields(rig: Rig, data: st.DataObject) -> None:
    rig.count("events")
    event = data.draw(_events(rig), label="event")
    envelope = event_callback(event)
    if event["type"] in ("app_uninstalled", "tokens_revoked"):
        # Real uninstall events would forget the workspace the other targets need.
        envelope["team_id"] = "T0ELSEWHERE"
        envelope["authorizations"][0]["team_id"] = "T0ELSEWHERE"
    envelope = data.draw(mutated(envelope), label="envelope")
    response = rig.driver.raw(json.dumps(envelope), content_type=JSON)
    rig.check_clean(response, allow_4xx=(400, 404, 413))
    rig.settle()
    rig.check_no_errors(envelope, library_ok=True)
