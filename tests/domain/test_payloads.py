"""Reading Slack payloads without trusting their shape (domain/payloads.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.payloads import (
    MAX_DB_ID,
    action_value,
    db_id,
    message_ts,
    metadata_object,
    slack_id,
    state_values,
    team_of,
    text,
    user_of,
)

anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        ("42", 42),
        (" 42 ", 42),
        (MAX_DB_ID, MAX_DB_ID),
        (str(MAX_DB_ID), MAX_DB_ID),
        (MAX_DB_ID + 1, None),
        ("99999999999999999999", None),
        (2**31, None),
        ("2147483648", None),
        ("2147483647", 2**31 - 1),
        (2**70, None),
        (0, None),
        (-1, None),
        ("0", None),
        ("-1", None),
        ("1.0", None),
        ("0x1", None),
        ("\uff11", None),  # a full-width digit: int() would take it
        (True, None),
        (1.0, None),
        (None, None),
        ([1], None),
    ],
)
def test_db_id_is_a_positive_64_bit_integer_or_none(value: object, expected: int | None) -> None:
    assert db_id(value) == expected


@pytest.mark.parametrize(
    ("body", "user", "team"),
    [
        ({"user": {"id": "U0REP1"}, "team": {"id": "T0SANDBOX"}}, "U0REP1", "T0SANDBOX"),
        ({}, None, None),
        ({"user": "U0REP1", "team": "T0SANDBOX"}, None, None),
        ({"user": {"id": ["U0REP1"]}, "team": {"id": 7}}, None, None),
        ({"user": {"id": "u0rep1"}, "team": {"id": "T" * 40}}, None, None),
        ({"user": None, "team": None}, None, None),
    ],
)
def test_user_and_team_are_slack_ids_or_none(body: Any, user: str | None, team: str | None) -> None:
    assert user_of(body) == user
    assert team_of(None, body) == team


def test_bolts_reading_of_the_team_wins_when_it_is_an_id() -> None:
    body = {"team": {"id": "T0OTHER"}}
    assert team_of("T0SANDBOX", body) == "T0SANDBOX"
    assert team_of(["T0SANDBOX"], body) == "T0OTHER"


def test_ids_and_ts_are_bounded() -> None:
    assert slack_id("C0SALES") == "C0SALES"
    assert slack_id("C" * 5000) is None
    assert message_ts("1764150000.000100") == "1764150000.000100"
    assert message_ts("1." + "9" * 5000) is None
    assert message_ts(1764150000.0001) is None


def test_view_parts() -> None:
    view = {"state": {"values": {"a": {}}}, "private_metadata": '{"tz": "UTC"}'}
    assert state_values(view) == {"a": {}}
    assert metadata_object(view) == {"tz": "UTC"}
    assert state_values({"state": {"values": []}}) == {}
    assert metadata_object({"private_metadata": 5}) == {}
    assert metadata_object({"private_metadata": "[1]"}) == {}
    assert metadata_object({"private_metadata": "[" * 100_000}) == {}
    assert action_value({"actions": [{"value": "3"}]}) == "3"
    assert action_value({"actions": [{"value": 3}]}) is None
    assert action_value({"actions": "x"}) is None
    assert text({"a": "b"}, "a") == "b" and text("x", "a") is None


@given(anything, anything)
def test_readers_never_raise(body: Any, other: Any) -> None:
    db_id(body)
    user_of(body)
    team_of(other, body)
    action_value(body)
    state_values(body)
    metadata_object(body)
    slack_id(body)
    message_ts(body)
    text(body, "x")
