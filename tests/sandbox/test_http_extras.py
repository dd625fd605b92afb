"""Response URLs, scripted web pages and reset."""

from __future__ import annotations

import time

import httpx
from slack_sdk.webhook import WebhookClient

from sandbox import SlackSandbox


def test_response_urls_are_captured(sandbox: SlackSandbox) -> None:
    url = sandbox.new_response_url()
    other = sandbox.new_response_url()
    assert url.startswith(sandbox.base_url + "response/") and url != other
    res = WebhookClient(url).send(text="Only you can see this", response_type="ephemeral")
    assert res.status_code == 200
    WebhookClient(other).send_dict({"text": "second", "replace_original": True})
    assert sandbox.responses(url) == [
        {"text": "Only you can see this", "response_type": "ephemeral"}
    ]
    assert [r["text"] for r in sandbox.responses()] == ["Only you can see this", "second"]
    call = sandbox.calls("response_url")[0]
    assert call.params["url"] == url and call.params["text"] == "Only you can see this"
    assert httpx.post(sandbox.base_url + "response/unknown", json={"text": "x"}).status_code == 404


def test_pages_redirects_delays_and_head(sandbox: SlackSandbox) -> None:
    final = sandbox.set_page("deck", body="<html><head><title>Pricing deck</title></head></html>")
    moved = sandbox.set_page("old", body="", status=302, headers={"Location": final})
    slow = sandbox.set_page("slow", body="<title>Slow</title>", delay=0.5)
    big = sandbox.set_page("big", body=b"x" * 2_000_000, content_type="application/octet-stream")

    res = httpx.get(moved, follow_redirects=True)
    assert res.status_code == 200 and "<title>Pricing deck</title>" in res.text
    assert res.history[0].status_code == 302

    start = time.monotonic()
    try:
        httpx.get(slow, timeout=0.1)
        raise AssertionError("expected a timeout")
    except httpx.TimeoutException:
        pass
    assert time.monotonic() - start < 0.45

    head = httpx.head(big)
    assert head.status_code == 200 and head.headers["content-length"] == "2000000"
    assert head.content == b""
    assert len(httpx.get(big).content) == 2_000_000
    assert httpx.get(sandbox.base_url + "pages/missing").status_code == 404


def test_reset_clears_everything_and_reseeds(sandbox: SlackSandbox) -> None:
    from slack_sdk import WebClient

    client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url=sandbox.api_url)
    last = client.chat_postMessage(channel="C0SALES", text="before")["ts"]
    sandbox.add_channel("C0NEW", name="new")
    sandbox.fail_next("auth.test", error="fatal_error")
    url = sandbox.set_page("p", body="x")
    sandbox.reset()
    assert sandbox.calls() == [] and sandbox.messages("C0SALES") == []
    assert client.auth_test()["ok"]
    assert httpx.get(url).status_code == 404
    # Timestamps keep growing across resets so an app's stored ts never collide.
    assert float(client.chat_postMessage(channel="C0SALES", text="after")["ts"]) > float(last)
    assert "C0NEW" not in {c["id"] for c in client.conversations_list()["channels"]}
