"""What to do when Slack refuses a message (SPEC: rate limits delay messages but never lose
them; an interrupted fan-out resumes; nothing is posted twice)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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
