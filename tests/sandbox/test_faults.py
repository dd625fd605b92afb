"""Scripted faults and slack_sdk's retry handlers."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from sandbox import SlackSandbox


def test_rate_limit_is_retried_by_the_rate_limit_handler(sandbox: SlackSandbox) -> None:
    client = WebClient(
        token=SlackSandbox.BOT_TOKEN,
        base_url=sandbox.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    sandbox.fail_next("chat.postMessage", status=429, retry_after=0)
    res = client.chat_postMessage(channel="C0SALES", text="eventually")
    assert res["ok"]
    attempts = sandbox.calls("chat.postMessage")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[0].response == {"ok": False, "error": "ratelimited"}
    # The throttled attempt had no side effect: exactly one message.
    assert [m["text"] for m in sandbox.messages("C0SALES")] == ["eventually"]


def test_rate_limit_without_handler_surfaces_retry_after(sandbox: SlackSandbox) -> None:
    client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url=sandbox.api_url, retry_handlers=[])
    sandbox.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0SALES", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.response["error"] == "ratelimited"
    assert sandbox.messages("C0SALES") == []


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried_by_the_server_error_handler(
    sandbox: SlackSandbox, status: int
) -> None:
    client = WebClient(
        token=SlackSandbox.BOT_TOKEN,
        base_url=sandbox.api_url,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=2)],
    )
    sandbox.fail_next("chat.update", status=status)
    ts = client.chat_postMessage(channel="C0SALES", text="v1")["ts"]
    client.chat_update(channel="C0SALES", ts=ts, text="v2")
    assert [c.status for c in sandbox.calls("chat.update")] == [status, 200]
    assert sandbox.messages("C0SALES")[0]["text"] == "v2"


def test_scripted_error_answers_ok_false_and_times(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    sandbox.fail_next("users.info", error="fatal_error", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            client.users_info(user="UADMIN")
        assert err.value.response.status_code == 200
        assert err.value.response["error"] == "fatal_error"
    assert client.users_info(user="UADMIN")["ok"]


def test_wait_for_calls_times_out_with_a_useful_message(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"expected 1 chat.postMessage call\(s\).*auth.test"):
        sandbox.wait_for_calls("chat.postMessage", timeout=0.05)
    assert len(sandbox.wait_for_calls("auth.test")) == 1
