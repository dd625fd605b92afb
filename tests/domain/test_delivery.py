"""Slack delivery rules: what a refusal means, and how an earlier post is recognised.

Pure: no Slack, no database. The delivery worker (workers/delivery.py) applies them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.delivery import (
    MAX_ATTEMPTS,
    METADATA_EVENT,
    Action,
    Decision,
    backoff,
    decide_no_answer,
    decide_refusal,
    find_post,
    history_oldest,
    post_metadata,
    retry_after_s,
)
from domain.slack_errors import classify

CHANNEL_GONE = classify("chat.postMessage", "channel_not_found").reason


def refusal(
    error: str | None,
    *,
    method: str = "chat.postMessage",
    status: int | None = 200,
    retry_after: float | None = None,
    attempts: int = 1,
    verifying: bool = False,
    joining: bool = False,
) -> Decision:
    return decide_refusal(
        method=method,
        error=error,
        status=status,
        retry_after=retry_after,
        attempts=attempts,
        verifying=verifying,
        joining=joining,
    )


def test_a_permanent_refusal_fails_at_once_with_its_reason() -> None:
    assert refusal("is_archived") == Decision(Action.FAIL, reason="the channel is archived")
    revoked = refusal("invalid_auth", attempts=2)
    assert revoked.action is Action.FAIL
    assert revoked.reason == "Liaison is not installed in this workspace any more"


def test_a_429_waits_as_long_as_slack_asks_and_uses_no_attempt() -> None:
    told = refusal(None, status=429, retry_after=7, attempts=MAX_ATTEMPTS)
    assert told == Decision(Action.RETRY, delay_s=7, rate_limited=True)
    # No Retry-After: a second; never less than a second.
    assert refusal(None, status=429).delay_s == 1.0
    assert refusal(None, status=429, retry_after=0.2).delay_s == 1.0


def test_slack_s_own_trouble_is_retried_with_backoff_and_looked_for_first() -> None:
    # fatal_error may have posted: look in the channel before posting again.
    assert refusal("fatal_error", attempts=2) == Decision(
        Action.RETRY, delay_s=backoff(2), verify_first=True
    )
    assert refusal(None, status=503, attempts=4).verify_first
    # ... until the attempts run out.
    given_up = refusal("fatal_error", attempts=MAX_ATTEMPTS)
    assert given_up == Decision(Action.FAIL, reason="Slack kept failing (fatal_error)")


def test_backoff_doubles_up_to_ten_minutes() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff(20) == 600.0


def test_not_in_a_channel_it_cannot_join_is_the_channel_gone() -> None:
    # The worker joins public channels itself; a not_in_channel that reaches the rules
    # means joining did not help.
    assert refusal("not_in_channel") == Decision(Action.FAIL, reason=CHANNEL_GONE)
    # A join refused for good reads the same, whatever the join's own error.
    assert refusal("is_archived", joining=True) == Decision(Action.FAIL, reason=CHANNEL_GONE)
    assert refusal("method_not_supported_for_channel_type", joining=True).reason == CHANNEL_GONE


def test_a_rate_limited_join_waits_like_a_post() -> None:
    assert refusal("ratelimited", status=429, joining=True) == Decision(
        Action.RETRY, delay_s=1.0, rate_limited=True
    )


def test_a_failed_look_for_an_earlier_post_never_gives_up_on_the_message() -> None:
    # The history could not be read: the post can't be confirmed either way, so the
    # message is looked for again later rather than failed (or posted blind).
    looked = refusal("channel_not_found", method="conversations.history", verifying=True)
    assert looked == Decision(Action.RETRY, delay_s=backoff(1), verify_first=True)
    waited = refusal(
        None, method="conversations.replies", status=429, retry_after=3, verifying=True
    )
    assert waited == Decision(Action.RETRY, delay_s=3, verify_first=True, rate_limited=True)
    # Only the attempts running out end it.
    last = refusal(
        "channel_not_found", method="conversations.history", verifying=True, attempts=MAX_ATTEMPTS
    )
    assert last == Decision(Action.FAIL, reason="Slack kept failing (no answer)")


def test_no_answer_to_a_post_is_looked_for_but_an_edit_is_just_made_again() -> None:
    assert decide_no_answer(method="chat.postMessage", attempts=3) == Decision(
        Action.RETRY, delay_s=backoff(3), verify_first=True
    )
    assert decide_no_answer(method="chat.update", attempts=3) == Decision(
        Action.RETRY, delay_s=backoff(3)
    )
    assert decide_no_answer(method="chat.update", attempts=MAX_ATTEMPTS).reason == (
        "Slack kept failing (network)"
    )


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "30"}, 30.0),
        ({"retry-after": "2.5"}, 2.5),
        ({}, None),
        ({"Retry-After": "soon"}, None),
        (None, None),
    ],
)
def test_retry_after_is_read_or_left_out(headers: Any, seconds: float | None) -> None:
    assert retry_after_s(headers) == seconds


def message(ts: str, metadata: dict[str, Any] | None) -> dict[str, Any]:
    return {"ts": ts, "text": "hello", **({"metadata": metadata} if metadata else {})}


def test_a_post_is_found_again_by_its_row_id_and_key() -> None:
    mine = post_metadata(job_id=42, dedupe_key="c7:announce:C1")
    assert mine == {
        "event_type": METADATA_EVENT,
        "event_payload": {"id": 42, "key": "c7:announce:C1"},
    }
    history = [
        message("1.0", None),  # someone's message
        message("2.0", {"event_type": "other_app", "event_payload": {"id": 42}}),
        # The same row id after the table was emptied: another message.
        message("3.0", post_metadata(job_id=42, dedupe_key="c1:announce:C1")),
        message("4.0", post_metadata(job_id=41, dedupe_key="c7:announce:C1")),
        message("5.0", mine),
    ]
    assert find_post(history, job_id=42, dedupe_key="c7:announce:C1") == "5.0"
    assert find_post(history[:4], job_id=42, dedupe_key="c7:announce:C1") is None
    assert find_post([], job_id=42, dedupe_key="c7:announce:C1") is None


def test_the_history_is_searched_from_two_minutes_before_the_row() -> None:
    created = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert history_oldest(created) == f"{datetime(2026, 3, 2, 11, 58, tzinfo=UTC).timestamp():.6f}"
    assert history_oldest(created) == "1772452680.000000"
