"""Message metadata, conversations.history/replies time ranges and pagination, find_messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.metadata import Metadata

from sandbox import SlackSandbox

LAUNCH = {"event_type": "launch_announced", "event_payload": {"launch_id": 7, "tier": "gold"}}


def _post(client: WebClient, text: str, **kwargs: Any) -> str:
    ts = client.chat_postMessage(channel="C0SALES", text=text, **kwargs)["ts"]
    assert isinstance(ts, str)
    return ts


def test_metadata_round_trip_through_history(sandbox: SlackSandbox, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0SALES", text="Launch!", metadata=LAUNCH)
    assert posted["message"]["metadata"] == LAUNCH
    _post(client, "plain")

    bare = client.conversations_history(channel="C0SALES")["messages"]
    assert [m["text"] for m in bare] == ["plain", "Launch!"]
    assert all("metadata" not in m for m in bare)

    full = client.conversations_history(channel="C0SALES", include_all_metadata=True)
    assert full["messages"][1]["metadata"] == LAUNCH
    assert "metadata" not in full["messages"][0]
    # The inspection helpers always show what was stored.
    assert sandbox.message("C0SALES", posted["ts"])["metadata"] == LAUNCH  # type: ignore[index]


def test_metadata_accepts_sdk_model_and_json_string(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    model = Metadata(event_type="launch_updated", event_payload={"launch_id": 1})
    first = _post(client, "model", metadata=model)
    # A form-encoded call carries metadata as a JSON string, as Slack accepts.
    second = client.api_call(
        "chat.postMessage",
        data={"channel": "C0SALES", "text": "form", "metadata": json.dumps(LAUNCH)},
    )["ts"]
    assert sandbox.message("C0SALES", first)["metadata"] == {  # type: ignore[index]
        "event_type": "launch_updated",
        "event_payload": {"launch_id": 1},
    }
    assert sandbox.message("C0SALES", second)["metadata"] == LAUNCH  # type: ignore[index]


@pytest.mark.parametrize(
    "metadata",
    [
        {"event_type": "launch-announced", "event_payload": {}},
        {"event_type": "", "event_payload": {}},
        {"event_type": "launch", "event_payload": ["not", "an", "object"]},
        {"event_type": "launch"},
        {"event_payload": {"a": 1}},
        "{not json",
        "[1, 2]",
    ],
)
def test_invalid_metadata_is_rejected(
    sandbox: SlackSandbox, client: WebClient, metadata: Any
) -> None:
    data = {"channel": "C0SALES", "text": "x", "metadata": metadata}
    if not isinstance(metadata, str):
        data["metadata"] = json.dumps(metadata)
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.postMessage", data=data)
    assert err.value.response["error"] == "invalid_metadata_format"
    assert sandbox.messages("C0SALES") == []


def test_chat_update_sets_keeps_and_removes_metadata(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    ts = _post(client, "draft")
    client.chat_update(channel="C0SALES", ts=ts, text="v1", metadata=LAUNCH)
    assert sandbox.message("C0SALES", ts)["metadata"] == LAUNCH  # type: ignore[index]
    client.chat_update(channel="C0SALES", ts=ts, text="v2")
    assert sandbox.message("C0SALES", ts)["metadata"] == LAUNCH  # type: ignore[index]
    with pytest.raises(SlackApiError) as err:
        client.chat_update(
            channel="C0SALES", ts=ts, text="v3", metadata={"event_type": "a b", "event_payload": {}}
        )
    assert err.value.response["error"] == "invalid_metadata_format"
    assert sandbox.message("C0SALES", ts)["text"] == "v2"  # type: ignore[index]
    client.api_call(
        "chat.update", json={"channel": "C0SALES", "ts": ts, "text": "v4", "metadata": {}}
    )
    assert "metadata" not in sandbox.message("C0SALES", ts)  # type: ignore[operator]


def test_replies_metadata_and_order(sandbox: SlackSandbox, client: WebClient) -> None:
    root = _post(client, "root", metadata=LAUNCH)
    reply_meta = {"event_type": "launch_ack", "event_payload": {"rep": "U0REP1"}}
    first = _post(client, "r1", thread_ts=root, metadata=reply_meta)
    sandbox.add_message("C0SALES", user="U0REP2", text="r2", thread_ts=root)
    _post(client, "r3", thread_ts=root)

    bare = client.conversations_replies(channel="C0SALES", ts=root)["messages"]
    assert [m["text"] for m in bare] == ["root", "r1", "r2", "r3"]
    assert all("metadata" not in m for m in bare)
    full = client.conversations_replies(channel="C0SALES", ts=first, include_all_metadata=True)
    assert [m.get("metadata") for m in full["messages"]] == [LAUNCH, reply_meta, None, None]


def test_history_pagination_newest_first(sandbox: SlackSandbox, client: WebClient) -> None:
    for i in range(7):
        _post(client, f"m{i}")
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = client.conversations_history(channel="C0SALES", limit=3, cursor=cursor or None)
        seen += [m["text"] for m in page["messages"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
        if not cursor:
            break
    assert pages == 3
    assert seen == [f"m{i}" for i in reversed(range(7))]


def test_history_cursor_is_stable_when_new_messages_arrive(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    for i in range(4):
        _post(client, f"m{i}")
    first = client.conversations_history(channel="C0SALES", limit=2)
    _post(client, "late")
    rest = client.conversations_history(
        channel="C0SALES", limit=2, cursor=first["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in first["messages"]] == ["m3", "m2"]
    assert [m["text"] for m in rest["messages"]] == ["m1", "m0"]
    assert rest["has_more"] is False


def test_history_oldest_latest_inclusive(sandbox: SlackSandbox, client: WebClient) -> None:
    ts = [_post(client, f"m{i}") for i in range(5)]

    def texts(**kwargs: Any) -> list[str]:
        messages = client.conversations_history(channel="C0SALES", **kwargs)["messages"]
        return [m["text"] for m in messages]

    assert texts(oldest=ts[1], latest=ts[3]) == ["m2"]
    assert texts(oldest=ts[1], latest=ts[3], inclusive=True) == ["m3", "m2", "m1"]
    assert texts(oldest=ts[3]) == ["m4"]
    assert texts(latest=ts[1]) == ["m0"]
    assert texts(latest=ts[1], inclusive=True) == ["m1", "m0"]
    assert texts(oldest=ts[0], inclusive=True, limit=2) == ["m4", "m3"]
    with pytest.raises(SlackApiError) as err:
        client.conversations_history(channel="C0SALES", oldest="yesterday")
    assert err.value.response["error"] == "invalid_ts_oldest"
    with pytest.raises(SlackApiError) as err:
        client.conversations_history(channel="C0SALES", latest="soon")
    assert err.value.response["error"] == "invalid_ts_latest"
    with pytest.raises(SlackApiError) as err:
        client.conversations_history(channel="C0SALES", cursor="bm9wZQ==")
    assert err.value.response["error"] == "invalid_cursor"


def test_history_range_combined_with_pagination(sandbox: SlackSandbox, client: WebClient) -> None:
    ts = [_post(client, f"m{i}") for i in range(6)]
    first = client.conversations_history(channel="C0SALES", oldest=ts[0], latest=ts[5], limit=2)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3"]
    second = client.conversations_history(
        channel="C0SALES",
        oldest=ts[0],
        latest=ts[5],
        limit=2,
        cursor=first["response_metadata"]["next_cursor"],
    )
    assert [m["text"] for m in second["messages"]] == ["m2", "m1"]
    assert second["has_more"] is False


def test_replies_pagination_parent_first(sandbox: SlackSandbox, client: WebClient) -> None:
    root = _post(client, "root")
    reply_ts = [_post(client, f"r{i}", thread_ts=root) for i in range(5)]
    first = client.conversations_replies(channel="C0SALES", ts=root, limit=2)
    assert [m["text"] for m in first["messages"]] == ["root", "r0"]
    assert first["has_more"] is True
    texts: list[str] = []
    cursor = first["response_metadata"]["next_cursor"]
    while cursor:
        page = client.conversations_replies(channel="C0SALES", ts=root, limit=2, cursor=cursor)
        texts += [m["text"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
    assert texts == ["r1", "r2", "r3", "r4"]

    ranged = client.conversations_replies(
        channel="C0SALES", ts=root, oldest=reply_ts[1], latest=reply_ts[3], inclusive=True
    )
    assert [m["text"] for m in ranged["messages"]] == ["root", "r1", "r2", "r3"]


def test_find_messages(sandbox: SlackSandbox, client: WebClient) -> None:
    root = _post(client, "launch", metadata=LAUNCH)
    _post(client, "chatter")
    ack = {"event_type": "launch_ack", "event_payload": {}}
    _post(client, "ack", thread_ts=root, metadata=ack)
    _post(client, "plain reply", thread_ts=root)

    found = sandbox.find_messages("C0SALES", event_type="launch_announced")
    assert [m["text"] for m in found] == ["launch"]
    assert found[0]["metadata"] == LAUNCH
    assert [m["text"] for m in sandbox.find_messages("C0SALES")] == ["launch", "chatter"]
    assert sandbox.find_messages("C0SALES", event_type="launch_ack") == []
    in_thread = sandbox.find_messages("C0SALES", event_type="launch_ack", thread_ts=root)
    assert [m["text"] for m in in_thread] == ["ack"]
    assert len(sandbox.find_messages("C0SALES", thread_ts=root)) == 2
    assert sandbox.find_messages("C0LEADS", event_type="launch_announced") == []
