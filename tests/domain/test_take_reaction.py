"""The intake's reading of a reaction, straight from a verified Events API body."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.inbox import MAX_EVENT_ID, decode_reaction, take_reaction
from domain.votes import Verdict
from sandbox.constants import BOT_USER_ID, TEAM_ID
from sandbox.payloads import as_partner, event_callback, org_wide, reaction_added, reaction_removed

CHANNEL, TS = "C0SALES", "1700000000.000200"


def body(user: str = "U0REP1", reaction: str = "+1", **envelope: Any) -> dict[str, Any]:
    return event_callback(
        reaction_added(user=user, reaction=reaction, channel=CHANNEL, ts=TS), **envelope
    )


def test_a_vote_becomes_a_row_for_the_installation_slack_names() -> None:
    taken = take_reaction(body(event_id="Ev0ONE"))
    assert taken is not None and taken.row is not None
    assert (taken.row.team_id, taken.row.event_id, taken.row.kind) == (
        TEAM_ID,
        "Ev0ONE",
        "reaction_added",
    )
    change = decode_reaction(taken.row.payload)
    assert (change.user_id, change.verdict, change.channel_id, change.ts) == (
        "U0REP1",
        Verdict.USEFUL,
        CHANNEL,
        TS,
    )


def test_a_removal_is_a_removal_row() -> None:
    removed = event_callback(reaction_removed(user="U0REP1", reaction="+1", channel=CHANNEL, ts=TS))
    taken = take_reaction(removed)
    assert taken is not None and taken.row is not None
    assert taken.row.kind == "reaction_removed"
    assert decode_reaction(taken.row.payload).added is False


def test_what_is_no_vote_is_taken_and_keeps_nothing() -> None:
    # Emoji that mean nothing here, and the bot's own reaction (Slack names our bot user
    # in `authorizations`), are answered 200 and stored nowhere.
    for taken in (take_reaction(body(reaction="tada")), take_reaction(body(user=BOT_USER_ID))):
        assert taken is not None and taken.row is None


def test_a_partners_reaction_belongs_to_the_installing_workspace() -> None:
    partner = as_partner(body(), user_id="U0PARTNER", team_id="T0PARTNER")
    # Even where the envelope names the partner, Slack's `authorizations` decide.
    partner["team_id"] = partner["context_team_id"] = "T0PARTNER"
    taken = take_reaction(partner)
    assert taken is not None and taken.row is not None
    assert taken.row.team_id == TEAM_ID
    assert decode_reaction(taken.row.payload).user_id == "U0PARTNER"


def test_an_org_wide_install_is_keyed_by_its_enterprise() -> None:
    taken = take_reaction(org_wide(body(), enterprise_id="E0ORG"))
    assert taken is not None and taken.row is not None
    assert taken.row.team_id == "E0ORG"


def test_left_to_bolt_when_slack_does_not_name_the_installation_or_it_is_no_reaction() -> None:
    no_authorizations = body()
    del no_authorizations["authorizations"]
    no_team = body()
    no_team["authorizations"] = [{"team_id": None, "user_id": BOT_USER_ID, "is_bot": True}]
    no_event_id = body()
    del no_event_id["event_id"]
    message = event_callback({"type": "message", "text": "reaction_added", "user": "U0REP1"})
    for case in (no_authorizations, no_team, no_event_id, message, {"type": "url_verification"}):
        assert take_reaction(case) is None


def test_odd_shapes_never_raise() -> None:
    shapes: list[dict[str, Any]] = []
    for key, value in (
        ("authorizations", "T0SANDBOX"),
        ("authorizations", [None]),
        ("authorizations", [["T0SANDBOX"]]),
        ("authorizations", [{"team_id": 7, "is_bot": "yes", "user_id": ["U0BOT"]}]),
        ("event", "reaction_added"),
        ("event_id", 12),
        ("event_id", ""),
    ):
        shaped = body()
        shaped[key] = value
        shapes.append(shaped)
    for field, bad in (("user", None), ("item", "C0SALES"), ("reaction", 5), ("item", {})):
        shaped = body()
        shaped["event"][field] = bad
        shapes.append(shaped)
    for shaped in shapes:
        taken = take_reaction(shaped)
        assert taken is None or taken.row is None, shaped


def test_a_forged_long_event_id_is_cut_to_what_the_inbox_keeps() -> None:
    taken = take_reaction(body(event_id="Ev" + "9" * 10_000))
    assert taken is not None and taken.row is not None
    assert len(taken.row.event_id) == MAX_EVENT_ID


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(["type", "event", "authorizations", "event_id", "team_id", "enterprise"]),
    inner=st.sampled_from(["type", "user", "reaction", "item", "event_ts"]),
    value=_json,
)
def test_any_value_in_any_field_is_read_or_left_without_an_error(
    field: str, inner: str, value: object
) -> None:
    for shaped in (body(), body()):
        shaped = copy.deepcopy(shaped)
        shaped[field] = value
        taken = take_reaction(json.loads(json.dumps(shaped)))
        if taken is not None and taken.row is not None:
            # A row is only ever for the installation Slack named, with a vote in it.
            assert taken.row.team_id == TEAM_ID
            decode_reaction(taken.row.payload)
    shaped = body()
    shaped["event"][inner] = value
    taken = take_reaction(shaped)
    if taken is not None and taken.row is not None:
        assert taken.row.team_id == TEAM_ID
