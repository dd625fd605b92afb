"""What to do when Slack refuses a message (SPEC: rate limits delay messages but never lose
them; an interrupted fan-out resumes; nothing is posted twice)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Transient trouble is retried for hours (1, 2, 4 … 600 s): an outage of Slack or of the
# network delays messages but does not lose them.
MAX_ATTEMPTS = 30
BASE_DELAY_S = 1.0
MAX_DELAY_S = 600.0
# Errors Slack documents as possibly having done part of the work.
AMBIGUOUS = frozenset({"internal_error", "fatal_error", "request_timeout", "service_unavailable"})
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


PERMANENT = {
    "channel_not_found": (
        "Liaison isn't in this channel: private channels need an invitation "
        "(`/invite @Liaison`), or the channel no longer exists"
    ),
    "is_archived": "the channel is archived",
    "restricted_action": "posting is restricted in this channel",
    "restricted_action_read_only_channel": "the channel is read-only",
    "restricted_action_thread_only_channel": "the channel only allows replies in threads",
    "restricted_action_non_threadable_channel": "the channel does not allow threads",
    "ekm_access_denied": "the workspace's key management refused the message",
    "msg_too_long": "the message was too long",
    "invalid_blocks": "Slack refused the message's layout",
    "no_text": "the message was empty",
    "not_authed": "Liaison is not installed in this workspace any more",
    "invalid_auth": "Liaison is not installed in this workspace any more",
    "account_inactive": "Liaison is not installed in this workspace any more",
    "token_revoked": "Liaison is not installed in this workspace any more",
    "missing_scope": "Liaison lacks a permission to post here (reinstall it from manifest.yml)",
    "thread_not_found": "the announcement this belongs to is gone",
    "message_not_found": "the announcement this belongs to is gone",
}


def backoff(attempts: int) -> float:
    """Seconds to wait before attempt number `attempts + 1` (exponential, capped)."""
    return float(min(MAX_DELAY_S, BASE_DELAY_S * 2 ** max(attempts - 1, 0)))


def decide(
    *, error: str | None, status: int | None, retry_after: float | None, attempts: int
) -> Decision:
    """Classify one refusal. `attempts` counts attempts made, including this one."""
    if status == 429 or error == "ratelimited":
        # Being told to wait is not a failure: no attempt is used up.
        return Decision(Action.RETRY, delay_s=max(retry_after or 1.0, 1.0))
    if error == "not_in_channel":
        return Decision(Action.JOIN_THEN_RETRY)
    if error in PERMANENT:
        return Decision(Action.FAIL, reason=PERMANENT[error])
    if attempts >= MAX_ATTEMPTS:
        return Decision(
            Action.FAIL, reason=f"Slack kept failing ({error or status or 'no answer'})"
        )
    ambiguous = error is None or error in AMBIGUOUS or (status is not None and status >= 500)
    return Decision(Action.RETRY, delay_s=backoff(attempts), verify_first=ambiguous)
