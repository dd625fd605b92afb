"""Scheduling future work with APScheduler; the jobs themselves live in jobs/."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

# A textual reference keeps services free of jobs/ imports and is what the job store keeps.
PUBLISH_LAUNCH = "jobs.launches:publish_scheduled_launch"


class Waker(Protocol):
    """Something that can be told new work is queued (the delivery worker)."""

    def wake(self) -> None:
        """Look for work now."""


def launch_job_id(campaign_id: int) -> str:
    """The scheduler id of a campaign's launch job."""
    return f"launch-{campaign_id}"


def schedule_launch(scheduler: BaseScheduler, campaign_id: int, run_at: datetime) -> None:
    """Add (or move) a campaign's launch job."""
    scheduler.add_job(
        PUBLISH_LAUNCH,
        "date",
        run_date=run_at,
        args=[campaign_id],
        id=launch_job_id(campaign_id),
        replace_existing=True,
    )


POST_DIGEST = "jobs.digest:post_scheduled_digest"
# A digest missed while the app was down still posts when it comes back within its week.
DIGEST_GRACE_S = 6 * 24 * 3600


def digest_job_id(workspace_id: int) -> str:
    """The scheduler id of a workspace's weekly digest job (one per workspace)."""
    return f"digest-{workspace_id}"


def digest_trigger(*, weekday: int, at: str, zone: str) -> CronTrigger:
    """Weekly at a local wall time; APScheduler keeps it right across daylight-saving changes."""
    hour, minute = (int(part) for part in at.split(":"))
    return CronTrigger(day_of_week=weekday, hour=hour, minute=minute, timezone=ZoneInfo(zone))


def schedule_digest(
    scheduler: BaseScheduler, *, workspace_id: int, weekday: int, at: str, zone: str
) -> None:
    """Add or replace a workspace's weekly digest job (explicit id, coalesced, with grace)."""
    scheduler.add_job(
        POST_DIGEST,
        digest_trigger(weekday=weekday, at=at, zone=zone),
        args=[workspace_id],
        id=digest_job_id(workspace_id),
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=DIGEST_GRACE_S,
        max_instances=1,
    )


def ensure_digest_job(
    scheduler: BaseScheduler, *, workspace_id: int, weekday: int, at: str, zone: str
) -> bool:
    """Add the job when it is missing or its schedule changed; True when (re)added.

    A job that is already there is left alone, so a run missed while the app was down is
    still due (replacing it would move its next run past the missed one).
    """
    job = scheduler.get_job(digest_job_id(workspace_id))
    wanted = digest_trigger(weekday=weekday, at=at, zone=zone)
    if job is not None and repr(job.trigger) == repr(wanted):
        return False
    schedule_digest(scheduler, workspace_id=workspace_id, weekday=weekday, at=at, zone=zone)
    return True
