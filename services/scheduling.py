"""Scheduling future work with APScheduler; the jobs themselves live in jobs/."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from apscheduler.schedulers.base import BaseScheduler

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
