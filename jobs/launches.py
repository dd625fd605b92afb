"""Scheduled launches: APScheduler entry points (module-level, primitive arguments)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler

from core.db import SessionScope
from jobs.deps import bound
from services import delivery, launches
from services.scheduling import launch_job_id, schedule_launch

logger = logging.getLogger(__name__)


def publish_scheduled_launch(campaign_id: int) -> None:
    """Queue a scheduled campaign's announcements now that its time has come."""
    deps = bound()
    with deps.db() as session:
        queued = launches.start_due_campaign(
            session=session, campaign_id=campaign_id, now=delivery.now_utc()
        )
    logger.info("scheduled launch %d: %d messages queued", campaign_id, queued)
    deps.wake()


def restore_launch_jobs(scheduler: BaseScheduler, *, db: SessionScope) -> int:
    """Make sure every scheduled campaign has its job (the database is the truth)."""
    with db() as session:
        waiting = launches.scheduled_campaigns(session=session)
    for campaign_id, run_at in waiting:
        if scheduler.get_job(launch_job_id(campaign_id)) is None:
            schedule_launch(scheduler, campaign_id, run_at)
    return len(waiting)
