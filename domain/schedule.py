"""When things happen in a person's own time zone (SPEC: a later launch date schedules the
post; it goes out at 09:00 that day in the marketer's zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LAUNCH_TIME = time(9, 0)


def zone(name: str | None) -> ZoneInfo:
    """The named IANA zone, or UTC when it is missing or unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_today(now: datetime, zone_name: str | None) -> date:
    """The date it is now in that zone."""
    return now.astimezone(zone(zone_name)).date()


def launch_instant(launch_date: date, zone_name: str | None, now: datetime) -> datetime | None:
    """When a launch posts, in UTC; None means now (its date is today or already past).

    A day whose 09:00 does not exist or exists twice (a DST change) uses the first 09:00
    that the wall clock shows, which is what `ZoneInfo` gives for fold=0.
    """
    if launch_date <= local_today(now, zone_name):
        return None
    local = datetime.combine(launch_date, LAUNCH_TIME, tzinfo=zone(zone_name))
    return local.astimezone(UTC)


def describe(instant: datetime, zone_name: str | None) -> str:
    """A launch time as the marketer reads it: "Tue 3 Dec 09:00 Europe/Paris"."""
    local = instant.astimezone(zone(zone_name))
    return f"{local:%a} {local.day} {local:%b %H:%M} {zone_name or 'UTC'}"
