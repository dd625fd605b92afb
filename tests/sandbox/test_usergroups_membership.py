"""usergroups.list / usergroups.users.list and who may post where."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import METHOD_SCOPES, SlackSandbox


def test_seeded_sales_team(sandbox: SlackSandbox, client: WebClient) -> None:
    groups = client.usergroups_list()["usergroups"]
    assert [g["id"] for g in groups] == ["S0SALESTEAM"]
    group = groups[0]
    assert group["handle"] == "sales-team" and group["is_usergroup"] is True
    assert "users" not in group and "user_count" not in group

    full = client.usergroups_list(include_users=True, include_count=True)["usergroups"][0]
    assert full["users"] == ["U0REP1", "U0REP2", "U0REP3"]
    assert full["user_count"] == 3

    users = client.usergroups_users_list(usergroup="S0SALESTEAM")["users"]
    assert users == ["U0REP1", "U0REP2", "U0REP3"]


def test_add_usergroup_and_errors(sandbox: SlackSandbox, client: WebClient) -> None:
    created = sandbox.add_usergroup(
        "S0MKT", handle="marketing", name="Marketing", users=["U0MKT1", "U0MKT2"]
    )
    assert created["users"] == ["U0MKT1", "U0MKT2"]
    sandbox.add_usergroup("S0OLD", handle="old", name="Old", users=["U0REP1"], disabled=True)

    handles = {g["handle"] for g in client.usergroups_list()["usergroups"]}
    assert handles == {"sales-team", "marketing"}
    with_disabled = client.usergroups_list(include_disabled=True)["usergroups"]
    assert {g["handle"] for g in with_disabled} == {"sales-team", "marketing", "old"}
    assert client.usergroups_users_list(usergroup="S0MKT")["users"] == ["U0MKT1", "U0MKT2"]

    for group_id in ("S0NOPE", "S0OLD"):
        with pytest.raises(SlackApiError) as err:
            client.usergroups_users_list(usergroup=group_id)
        assert err.value.response["error"] == "no_such_subteam"
    users = client.usergroups_users_list(usergroup="S0OLD", include_disabled=True)["users"]
    assert users == ["U0REP1"]


def test_usergroups_need_usergroups_read() -> None:
    assert METHOD_SCOPES["usergroups.list"] == ("usergroups:read",)
    assert METHOD_SCOPES["usergroups.users.list"] == ("usergroups:read",)
    with SlackSandbox(bot_scopes=["chat:write"]) as sb:
        client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url=sb.api_url)
        with pytest.raises(SlackApiError) as err:
            client.usergroups_users_list(usergroup="S0SALESTEAM")
        assert err.value.response["error"] == "missing_scope"
        assert err.value.response["needed"] == "usergroups:read"


def test_posting_membership_rules(sandbox: SlackSandbox, client: WebClient) -> None:
    cases = {
        "C0SALESWEST": "not_in_channel",  # public, bot not a member
        "G0PRIVATE": "channel_not_found",  # private, bot not a member: invisible
        "C0ARCHIVED": "is_archived",
    }
    for channel, error in cases.items():
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel=channel, text="x")
        assert err.value.response["error"] == error, channel
        assert sandbox.messages(channel) == []

    client.conversations_join(channel="C0SALESWEST")
    client.chat_postMessage(channel="C0SALESWEST", text="joined")
    assert [m["text"] for m in sandbox.messages("C0SALESWEST")] == ["joined"]

    # Once invited, the bot may post to the private channel.
    sandbox.set_bot_member("G0PRIVATE")
    client.chat_postMessage(channel="G0PRIVATE", text="invited")
    assert [m["text"] for m in sandbox.messages("G0PRIVATE")] == ["invited"]


def test_archived_private_channel_not_joined_is_not_found(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    sandbox.add_channel("G0GONE", name="gone", is_private=True, is_archived=True)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="G0GONE", text="x")
    assert err.value.response["error"] == "channel_not_found"
    sandbox.add_channel(
        "G0GONE", name="gone", is_private=True, is_archived=True, bot_is_member=True
    )
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="G0GONE", text="x")
    assert err.value.response["error"] == "is_archived"
