"""Slack-like chat.postMessage rate limits: per channel bucket, workspace window, records."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import SlackSandbox
from sandbox.ratelimit import PostRateLimiter, RateLimitConfig


def _rejected(client: WebClient, channel: str) -> SlackApiError:
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel=channel, text="too soon")
    return err.value


def test_off_by_default(sandbox: SlackSandbox, client: WebClient) -> None:
    for i in range(5):
        client.chat_postMessage(channel="C0SALES", text=f"m{i}")
    assert len(sandbox.messages("C0SALES")) == 5
    assert len(sandbox.post_times("C0SALES")) == 5
    assert sandbox.rate_limit_stats() == {"chat.postMessage": {"accepted": 5, "rejected": 0}}


def test_one_per_second_per_channel(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.enforce_rate_limits(per_channel_per_second=1, burst=0)
    client.chat_postMessage(channel="C0SALES", text="first")
    err = _rejected(client, "C0SALES")
    assert err.response.status_code == 429
    assert err.response.headers["Retry-After"] == "1"
    assert err.response["error"] == "ratelimited"
    # No side effect: nothing posted, the call log shows the 429.
    assert [m["text"] for m in sandbox.messages("C0SALES")] == ["first"]
    assert [c.status for c in sandbox.calls("chat.postMessage")] == [200, 429]

    # Another channel has its own bucket.
    client.chat_postMessage(channel="C0LEADS", text="other channel")
    assert sandbox.rate_limit_stats()["chat.postMessage"] == {"accepted": 2, "rejected": 1}
    assert len(sandbox.post_times()) == 2
    assert len(sandbox.post_times("C0LEADS")) == 1


def test_bucket_refills(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.enforce_rate_limits(per_channel_per_second=20, burst=0)
    client.chat_postMessage(channel="C0SALES", text="a")
    assert _rejected(client, "C0SALES").response.headers["Retry-After"] == "1"
    time.sleep(0.1)
    client.chat_postMessage(channel="C0SALES", text="b")
    first, second = sandbox.post_times("C0SALES")
    assert second - first >= 0.05


def test_burst_allowance(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.enforce_rate_limits(per_channel_per_second=1, burst=2)
    for i in range(3):
        client.chat_postMessage(channel="C0SALES", text=f"m{i}")
    assert _rejected(client, "C0SALES").response.headers["Retry-After"] == "1"
    assert len(sandbox.messages("C0SALES")) == 3


def test_slow_rate_rounds_retry_after_up(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.enforce_rate_limits(per_channel_per_second=0.4)
    client.chat_postMessage(channel="C0SALES", text="a")
    assert _rejected(client, "C0SALES").response.headers["Retry-After"] == "3"


def test_workspace_window(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.enforce_rate_limits(per_channel_per_second=100, burst=10, workspace_per_minute=3)
    for channel in ("C0SALES", "C0LEADS", "C0SALES"):
        client.chat_postMessage(channel=channel, text="x")
    err = _rejected(client, "C0LEADS")
    assert err.response.status_code == 429
    assert 59 <= int(err.response.headers["Retry-After"]) <= 60
    assert sandbox.rate_limit_stats()["chat.postMessage"] == {"accepted": 3, "rejected": 1}


def test_only_successful_posts_count(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.enforce_rate_limits(per_channel_per_second=1)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0SALESWEST", text="not a member")
    assert err.value.response["error"] == "not_in_channel"
    client.conversations_join(channel="C0SALESWEST")
    client.chat_postMessage(channel="C0SALESWEST", text="now a member")
    assert len(sandbox.post_times("C0SALESWEST")) == 1


def test_update_and_ephemeral_not_limited(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.enforce_rate_limits(per_channel_per_second=1)
    ts = client.chat_postMessage(channel="C0SALES", text="v0")["ts"]
    for i in range(3):
        client.chat_update(channel="C0SALES", ts=ts, text=f"v{i + 1}")
        client.chat_postEphemeral(channel="C0SALES", user="U0REP1", text=f"e{i}")
    assert sandbox.message("C0SALES", ts)["text"] == "v3"  # type: ignore[index]


def test_dm_by_user_id_is_limited_per_dm(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.enforce_rate_limits(per_channel_per_second=1)
    dm = client.chat_postMessage(channel="U0REP1", text="hi")["channel"]
    assert _rejected(client, "U0REP1").response.headers["Retry-After"] == "1"
    assert _rejected(client, dm).response.status_code == 429
    assert len(sandbox.post_times(dm)) == 1


def test_stop_and_reset(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.enforce_rate_limits(per_channel_per_second=1)
    client.chat_postMessage(channel="C0SALES", text="a")
    sandbox.stop_rate_limits()
    client.chat_postMessage(channel="C0SALES", text="b")
    assert len(sandbox.post_times("C0SALES")) == 2
    sandbox.enforce_rate_limits(per_channel_per_second=1)
    sandbox.reset()
    client.chat_postMessage(channel="C0SALES", text="c")
    client.chat_postMessage(channel="C0SALES", text="d")
    assert len(sandbox.post_times()) == 2
    assert sandbox.rate_limit_stats()["chat.postMessage"]["rejected"] == 0


def test_post_times_are_monotonic_and_allow_minimum_duration(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    before = time.monotonic()
    for i in range(3):
        client.chat_postMessage(channel="C0SALES", text=f"m{i}")
    times = sandbox.post_times("C0SALES")
    assert times == sorted(times)
    assert before <= times[0] <= times[-1] <= time.monotonic()


def test_invalid_configuration(sandbox: SlackSandbox) -> None:
    with pytest.raises(ValueError):
        sandbox.enforce_rate_limits(per_channel_per_second=0)
    with pytest.raises(ValueError):
        sandbox.enforce_rate_limits(burst=-1)
    with pytest.raises(ValueError):
        sandbox.enforce_rate_limits(workspace_per_minute=0)


def test_limiter_model_with_explicit_times() -> None:
    limiter = PostRateLimiter(RateLimitConfig(per_channel_per_second=1.0, burst=1))
    assert limiter.retry_after("C1", 0.0) is None
    limiter.consume("C1", 0.0)
    assert limiter.retry_after("C1", 0.0) is None
    limiter.consume("C1", 0.0)
    assert limiter.retry_after("C1", 0.0) == 1
    assert limiter.retry_after("C1", 0.5) == 1
    assert limiter.retry_after("C1", 1.0) is None
    # The bucket never holds more than 1 + burst tokens however long it rests.
    limiter.consume("C1", 100.0)
    limiter.consume("C1", 100.0)
    assert limiter.retry_after("C1", 100.0) == 1

    window = PostRateLimiter(
        RateLimitConfig(per_channel_per_second=100.0, burst=100, workspace_per_minute=2)
    )
    window.consume("C1", 0.0)
    window.consume("C2", 10.0)
    assert window.retry_after("C3", 20.0) == 40
    assert window.retry_after("C3", 59.5) == 1
    assert window.retry_after("C3", 60.0) is None
