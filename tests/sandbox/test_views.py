"""views.* through the real WebClient."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from sandbox import SlackSandbox
from sandbox.payloads import new_trigger_id


def _modal(title: str = "Launch", **extra: Any) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id="launch",
        title=title,
        submit="Post",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id="name",
                label="Campaign name",
                element=PlainTextInputElement(action_id="value"),
            )
        ],
    ).to_dict()
    view.update(extra)
    return view


def test_open_push_update_and_records(sandbox: SlackSandbox, client: WebClient) -> None:
    first, second = new_trigger_id(), new_trigger_id()
    opened = client.views_open(trigger_id=first, view=_modal(private_metadata="C0SALES"))
    view = opened["view"]
    assert view["id"].startswith("V") and view["hash"]
    assert view["callback_id"] == "launch" and view["private_metadata"] == "C0SALES"
    assert view["state"] == {"values": {}} and view["root_view_id"] == view["id"]

    pushed = client.views_push(trigger_id=second, view=_modal("Step two"))["view"]
    assert pushed["previous_view_id"] == view["id"]

    updated = client.views_update(view_id=view["id"], view=_modal("Edited"), hash=view["hash"])
    assert updated["view"]["title"]["text"] == "Edited" and updated["view"]["id"] == view["id"]

    with pytest.raises(SlackApiError) as err:
        client.views_update(view_id=view["id"], view=_modal(), hash="stale.hash")
    assert err.value.response["error"] == "hash_conflict"

    recorded = sandbox.views()
    assert [(v["method"], v["trigger_id"]) for v in recorded] == [
        ("views.update", first),
        ("views.push", second),
    ]
    assert recorded[0]["title"]["text"] == "Edited"


def test_update_by_external_id_and_not_found(sandbox: SlackSandbox, client: WebClient) -> None:
    client.views_open(trigger_id=new_trigger_id(), view=_modal(external_id="launch-42"))
    res = client.views_update(external_id="launch-42", view=_modal("By external id"))
    assert res["view"]["external_id"] == "launch-42"
    with pytest.raises(SlackApiError) as err:
        client.views_update(view_id="V404", view=_modal())
    assert err.value.response["error"] == "not_found"
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=new_trigger_id(), view=_modal(external_id="launch-42"))
    assert err.value.response["error"] == "duplicate_external_id"


def test_trigger_ids_are_single_use(sandbox: SlackSandbox, client: WebClient) -> None:
    once = new_trigger_id()
    client.views_open(trigger_id=once, view=_modal())
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=once, view=_modal())
    assert err.value.response["error"] == "exchanged_trigger_id"
    with pytest.raises(SlackApiError) as err:
        client.api_call("views.open", json={"view": _modal()})
    assert err.value.response["error"] == "invalid_arguments"


def test_trigger_ids_expire_after_3_seconds(sandbox: SlackSandbox, client: WebClient) -> None:
    """Slack's trigger lives 3 s: a late views.open (or views.push) is refused, as in Slack."""
    fresh_enough = new_trigger_id(issued_at=time.time() - 2.5)
    client.views_open(trigger_id=fresh_enough, view=_modal())
    for method in (client.views_open, client.views_push):
        with pytest.raises(SlackApiError) as err:
            method(trigger_id=new_trigger_id(issued_at=time.time() - 3.5), view=_modal())
        assert err.value.response["error"] == "expired_trigger_id"
    assert len(sandbox.views()) == 1


@pytest.mark.parametrize("trigger_id", ["trig-1", "12345.67890.abcdef", "1.2.3"])
def test_trigger_ids_the_sandbox_did_not_issue_are_invalid(
    client: WebClient, trigger_id: str
) -> None:
    forged = new_trigger_id().rsplit(".", 1)[0] + ".0123456789abcdef0123456789abcdef"
    for candidate in (trigger_id, forged):
        with pytest.raises(SlackApiError) as err:
            client.views_open(trigger_id=candidate, view=_modal())
        assert err.value.response["error"] == "invalid_trigger_id"


@pytest.mark.parametrize(
    ("view", "pointer"),
    [
        (
            {"type": "modal", "title": {"type": "plain_text", "text": "T" * 25}, "blocks": []},
            "/view/title/text",
        ),
        ({**_modal(), "private_metadata": "m" * 3001}, "/view/private_metadata"),
        ({**_modal(), "callback_id": "c" * 256}, "/view/callback_id"),
        ({**_modal(), "blocks": [{"type": "divider"}] * 101}, "/view/blocks"),
        ({**_modal(), "type": "dialog"}, "/view/type"),
    ],
)
def test_invalid_views_are_refused(client: WebClient, view: dict[str, Any], pointer: str) -> None:
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=new_trigger_id(), view=view)
    assert err.value.response["error"] == "invalid_arguments"
    messages = err.value.response["response_metadata"]["messages"]
    assert any(f"[json-pointer:{pointer}]" in m for m in messages), messages


def test_publish_home(sandbox: SlackSandbox, client: WebClient) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    first = client.views_publish(user_id="U0MKT1", view=home)["view"]
    again = client.views_publish(user_id="U0MKT1", view=home, hash=first["hash"])["view"]
    assert again["id"] == first["id"]
    assert sandbox.home_view("U0MKT1")["blocks"] == home["blocks"]  # type: ignore[index]
    assert sandbox.home_view("U0REP1") is None
    assert sandbox.views() == []
    with pytest.raises(SlackApiError) as err:
        client.views_publish(user_id="UNOPE", view=home)
    assert err.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as err:
        client.views_publish(user_id="U0MKT1", view=_modal())
    assert err.value.response["error"] == "invalid_arguments"
