"""chat.* methods through the real slack_sdk WebClient."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import SlackSandbox


def test_post_message_assigns_increasing_ts_and_records_the_call(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Launch*"}}]
    first = client.chat_postMessage(channel="C0SALES", text="Launch", blocks=blocks)
    second = client.chat_postMessage(channel="C0SALES", text="Second")

    assert first["ok"] and first["channel"] == "C0SALES"
    assert re.fullmatch(r"\d{10}\.\d{6}", first["ts"])
    assert abs(float(first["ts"]) - time.time()) < 60  # a ts is the posting time
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["user"] == SlackSandbox.BOT_USER_ID
    assert first["message"]["bot_id"] == SlackSandbox.BOT_ID

    messages = sandbox.messages("C0SALES")
    assert [m["text"] for m in messages] == ["Launch", "Second"]
    assert messages[0]["blocks"] == blocks

    call = sandbox.calls("chat.postMessage")[0]
    assert call.status == 200 and call.ok
    assert call.params["channel"] == "C0SALES"
    # slack_sdk sends chat.postMessage as JSON, so blocks arrive as a list here.
    assert call.json_param("blocks") == blocks
    assert call.headers["authorization"] == f"Bearer {SlackSandbox.BOT_TOKEN}"


def test_ts_stay_unique_under_concurrent_posts(sandbox: SlackSandbox, client: WebClient) -> None:
    stamps: list[str] = []

    def post() -> None:
        for _ in range(5):
            stamps.append(client.chat_postMessage(channel="C0SALES", text="x")["ts"])

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(stamps)) == 30
    listed = [m["ts"] for m in sandbox.messages("C0SALES")]
    assert listed == sorted(listed, key=float)


def test_thread_replies_attach_to_the_root(sandbox: SlackSandbox, client: WebClient) -> None:
    root = client.chat_postMessage(channel="C0SALES", text="Announcement")["ts"]
    r1 = client.chat_postMessage(channel="C0SALES", text="Pricing deck", thread_ts=root)
    # Replying to a reply still lands in the root's thread, as in Slack.
    client.chat_postMessage(channel="C0SALES", text="Case study", thread_ts=r1["ts"])

    assert r1["message"]["thread_ts"] == root
    assert [m["text"] for m in sandbox.messages("C0SALES")] == ["Announcement"]
    assert [m["text"] for m in sandbox.replies("C0SALES", root)] == ["Pricing deck", "Case study"]
    parent = sandbox.messages("C0SALES")[0]
    assert parent["reply_count"] == 2 and parent["thread_ts"] == root

    api = client.conversations_replies(channel="C0SALES", ts=root)
    assert [m["text"] for m in api["messages"]] == ["Announcement", "Pricing deck", "Case study"]

    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0SALES", text="orphan", thread_ts="1.000001")
    assert err.value.response["error"] == "thread_not_found"


def test_update_and_delete(sandbox: SlackSandbox, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0SALES", text="v1")["ts"]
    new_blocks = [{"type": "header", "text": {"type": "plain_text", "text": "v2"}}]
    updated = client.chat_update(channel="C0SALES", ts=ts, text="v2", blocks=new_blocks)
    assert updated["ts"] == ts and updated["text"] == "v2"
    assert sandbox.messages("C0SALES")[0]["blocks"] == new_blocks
    assert sandbox.message("C0SALES", ts)["text"] == "v2"  # type: ignore[index]

    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C0SALES", ts="1.000002", text="x")
    assert err.value.response["error"] == "message_not_found"

    assert client.chat_delete(channel="C0SALES", ts=ts)["ok"]
    assert sandbox.messages("C0SALES") == []
    with pytest.raises(SlackApiError) as err:
        client.chat_delete(channel="C0SALES", ts=ts)
    assert err.value.response["error"] == "message_not_found"


def test_post_ephemeral_and_permalink(sandbox: SlackSandbox, client: WebClient) -> None:
    res = client.chat_postEphemeral(channel="C0SALES", user="U0REP1", text="only you")
    assert res["message_ts"]
    assert sandbox.ephemerals("C0SALES", "U0REP1")[0]["text"] == "only you"
    assert sandbox.ephemerals(user="U0REP2") == []
    assert sandbox.messages("C0SALES") == []

    with pytest.raises(SlackApiError) as err:
        client.chat_postEphemeral(channel="C0SALES", user="UNOPE", text="x")
    assert err.value.response["error"] == "user_not_found"

    root = client.chat_postMessage(channel="C0SALES", text="root")["ts"]
    reply = client.chat_postMessage(channel="C0SALES", text="r", thread_ts=root)["ts"]
    link = client.chat_getPermalink(channel="C0SALES", message_ts=root)["permalink"]
    assert link == f"https://sandbox-co.slack.com/archives/C0SALES/p{root.replace('.', '')}"
    reply_link = client.chat_getPermalink(channel="C0SALES", message_ts=reply)["permalink"]
    assert f"thread_ts={root}" in reply_link


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "CNOPE", "text": "x"}, "channel_not_found"),
        ({"channel": "C0SALESWEST", "text": "x"}, "not_in_channel"),
        # Real Slack hides private channels the bot is not in: channel_not_found.
        ({"channel": "G0PRIVATE", "text": "x"}, "channel_not_found"),
        ({"channel": "C0ARCHIVED", "text": "x"}, "is_archived"),
        ({"channel": "C0SALES", "text": ""}, "no_text"),
        ({"channel": "C0SALES", "text": "x" * 40_001}, "msg_too_long"),
    ],
)
def test_post_message_errors(
    sandbox: SlackSandbox, client: WebClient, kwargs: dict[str, str], error: str
) -> None:
    with pytest.raises(SlackApiError) as err:
        # api_call: chat_postMessage itself warns client-side about a missing text.
        client.api_call("chat.postMessage", json=kwargs)
    assert err.value.response["error"] == error
    assert sandbox.calls("chat.postMessage")[0].response["error"] == error


def test_tokens_that_are_not_bot_tokens_are_refused(sandbox: SlackSandbox) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxp-user-token", base_url=sandbox.api_url).auth_test()
    assert err.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=sandbox.api_url).chat_postMessage(channel="C0SALES", text="x")
    assert err.value.response["error"] == "not_authed"
    # The token may also travel as a form parameter, as older clients send it.
    ok = WebClient(base_url=sandbox.api_url).api_call(
        "auth.test", params={"token": SlackSandbox.BOT_TOKEN}
    )
    assert ok["user_id"] == SlackSandbox.BOT_USER_ID


def test_unknown_method_and_json_bodies(sandbox: SlackSandbox, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.postMessageTwice")
    assert err.value.response["error"] == "unknown_method"

    blocks = [{"type": "divider"}]
    res = client.api_call(
        "chat.postMessage", json={"channel": "C0SALES", "text": "json", "blocks": blocks}
    )
    assert res["ok"]
    call = sandbox.calls("chat.postMessage")[-1]
    assert call.params["blocks"] == blocks and call.json_param("blocks") == blocks
    assert sandbox.messages("C0SALES")[0]["blocks"] == blocks


def test_json_without_charset_gets_slacks_warning(sandbox: SlackSandbox) -> None:
    import httpx

    res = httpx.post(
        sandbox.api_url + "auth.test",
        content=json.dumps({}),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {SlackSandbox.BOT_TOKEN}",
        },
    ).json()
    assert res["ok"] and res["warning"] == "missing_charset"
    assert res["response_metadata"]["warnings"] == ["missing_charset"]


def test_get_requests_with_query_args_work(sandbox: SlackSandbox) -> None:
    import httpx

    res = httpx.get(
        sandbox.api_url + "users.info",
        params={"user": "UADMIN", "token": SlackSandbox.BOT_TOKEN},
    ).json()
    assert res["user"]["profile"]["email"] == "avery@example.com"


def test_direct_messages(sandbox: SlackSandbox, client: WebClient) -> None:
    opened = client.conversations_open(users="U0REP1")
    dm = opened["channel"]["id"]
    assert dm.startswith("D") and opened["already_open"] is False
    assert client.conversations_open(users="U0REP1")["channel"]["id"] == dm
    client.chat_postMessage(channel=dm, text="psst")
    # Posting to a user id goes to the app's DM with that user.
    client.chat_postMessage(channel="U0REP1", text="again")
    assert [m["text"] for m in sandbox.messages(dm)] == ["psst", "again"]
    group = client.conversations_open(users="U0REP1,U0REP2")["channel"]["id"]
    assert group.startswith("G")
