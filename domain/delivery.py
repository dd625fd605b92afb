"""Slack delivery rules (SPEC: rate limits delay messages but never lose them; an
interrupted fan-out resumes; nothing is posted twice).

What a refusal means (permanent, retried and after how long, checked first), and how a
post an earlier attempt may have made is recognised: the delivery worker (workers/) makes
the Slack calls and applies these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from domain.slack_errors import Kind, classify

# Transient trouble is retried for hours (1, 2, 4 … 600 s): an outage of Slack or of the
# network delays messages but does not lose them.
MAX_ATTEMPTS = 30
BASE_DELAY_S = 1.0
MAX_DELAY_S = 600.0
# A `rate_limited` body (HTTP 200) names no Retry-After: wait this long before posting again.
RATE_LIMITED_WAIT_S = 5.0
# Slack allows about one message per second per channel.
CHANNEL_INTERVAL_S = 1.0
# Every post carries its outbox row's id and key in Slack's message metadata, under this
# event type, so a post an earlier attempt may have made is found again, not made twice.
METADATA_EVENT = "liaison_outbox"
# How far before a row's creation its channel's history is searched for its post.
HISTORY_SLACK_S = 120
# Methods that change nothing when repeated: an unanswered one is simply made again.
IDEMPOTENT_METHODS = frozenset({"chat.update"})


class Action(StrEnum):
    """The next step for a message Slack did not accept."""

    RETRY = "retry"  # try again after `delay_s`
    JOIN_THEN_RETRY = "join"  # a public channel the bot is not in yet
    FAIL = "fail"  # give up and tell the marketer why


@dataclass(frozen=True)
class Decision:
    """What to do next, and the words for the marketer if it is a failure."""

    action: Action
    delay_s: float = 0.0
    reason: str = ""
    # The request may have reached Slack (timeouts, 5xx): check before posting again.
    verify_first: bool = False
    # Slack asked us to wait (429 or a `rate_limited` body): no attempt is used up.
    rate_limited: bool = False


def backoff(attempts: int) -> float:
    """Seconds to wait before attempt number `attempts + 1` (exponential, capped)."""
    return float(min(MAX_DELAY_S, BASE_DELAY_S * 2 ** max(attempts - 1, 0)))


def decide(
    *,
    error: str | None,
    status: int | None,
    retry_after: float | None,
    attempts: int,
    method: str = "chat.postMessage",
) -> Decision:
    """Classify one refusal of `method`. `attempts` counts attempts made, including this one."""
    meaning = classify(method, error)
    if status == 429 or meaning.kind is Kind.RATE_LIMITED:
        # Being told to wait is not a failure: no attempt is used up.
        default = 1.0 if status == 429 else RATE_LIMITED_WAIT_S
        wait = max(retry_after if retry_after is not None else default, 1.0)
        return Decision(Action.RETRY, delay_s=wait, rate_limited=True)
    if meaning.kind is Kind.JOIN:
        return Decision(Action.JOIN_THEN_RETRY)
    if meaning.kind in (Kind.PERMANENT, Kind.REVOKED):
        return Decision(Action.FAIL, reason=meaning.reason)
    if attempts >= MAX_ATTEMPTS:
        return Decision(
            Action.FAIL, reason=f"Slack kept failing ({error or status or 'no answer'})"
        )
    ambiguous = error is None or meaning.maybe_done or (status is not None and status >= 500)
    return Decision(Action.RETRY, delay_s=backoff(attempts), verify_first=ambiguous)


def decide_refusal(
    *,
    method: str,
    error: str | None,
    status: int | None,
    retry_after: float | None,
    attempts: int,
    verifying: bool = False,
    joining: bool = False,
) -> Decision:
    """What one Slack refusal means for the message being sent.

    `verifying`: the refusal answered the look for an earlier post (conversations.history
    or .replies), not the post. `joining`: it answered the conversations.join made so the
    post could go in (`method` is then the post's method).
    """
    decision = decide(
        method="conversations.join" if joining else method,
        error=error,
        status=status,
        retry_after=retry_after,
        attempts=attempts,
    )
    if verifying and decision.action is not Action.RETRY:
        # The look itself failed for good: the post can't be confirmed either way.
        decision = decide(error=None, status=None, retry_after=None, attempts=attempts)
    if decision.action is Action.JOIN_THEN_RETRY or (
        joining and classify("conversations.join", error).kind is Kind.PERMANENT
    ):
        # Not a member and cannot join (a private channel, an archived one, ...).
        decision = decide(error="channel_not_found", status=200, retry_after=None, attempts=1)
    if verifying and decision.action is Action.RETRY:
        decision = replace(decision, verify_first=True)
    return decision


def decide_no_answer(*, method: str, attempts: int) -> Decision:
    """A request that got no answer (timeout, reset): a post may have landed, so it is
    looked for before it is made again; an idempotent call is just made again."""
    if method in IDEMPOTENT_METHODS:
        return decide(
            method=method, error="network", status=None, retry_after=None, attempts=attempts
        )
    return decide(method=method, error=None, status=None, retry_after=None, attempts=attempts)


def retry_after_s(headers: Any) -> float | None:
    """Slack's Retry-After header in seconds, or None when it is missing or unreadable."""
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return float(value) if value is not None else None
    except (TypeError, ValueError, AttributeError):
        return None


def post_metadata(*, job_id: int, dedupe_key: str) -> dict[str, Any]:
    """The message metadata a post carries, so it can be recognised later."""
    return {"event_type": METADATA_EVENT, "event_payload": {"id": job_id, "key": dedupe_key}}


def history_oldest(created_at: datetime) -> str:
    """The `oldest` bound (a Slack ts) for searching a channel's history for a row's post."""
    return f"{(created_at - timedelta(seconds=HISTORY_SLACK_S)).timestamp():.6f}"


def find_post(messages: Iterable[Mapping[str, Any]], *, job_id: int, dedupe_key: str) -> str | None:
    """The ts of the message among `messages` that is this row's post, else None."""
    for message in messages:
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        if (
            meta.get("event_type") == METADATA_EVENT
            and payload.get("id") == job_id
            and payload.get("key") == dedupe_key
        ):
            return str(message["ts"])
    return None
