"""conversations.*, users.* and reactions.* through the real WebClient."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import SlackSandbox


def test_join_rules(sandbox: SlackSandbox, client: WebClient) -> None:
    joined = client.conversations_join(channel="C0SALESWEST")
    assert joined["channel"]["is_member"] is True
    assert SlackSandbox.BOT_USER_ID in sandbox.channel_members("C0SALESWEST")
    client.chat_postMessage(channel="C0SALESWEST", text="now allowed")

    again = client.conversations_join(channel="C0SALES")
    assert again["warning"] == "already_in_channel"
    assert again["response_metadata"]["warnings"] == ["already_in_channel"]

    for channel, error in [
        ("G0PRIVATE", "method_not_supported_for_channel_type"),
        ("C0ARCHIVED", "is_archived"),
        ("CNOPE", "channel_not_found"),
    ]:
        with pytest.raises(SlackApiError) as err:
            client.conversations_join(channel=channel)
        assert err.value.response["error"] == error


def test_conversations_info_and_list_filters(sandbox: SlackSandbox, client: WebClient) -> None:
    info = client.conversations_info(channel="G0PRIVATE")["channel"]
    assert info["name"] == "private-deals" and info["is_private"] and not info["is_member"]

    public = client.conversations_list()["channels"]
    assert {c["id"] for c in public} == {"C0SALES", "C0SALESWEST", "C0LEADS", "C0ARCHIVED"}
    active = client.conversations_list(exclude_archived=True)["channels"]
    assert "C0ARCHIVED" not in {c["id"] for c in active}

    # A bot sees a private channel only once it is in it.
    both = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert "G0PRIVATE" not in {c["id"] for c in both}
    sandbox.set_bot_member("G0PRIVATE")
    both = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert "G0PRIVATE" in {c["id"] for c in both}


def test_conversations_list_paginates_across_three_pages(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    for i in range(3):
        sandbox.add_channel(f"C0EXTRA{i}", name=f"extra-{i}")
    # SlackResponse iterates by mutating itself: copy each page's data as it comes.
    pages = [dict(p.data) for p in client.conversations_list(limit=3)]
    assert [len(p["channels"]) for p in pages] == [3, 3, 1]
    assert [bool(p["response_metadata"]["next_cursor"]) for p in pages] == [True, True, False]
    ids = [c["id"] for p in pages for c in p["channels"]]
    assert len(set(ids)) == 7

    with pytest.raises(SlackApiError) as err:
        client.conversations_list(cursor="not-a-cursor!")
    assert err.value.response["error"] == "invalid_cursor"


def test_members_and_history(sandbox: SlackSandbox, client: WebClient) -> None:
    pages = [dict(p.data) for p in client.conversations_members(channel="C0SALES", limit=3)]
    members = [m for p in pages for m in p["members"]]
    assert len(pages) == 3
    assert set(members) == set(sandbox.channel_members("C0SALES"))

    for text in ("one", "two", "three"):
        client.chat_postMessage(channel="C0SALES", text=text)
    sandbox.add_message("C0SALES", user="U0REP1", text="from a human")
    history = client.conversations_history(channel="C0SALES", limit=2)
    assert [m["text"] for m in history["messages"]] == ["from a human", "three"]
    assert history["has_more"] is True

    with pytest.raises(SlackApiError) as err:
        client.conversations_history(channel="C0SALESWEST")
    assert err.value.response["error"] == "not_in_channel"


def test_users(sandbox: SlackSandbox, client: WebClient) -> None:
    admin = client.users_info(user="UADMIN")["user"]
    assert admin["is_admin"] and admin["real_name"] == "Avery Admin"
    assert admin["name"] == "avery.admin" and admin["tz"] == "America/New_York"
    assert isinstance(admin["tz_offset"], int)
    assert client.users_info(user="U0BOT")["user"]["is_bot"] is True

    with pytest.raises(SlackApiError) as err:
        client.users_info(user="UNOPE")
    assert err.value.response["error"] == "user_not_found"

    found = client.users_lookupByEmail(email="Morgan@Example.com")["user"]
    assert found["id"] == "U0MKT1"
    with pytest.raises(SlackApiError) as err:
        client.users_lookupByEmail(email="nobody@example.com")
    assert err.value.response["error"] == "users_not_found"

    sandbox.add_user("U0GONE", name="gone", deleted=True)
    pages = [dict(p.data) for p in client.users_list(limit=4)]
    assert len(pages) == 3
    everyone = {u["id"]: u for p in pages for u in p["members"]}
    assert everyone["U0GONE"]["deleted"] is True and len(everyone) == 10


def test_reactions(sandbox: SlackSandbox, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0SALES", text="deck")["ts"]
    client.reactions_add(channel="C0SALES", timestamp=ts, name="thumbsup")
    with pytest.raises(SlackApiError) as err:
        client.reactions_add(channel="C0SALES", timestamp=ts, name=":thumbsup:")
    assert err.value.response["error"] == "already_reacted"

    got = client.reactions_get(channel="C0SALES", timestamp=ts)
    assert got["message"]["reactions"] == [
        {"name": "thumbsup", "users": [SlackSandbox.BOT_USER_ID], "count": 1}
    ]
    client.reactions_remove(channel="C0SALES", timestamp=ts, name="thumbsup")
    assert (
        "reactions" not in sandbox.messages("C0SALES")[0]
        or not sandbox.messages("C0SALES")[0]["reactions"]
    )
    with pytest.raises(SlackApiError) as err:
        client.reactions_remove(channel="C0SALES", timestamp=ts, name="thumbsup")
    assert err.value.response["error"] == "no_reaction"
    with pytest.raises(SlackApiError) as err:
        client.reactions_add(channel="C0SALES", timestamp="1.000009", name="dart")
    assert err.value.response["error"] == "message_not_found"
