"""domain.receiver: the installation a request reached, from Slack's payload shapes."""

from __future__ import annotations

from typing import Any

import pytest

from domain.receiver import Receiver, payload_side, receiving_side
from sandbox import (
    as_partner,
    block_actions,
    block_suggestion,
    button_action,
    event_callback,
    message_action,
    org_wide,
    reaction_added,
    slash_command,
    view_submission,
)

OURS, PARTNER, ORG = "T0SANDBOX", "T0PARTNER", "E0ORG"
OUR_MESSAGE = {
    "type": "message",
    "ts": "1700000000.000100",
    "bot_id": "B0BOT",
    "app_id": "A0LIAISON",
    "team": OURS,
    "bot_profile": {"id": "B0BOT", "app_id": "A0LIAISON", "team_id": OURS},
}


def _click(message: dict[str, Any] | None = None) -> dict[str, Any]:
    return block_actions(
        user_id="U0REP1",
        actions=[button_action("got_it", "1")],
        channel_id="C0SHARED",
        message=message or OUR_MESSAGE,
    )


def test_events_trust_their_authorizations_over_everything_else() -> None:
    event = event_callback(reaction_added(user="U0X", reaction="+1", channel="C1", ts="1.2"))
    partner = as_partner(event, user_id="UPARTNER", team_id=PARTNER)
    assert receiving_side(partner) == Receiver(OURS, None, False, "authorizations")
    org = org_wide(event, enterprise_id=ORG)
    side = receiving_side(org)
    assert (side.org_install, side.enterprise_id, side.tenant) == (True, ORG, ORG)


def test_a_partners_click_on_our_message_belongs_to_our_team() -> None:
    side = receiving_side(as_partner(_click(), user_id="UPARTNER", team_id=PARTNER))
    assert side.source == "message" and side.team_id == OURS
    assert side.message == ("C0SHARED", OUR_MESSAGE["ts"])
    # The payload's own word is the partner's.
    said = payload_side(as_partner(_click(), user_id="UPARTNER", team_id=PARTNER))
    assert said.team_id == PARTNER


def test_a_message_that_is_not_ours_says_nothing_about_the_installation() -> None:
    theirs = {**OUR_MESSAGE, "app_id": "A0OTHER", "bot_profile": {"app_id": "A0OTHER"}}
    side = receiving_side(as_partner(_click(theirs), user_id="UPARTNER", team_id=PARTNER))
    assert side.source == "payload" and side.team_id == PARTNER


def test_our_message_without_a_team_is_located_by_its_place() -> None:
    bare = {k: v for k, v in OUR_MESSAGE.items() if k not in ("team", "bot_profile")}
    side = receiving_side(_click(bare))
    assert side.source == "message" and side.team_id is None
    assert side.message == ("C0SHARED", OUR_MESSAGE["ts"])


def test_views_name_their_installing_team() -> None:
    submitted = view_submission(user_id="U0REP1", callback_id="x", state_values={})
    partner = as_partner(submitted, user_id="UPARTNER", team_id=PARTNER)
    assert receiving_side(partner) == Receiver(OURS, None, False, "view")
    suggestion = block_suggestion(user_id="U0REP1", action_id="a", block_id="b", value="v")
    assert receiving_side(suggestion).team_id == OURS


def test_shortcuts_on_our_messages_and_commands() -> None:
    shortcut = message_action(
        user_id="UPARTNER", callback_id="edit", channel_id="C0SHARED", message=OUR_MESSAGE
    )
    assert receiving_side(as_partner(shortcut, user_id="UP", team_id=PARTNER)).team_id == OURS
    command = slash_command("/feedback", "", user_id="U0REP1", response_url="https://x")
    assert receiving_side(command) == Receiver(OURS, None, False, "payload")
    org = receiving_side(org_wide(command, enterprise_id=ORG))
    assert (org.org_install, org.tenant) == (True, ORG)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"authorizations": "x"},
        {"authorizations": [None]},
        {"authorizations": [{"team_id": ["T1"]}]},
        {"team": 7, "user": "U", "enterprise": [1], "is_enterprise_install": "yes"},
        {"view": {"app_installed_team_id": {"id": "T1"}}},
        {"message": {"app_id": "A1"}, "api_app_id": "A1", "channel": {"id": "bad id"}},
        {"is_enterprise_install": True},  # an org install needs an enterprise id
    ],
)
def test_unreadable_payloads_name_no_team_and_never_raise(body: dict[str, Any]) -> None:
    side = receiving_side(body)
    assert side.tenant is None or isinstance(side.tenant, str)
    assert not side.org_install
