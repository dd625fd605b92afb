"""The span a digest covers, in the workspace's own time zone (SPEC: "The weekly digest").

The digest is "posted once per workspace per week at the configured weekday, time and
time zone"; `digest now` and `digest preview` cover "the last 7 days". Weeks are counted
in local days, so a week across a DST change lasts 167 or 169 hours, and the digest
still fires at the configured wall-clock time.

A wall time that a DST change skips (02:30 on a spring-forward night) or shows twice
(01:30 on a fall-back night) is read as `zoneinfo` reads it with fold=0: a skipped time
moves forward by the size of the gap (02:30 becomes 03:30), and a repeated time is its
first occurrence. The same rule everywhere keeps every boundary deterministic.

A period is labelled by the local dates it touches: from the start's date to the date of
the last instant inside it (end minus one microsecond). A digest firing Monday 09:00
thus covers "16-23 Nov 2026": it includes Monday the 23rd up to 09:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.digest_data import Period

WEEK = timedelta(days=7)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TICK = timedelta(microseconds=1)


def zone_info(name: str) -> ZoneInfo:
    """The named IANA zone; ValueError with a readable message when there is no such zone."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("A time zone is required: use an IANA name such as Europe/Paris.")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a directory such as "Europe" exists in the tz database but is no zone.
        raise ValueError(
            f"Unknown time zone {name.strip()[:64]!r}: use an IANA name such as Europe/Paris."
        ) from None


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime (e.g. datetime.now(UTC)).")
    return now.astimezone(UTC)


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant the local wall clock shows `at` on `day` (fold=0 for gaps and repeats)."""
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The local wall-clock reading of an instant, as a naive datetime."""
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def _from_wall(wall: datetime, zone: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def day_label(day: date) -> str:
    """A short date for chart categories and labels: "16 Nov"."""
    return f"{day.day} {_MONTHS[day.month - 1]}"


def span_label(first: date, last: date) -> str:
    """Local dates as a compact range: "16-22 Nov 2026", "28 Nov - 4 Dec 2026", "16 Nov 2026"."""
    if last < first:
        first, last = last, first
    if first == last:
        return f"{day_label(first)} {first.year}"
    if first.year != last.year:
        return f"{day_label(first)} {first.year} - {day_label(last)} {last.year}"
    if first.month != last.month:
        return f"{day_label(first)} - {day_label(last)} {last.year}"
    return f"{first.day}-{last.day} {_MONTHS[last.month - 1]} {last.year}"


def period_between(start: datetime, end: datetime, *, zone: str) -> Period:
    """The period [start, end) in UTC, labelled with the local dates it touches."""
    tz = zone_info(zone)
    lo, hi = _aware(start), _aware(end)
    if hi <= lo:
        raise ValueError("A period must end after it starts.")
    first = lo.astimezone(tz).date()
    last = (hi - _TICK).astimezone(tz).date()
    return Period(start=lo, end=hi, label=span_label(first, last))


def _check_weekday(weekday: int) -> None:
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday}.")


def last_fire(now: datetime, *, weekday: int, at: time, zone: str) -> datetime:
    """The latest scheduled instant (local `weekday` at `at`) at or before `now`, in UTC."""
    _check_weekday(weekday)
    tz = zone_info(zone)
    current = _aware(now)
    today = current.astimezone(tz).date()
    day = today - timedelta(days=(today.weekday() - weekday) % 7)
    fire = _instant(day, at, tz)
    if fire > current:  # today is the day, but its time has not come yet
        fire = _instant(day - WEEK, at, tz)
    return fire


def scheduled_period(now: datetime, *, weekday: int, at: time, zone: str) -> Period:
    """The seven local days a scheduled digest covers: [previous fire, latest fire)."""
    tz = zone_info(zone)
    end = last_fire(now, weekday=weekday, at=at, zone=zone)
    start = _instant(end.astimezone(tz).date() - WEEK, at, tz)
    return period_between(start, end, zone=zone)


def rolling_period(now: datetime, *, zone: str) -> Period:
    """The seven local days up to `now`, for `digest now` and `digest preview`."""
    tz = zone_info(zone)
    end = _aware(now)
    start = _from_wall(_wall(end, tz) - WEEK, tz)
    return period_between(start, end, zone=zone)


def _earlier(instant: datetime, wall_length: timedelta, tz: ZoneInfo | None) -> datetime:
    """`instant` moved back by a wall-clock length in the zone (absolute time without one)."""
    if tz is None:
        return instant - wall_length
    return _from_wall(_wall(instant, tz) - wall_length, tz)


def _wall_length(period: Period, tz: ZoneInfo | None) -> timedelta:
    start, end = _aware(period.start), _aware(period.end)
    if tz is None:
        return end - start
    return _wall(end, tz) - _wall(start, tz)


def previous_period(period: Period, *, zone: str | None = None) -> Period:
    """The period of the same local length that ends where this one starts.

    Pass the workspace's zone: without it lengths are absolute, so across a DST change the
    previous period is off by the change (an hour) and it is labelled in UTC.
    """
    tz = zone_info(zone) if zone is not None else None
    end = _aware(period.start)
    start = _earlier(end, _wall_length(period, tz), tz)
    return period_between(start, end, zone=zone or "UTC")


def week_starts(
    period: Period, weeks: int = 8, *, zone: str | None = None
) -> list[tuple[datetime, datetime]]:
    """UTC spans of the last `weeks` weekly buckets, oldest first, the last one being `period`.

    Earlier buckets are seven local days each (pass the workspace's zone; without it,
    168 hours each).
    """
    if weeks < 1:
        return []
    tz = zone_info(zone) if zone is not None else None
    start = _aware(period.start)
    # Every earlier boundary is counted from this period's start, not from the boundary
    # before it, so one boundary moved by a DST gap does not move all the older ones.
    bounds = [_aware(period.end), start]
    bounds += [_earlier(start, WEEK * k, tz) for k in range(1, weeks)]
    return [(bounds[i + 1], bounds[i]) for i in range(weeks)][::-1]
