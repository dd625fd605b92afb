"""Scheduled launches: APScheduler entry points (module-level, primitive arguments)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler

from jobs.context import current
from services import delivery, launches
from services.scheduling import launch_job_id, schedule_launch

logger = logging.getLogger(__name__)


def publish_scheduled_launch(campaign_id: int) -> None:
    """Queue a scheduled campaign's announcements now that its time has come."""
    runtime = current()
    with runtime.db() as session:
        queued = launches.start_due_campaign(
            session=session, campaign_id=campaign_id, now=delivery.now_utc()
        )
    logger.info("scheduled launch %d: %d messages queued", campaign_id, queued)
    runtime.worker.wake()


def restore_launch_jobs(scheduler: BaseScheduler) -> int:
    """Make sure every scheduled campaign has its job (the database is the truth)."""
    runtime = current()
    with runtime.db() as session:
        waiting = launches.scheduled_campaigns(session=session)
    for campaign_id, run_at in waiting:
        if scheduler.get_job(launch_job_id(campaign_id)) is None:
            schedule_launch(scheduler, campaign_id, run_at)
    return len(waiting)
