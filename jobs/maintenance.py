"""Housekeeping jobs: APScheduler entry points (module-level, primitive arguments)."""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler

from jobs.context import current
from models import utcnow
from services.votes import prune_processed_events

logger = logging.getLogger(__name__)

PRUNE_JOB_ID = "prune_processed_events"
# Slack retries a delivery for about 5 minutes; a day of event ids is ample.
KEEP_EVENT_IDS = timedelta(days=1)


def prune_event_ids() -> None:
    """Forget event ids older than Slack's retry window, keeping the table small."""
    with current().db() as session:
        removed = prune_processed_events(session=session, before=utcnow() - KEEP_EVENT_IDS)
    logger.info("pruned %d handled event ids", removed)


def schedule_maintenance(scheduler: BaseScheduler) -> None:
    """Add the hourly prune job (one per database: an explicit id, replaced on start)."""
    scheduler.add_job(
        "jobs.maintenance:prune_event_ids",
        "interval",
        hours=1,
        id=PRUNE_JOB_ID,
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=3600,
    )
