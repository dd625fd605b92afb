from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.delivery import MAX_ATTEMPTS, Action, backoff, decide
from domain.schedule import describe, launch_instant, local_today


@pytest.mark.parametrize(
    ("launch", "zone", "now", "expected"),
    [
        # Today (in the marketer's zone) or earlier: post now.
        (date(2026, 3, 2), "Europe/Paris", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), None),
        (date(2026, 3, 1), "Europe/Paris", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), None),
        # Late evening UTC is already tomorrow in Tokyo: the 3rd is "today" there.
        (date(2026, 3, 3), "Asia/Tokyo", datetime(2026, 3, 2, 20, 0, tzinfo=UTC), None),
        # Later: 09:00 local on the day.
        (
            date(2026, 3, 3),
            "Europe/Paris",
            datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
            datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
        ),
        # Across a DST change: New York is UTC-5 before 8 March 2026, UTC-4 after.
        (
            date(2026, 3, 9),
            "America/New_York",
            datetime(2026, 3, 6, 12, 0, tzinfo=UTC),
            datetime(2026, 3, 9, 13, 0, tzinfo=UTC),
        ),
        (
            date(2026, 3, 6),
            "America/New_York",
            datetime(2026, 3, 5, 12, 0, tzinfo=UTC),
            datetime(2026, 3, 6, 14, 0, tzinfo=UTC),
        ),
        # Europe changes on 29 March 2026 (UTC+1 -> UTC+2).
        (
            date(2026, 3, 30),
            "Europe/Berlin",
            datetime(2026, 3, 20, 12, 0, tzinfo=UTC),
            datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
        ),
        # Unknown zone: UTC.
        (
            date(2026, 3, 3),
            "Mars/Olympus",
            datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
            datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
        ),
    ],
)
def test_launch_instant(launch: date, zone: str, now: datetime, expected: datetime | None) -> None:
    assert launch_instant(launch, zone, now) == expected


def test_local_today_and_describe() -> None:
    now = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert local_today(now, "Asia/Tokyo") == date(2026, 12, 2)
    assert describe(datetime(2026, 12, 3, 8, 0, tzinfo=UTC), "Europe/Paris") == (
        "Thu 3 Dec 09:00 Europe/Paris"
    )


def test_rate_limits_wait_without_using_an_attempt() -> None:
    decision = decide(error="ratelimited", status=429, retry_after=7, attempts=MAX_ATTEMPTS)
    assert (decision.action, decision.delay_s) == (Action.RETRY, 7)
    assert decide(error=None, status=429, retry_after=None, attempts=1).delay_s == 1


@pytest.mark.parametrize(
    ("error", "status", "action", "verify"),
    [
        ("not_in_channel", 200, Action.JOIN_THEN_RETRY, False),
        ("channel_not_found", 200, Action.FAIL, False),
        ("is_archived", 200, Action.FAIL, False),
        ("invalid_blocks", 200, Action.FAIL, False),
        ("internal_error", 200, Action.RETRY, True),  # Slack may have posted it
        ("some_new_error", 200, Action.RETRY, False),
        (None, 503, Action.RETRY, True),  # may have been posted: look first
        (None, None, Action.RETRY, True),  # timeout or dropped connection
    ],
)
def test_decide(error: str | None, status: int | None, action: Action, verify: bool) -> None:
    decision = decide(error=error, status=status, retry_after=None, attempts=1)
    assert decision.action is action
    assert decision.verify_first is verify
    if action is Action.FAIL:
        assert decision.reason


def test_transient_errors_give_up_after_max_attempts() -> None:
    assert decide(error=None, status=500, retry_after=None, attempts=MAX_ATTEMPTS).action is (
        Action.FAIL
    )


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(50) == 600
