from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.digest_data import Period
from domain.periods import (
    day_label,
    last_fire,
    period_between,
    previous_period,
    rolling_period,
    scheduled_period,
    span_label,
    week_starts,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"
MON, FRI, SUN = 0, 4, 6


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# 2026 DST changes: Berlin 29 Mar (02:00 -> 03:00) and 25 Oct (03:00 -> 02:00); New York
# 8 Mar (02:00 -> 03:00) and 1 Nov (02:00 -> 01:00); Sydney 5 Apr (03:00 -> 02:00) and
# 4 Oct (02:00 -> 03:00).
@pytest.mark.parametrize(
    ("now", "weekday", "at", "zone", "expected"),
    [
        # The day and the minute itself: at or before now, so this very instant.
        (utc(2026, 11, 23, 8, 0), MON, time(9, 0), BERLIN, utc(2026, 11, 23, 8, 0)),
        # The day, one second early: last week's.
        (utc(2026, 11, 23, 7, 59, 59), MON, time(9, 0), BERLIN, utc(2026, 11, 16, 8, 0)),
        (utc(2026, 11, 24, 12, 0), MON, time(9, 0), BERLIN, utc(2026, 11, 23, 8, 0)),
        (utc(2026, 11, 22, 23, 0), MON, time(9, 0), BERLIN, utc(2026, 11, 16, 8, 0)),
        # First Monday in summer time (UTC+2) and the last one in winter time (UTC+1).
        (utc(2026, 3, 30, 7, 0), MON, time(9, 0), BERLIN, utc(2026, 3, 30, 7, 0)),
        (utc(2026, 3, 30, 6, 59), MON, time(9, 0), BERLIN, utc(2026, 3, 23, 8, 0)),
        (utc(2026, 10, 26, 8, 0), MON, time(9, 0), BERLIN, utc(2026, 10, 26, 8, 0)),
        # 02:30 does not exist on 29 Mar in Berlin: it moves forward to 03:30 CEST.
        (utc(2026, 3, 29, 12, 0), SUN, time(2, 30), BERLIN, utc(2026, 3, 29, 1, 30)),
        (utc(2026, 3, 29, 1, 29), SUN, time(2, 30), BERLIN, utc(2026, 3, 22, 1, 30)),
        # 02:30 happens twice on 25 Oct in Berlin: the first one (CEST) counts.
        (utc(2026, 10, 25, 12, 0), SUN, time(2, 30), BERLIN, utc(2026, 10, 25, 0, 30)),
        (utc(2026, 10, 25, 1, 15), SUN, time(2, 30), BERLIN, utc(2026, 10, 25, 0, 30)),
        (utc(2026, 10, 25, 0, 15), SUN, time(2, 30), BERLIN, utc(2026, 10, 18, 0, 30)),
        # New York: Monday 09:00 EDT (UTC-4) after 8 March, EST (UTC-5) before.
        (utc(2026, 3, 9, 13, 0), MON, time(9, 0), NEW_YORK, utc(2026, 3, 9, 13, 0)),
        (utc(2026, 3, 9, 12, 59), MON, time(9, 0), NEW_YORK, utc(2026, 3, 2, 14, 0)),
        (utc(2026, 11, 2, 14, 0), MON, time(9, 0), NEW_YORK, utc(2026, 11, 2, 14, 0)),
        # 02:30 skipped on 8 Mar (-> 03:30 EDT); 01:30 twice on 1 Nov (-> the EDT one).
        (utc(2026, 3, 8, 12, 0), SUN, time(2, 30), NEW_YORK, utc(2026, 3, 8, 7, 30)),
        (utc(2026, 11, 1, 12, 0), SUN, time(1, 30), NEW_YORK, utc(2026, 11, 1, 5, 30)),
        # Midnight on New Year's Day 2027 (a Friday) in New York.
        (utc(2027, 1, 1, 5, 0), FRI, time(0, 0), NEW_YORK, utc(2027, 1, 1, 5, 0)),
        (utc(2027, 1, 1, 4, 59), FRI, time(0, 0), NEW_YORK, utc(2026, 12, 25, 5, 0)),
        # 23:59 on a Sunday across the new year in Berlin.
        (utc(2027, 1, 4, 12, 0), SUN, time(23, 59), BERLIN, utc(2027, 1, 3, 22, 59)),
        (utc(2027, 1, 3, 22, 58), SUN, time(23, 59), BERLIN, utc(2026, 12, 27, 22, 59)),
        # Sydney is already on Friday 1 January 2027 while UTC is still in 2026.
        (utc(2026, 12, 31, 20, 0), FRI, time(6, 0), SYDNEY, utc(2026, 12, 31, 19, 0)),
        (utc(2026, 12, 31, 18, 0), FRI, time(6, 0), SYDNEY, utc(2026, 12, 24, 19, 0)),
        # Southern hemisphere: summer time (UTC+11) ends 5 April, starts 4 October.
        (utc(2026, 4, 6, 0, 0), MON, time(9, 0), SYDNEY, utc(2026, 4, 5, 23, 0)),
        (utc(2026, 10, 5, 0, 0), MON, time(9, 0), SYDNEY, utc(2026, 10, 4, 22, 0)),
        # Any aware `now` works, not only UTC.
        (
            datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo(BERLIN)),
            MON,
            time(9, 0),
            BERLIN,
            utc(2026, 11, 23, 8, 0),
        ),
        (utc(2026, 6, 15, 0, 0), MON, time(0, 0), "UTC", utc(2026, 6, 15, 0, 0)),
    ],
)
def test_last_fire(now: datetime, weekday: int, at: time, zone: str, expected: datetime) -> None:
    fired = last_fire(now, weekday=weekday, at=at, zone=zone)
    assert fired == expected
    assert fired.tzinfo is UTC


@pytest.mark.parametrize(
    ("now", "weekday", "at", "zone", "start", "end", "hours", "label"),
    [
        (
            utc(2026, 11, 23, 10, 0),
            MON,
            time(9, 0),
            BERLIN,
            utc(2026, 11, 16, 8, 0),
            utc(2026, 11, 23, 8, 0),
            168,
            "16-23 Nov 2026",
        ),
        # Spring forward inside the week: 167 hours, same wall-clock time at both ends.
        (
            utc(2026, 3, 30, 12, 0),
            MON,
            time(9, 0),
            BERLIN,
            utc(2026, 3, 23, 8, 0),
            utc(2026, 3, 30, 7, 0),
            167,
            "23-30 Mar 2026",
        ),
        # Fall back inside the week: 169 hours.
        (
            utc(2026, 10, 26, 12, 0),
            MON,
            time(9, 0),
            BERLIN,
            utc(2026, 10, 19, 7, 0),
            utc(2026, 10, 26, 8, 0),
            169,
            "19-26 Oct 2026",
        ),
        (
            utc(2026, 3, 9, 15, 0),
            MON,
            time(9, 0),
            NEW_YORK,
            utc(2026, 3, 2, 14, 0),
            utc(2026, 3, 9, 13, 0),
            167,
            "2-9 Mar 2026",
        ),
        (
            utc(2026, 11, 2, 15, 0),
            MON,
            time(9, 0),
            NEW_YORK,
            utc(2026, 10, 26, 13, 0),
            utc(2026, 11, 2, 14, 0),
            169,
            "26 Oct - 2 Nov 2026",
        ),
        (
            utc(2026, 4, 6, 0, 0),
            MON,
            time(9, 0),
            SYDNEY,
            utc(2026, 3, 29, 22, 0),
            utc(2026, 4, 5, 23, 0),
            169,
            "30 Mar - 6 Apr 2026",
        ),
        (
            utc(2026, 10, 5, 0, 0),
            MON,
            time(9, 0),
            SYDNEY,
            utc(2026, 9, 27, 23, 0),
            utc(2026, 10, 4, 22, 0),
            167,
            "28 Sep - 5 Oct 2026",
        ),
        # Ending at midnight: the last day labelled is the day before.
        (
            utc(2027, 1, 1, 6, 0),
            FRI,
            time(0, 0),
            NEW_YORK,
            utc(2026, 12, 25, 5, 0),
            utc(2027, 1, 1, 5, 0),
            168,
            "25-31 Dec 2026",
        ),
        (
            utc(2027, 1, 4, 12, 0),
            SUN,
            time(23, 59),
            BERLIN,
            utc(2026, 12, 27, 22, 59),
            utc(2027, 1, 3, 22, 59),
            168,
            "27 Dec 2026 - 3 Jan 2027",
        ),
        # The week whose start fell in the skipped hour starts at 03:30 CEST.
        (
            utc(2026, 4, 5, 12, 0),
            SUN,
            time(2, 30),
            BERLIN,
            utc(2026, 3, 29, 1, 30),
            utc(2026, 4, 5, 0, 30),
            167,
            "29 Mar - 5 Apr 2026",
        ),
    ],
)
def test_scheduled_period(
    now: datetime,
    weekday: int,
    at: time,
    zone: str,
    start: datetime,
    end: datetime,
    hours: int,
    label: str,
) -> None:
    period = scheduled_period(now, weekday=weekday, at=at, zone=zone)
    assert period == Period(start=start, end=end, label=label)
    assert period.end - period.start == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("now", "zone", "start", "label"),
    [
        (utc(2026, 11, 23, 14, 37), BERLIN, utc(2026, 11, 16, 14, 37), "16-23 Nov 2026"),
        # 11:00 EDT now, 11:00 EST a week ago: 167 hours.
        (utc(2026, 3, 9, 15, 0), NEW_YORK, utc(2026, 3, 2, 16, 0), "2-9 Mar 2026"),
        # A week before 02:30 CEST on 5 April is the skipped 02:30: 03:30 CEST.
        (utc(2026, 4, 5, 0, 30), BERLIN, utc(2026, 3, 29, 1, 30), "29 Mar - 5 Apr 2026"),
        (utc(2027, 1, 2, 12, 0), SYDNEY, utc(2026, 12, 26, 12, 0), "26 Dec 2026 - 2 Jan 2027"),
        # Exactly midnight local: the day just begun is not part of the period.
        (utc(2026, 6, 1, 4, 0), NEW_YORK, utc(2026, 5, 25, 4, 0), "25-31 May 2026"),
    ],
)
def test_rolling_period(now: datetime, zone: str, start: datetime, label: str) -> None:
    assert rolling_period(now, zone=zone) == Period(start=start, end=now, label=label)


def test_previous_period_keeps_the_local_length() -> None:
    this = scheduled_period(utc(2026, 4, 6, 12, 0), weekday=MON, at=time(9, 0), zone=BERLIN)
    assert this == Period(utc(2026, 3, 30, 7, 0), utc(2026, 4, 6, 7, 0), "30 Mar - 6 Apr 2026")
    before = previous_period(this, zone=BERLIN)
    # The week with the change: 167 hours, Monday 09:00 to Monday 09:00 local.
    assert before == Period(utc(2026, 3, 23, 8, 0), utc(2026, 3, 30, 7, 0), "23-30 Mar 2026")
    assert previous_period(before, zone=BERLIN).start == utc(2026, 3, 16, 8, 0)
    # Without a zone, the same number of hours, labelled in UTC.
    assert previous_period(this) == Period(
        utc(2026, 3, 23, 7, 0), utc(2026, 3, 30, 7, 0), "23-30 Mar 2026"
    )


def test_previous_period_of_a_rolling_period_in_new_york() -> None:
    this = rolling_period(utc(2026, 11, 5, 17, 0), zone=NEW_YORK)  # 12:00 EST
    before = previous_period(this, zone=NEW_YORK)
    assert before.end == this.start == utc(2026, 10, 29, 16, 0)  # 12:00 EDT
    assert before.start == utc(2026, 10, 22, 16, 0)
    assert before.label == "22-29 Oct 2026"


def test_week_starts_are_contiguous_local_weeks_ending_with_the_period() -> None:
    period = scheduled_period(utc(2026, 4, 6, 12, 0), weekday=MON, at=time(9, 0), zone=BERLIN)
    spans = week_starts(period, zone=BERLIN)
    assert len(spans) == 8
    assert spans[-1] == (period.start, period.end)
    for (_, end), (start, _) in pairwise(spans):
        assert end == start
    for start, end in spans:
        assert start.tzinfo is UTC and end.tzinfo is UTC
        for instant in (start, end):
            local = instant.astimezone(ZoneInfo(BERLIN))
            assert (local.weekday(), local.time()) == (MON, time(9, 0))
    assert spans[0][0] == utc(2026, 2, 9, 8, 0)
    assert [e - s for s, e in spans].count(timedelta(hours=167)) == 1


def test_week_starts_edges() -> None:
    period = rolling_period(utc(2026, 11, 23, 10, 0), zone="UTC")
    assert week_starts(period, weeks=1) == [(period.start, period.end)]
    assert week_starts(period, weeks=0) == []
    spans = week_starts(period, weeks=3)
    assert spans[0] == (utc(2026, 11, 2, 10, 0), utc(2026, 11, 9, 10, 0))


@pytest.mark.parametrize(
    ("first", "last", "label"),
    [
        (date(2026, 11, 16), date(2026, 11, 22), "16-22 Nov 2026"),
        (date(2026, 11, 28), date(2026, 12, 4), "28 Nov - 4 Dec 2026"),
        (date(2026, 12, 28), date(2027, 1, 3), "28 Dec 2026 - 3 Jan 2027"),
        (date(2026, 11, 16), date(2026, 11, 16), "16 Nov 2026"),
    ],
)
def test_span_label(first: date, last: date, label: str) -> None:
    assert span_label(first, last) == label


def test_day_label_and_period_between() -> None:
    assert day_label(date(2026, 1, 5)) == "5 Jan"
    period = period_between(utc(2026, 11, 16, 0, 0), utc(2026, 11, 23, 0, 0), zone="UTC")
    assert period.label == "16-22 Nov 2026"
    with pytest.raises(ValueError, match="end after"):
        period_between(utc(2026, 11, 16), utc(2026, 11, 16), zone="UTC")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "  ", "Europe", "../../etc/passwd", "UTC+2"])
def test_unknown_zone_is_a_clear_value_error(zone: str) -> None:
    now = utc(2026, 11, 23, 10, 0)
    with pytest.raises(ValueError, match="time zone"):
        last_fire(now, weekday=MON, at=time(9, 0), zone=zone)
    with pytest.raises(ValueError, match="time zone"):
        rolling_period(now, zone=zone)
    with pytest.raises(ValueError, match="time zone"):
        scheduled_period(now, weekday=MON, at=time(9, 0), zone=zone)


def test_naive_now_and_bad_weekday_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        last_fire(datetime(2026, 11, 23, 10, 0), weekday=MON, at=time(9, 0), zone=BERLIN)
    with pytest.raises(ValueError, match="weekday"):
        last_fire(utc(2026, 11, 23, 10, 0), weekday=7, at=time(9, 0), zone=BERLIN)


ZONES = [BERLIN, NEW_YORK, SYDNEY, "UTC", "Asia/Kolkata", "America/Santiago", "Pacific/Chatham"]


@settings(max_examples=300, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    weekday=st.integers(0, 6),
    at=st.sampled_from([time(0, 0), time(1, 30), time(2, 30), time(9, 0), time(23, 59)]),
    zone=st.sampled_from(ZONES),
)
def test_the_schedule_always_brackets_now(now: datetime, weekday: int, at: time, zone: str) -> None:
    period = scheduled_period(now, weekday=weekday, at=at, zone=zone)
    assert period.start < period.end <= now
    # The next firing, a local week later, is after now.
    nxt = last_fire(period.end + timedelta(days=7, hours=3), weekday=weekday, at=at, zone=zone)
    assert nxt > now
    assert timedelta(hours=165) <= period.end - period.start <= timedelta(hours=171)
    tz = ZoneInfo(zone)
    local = period.end.astimezone(tz)
    assert local.weekday() == weekday
    if local.time() != at:  # only when `at` was skipped that day: it moved forward
        wall = datetime.combine(local.date(), at, tzinfo=tz)
        assert wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None)
        assert local.time() > at
    # The previous period ends where this one starts and has the same local length.
    before = previous_period(period, zone=zone)
    assert before.end == period.start
    rolling = rolling_period(now, zone=zone)
    assert rolling.end == now and rolling.start < now
