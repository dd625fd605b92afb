"""Housekeeping jobs: APScheduler entry points (module-level, primitive arguments)."""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler

from core.settings import Settings
from jobs.deps import bound
from models import utcnow
from services.retention import Retention, fold_tallies, prune_history

logger = logging.getLogger(__name__)

PRUNE_JOB_ID = "prune_processed_events"  # the id this job has always had, so it is replaced
FOLD_JOB_ID = "fold_tallies"


def retention(settings: Settings) -> Retention:
    """The retention periods and batch size the settings ask for."""
    return Retention(
        events=timedelta(hours=settings.liaison_retain_events_hours),
        sent=timedelta(days=settings.liaison_retain_sent_days),
        expired_states=timedelta(hours=settings.liaison_retain_expired_states_hours),
        batch=settings.liaison_retain_batch,
    )


def prune_event_ids() -> None:
    """Prune rows past their retention: event ids, sent messages, expired OAuth states."""
    deps = bound()
    with deps.db() as session:
        pruned = prune_history(session=session, now=utcnow(), retention=deps.retention)
    logger.info(
        "pruned %d event ids, %d sent messages, %d OAuth states",
        pruned.events,
        pruned.sent,
        pruned.states,
        extra={"events": pruned.events, "sent": pruned.sent, "states": pruned.states},
    )


def fold_counts() -> None:
    """Fold the outbox's and digest runs' count changes into their totals (for /metrics)."""
    deps = bound()
    with deps.db() as session:
        fold_tallies(session=session, batch=deps.retention.batch)


def schedule_maintenance(scheduler: BaseScheduler) -> None:
    """Add the hourly prune and the per-minute fold (one each per database: explicit ids)."""
    scheduler.add_job(
        "jobs.maintenance:prune_event_ids",
        "interval",
        hours=1,
        id=PRUNE_JOB_ID,
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=3600,
    )
    scheduler.add_job(
        "jobs.maintenance:fold_counts",
        "interval",
        minutes=1,
        id=FOLD_JOB_ID,
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=60,
    )
