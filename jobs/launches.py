"""Scheduled launches: APScheduler entry points (module-level, primitive arguments)."""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler

from core.clients import NotInstalled
from jobs.context import current
from services import delivery, launches
from services.scheduling import launch_job_id, schedule_launch
from services.submissions import finish_submission

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


RESUME_JOB_ID = "resume_launch_submissions"
RESUME_EVERY_S = 5


def resume_submissions() -> int:
    """Finish launch submissions a dead process left PREPARING; returns how many finished.

    A submission is left to the process that took it for the delivery lock's time
    (LIAISON_DELIVERY_LOCK_SECONDS); after that it is taken to have died. A second run
    on a submission still in progress is harmless (finishing is idempotent).
    """
    runtime = current()
    now = delivery.now_utc()
    grace = timedelta(seconds=runtime.settings.liaison_delivery_lock_seconds)
    with runtime.db() as session:
        stuck = launches.preparing_campaign_ids(session=session, older_than=now - grace)
    finished = 0
    for campaign_id in stuck:
        with runtime.db() as session:
            pending = launches.preparing_submission(session=session, campaign_id=campaign_id)
        if pending is None:
            continue
        try:
            client = runtime.clients.for_workspace(pending.workspace_id)
            done = finish_submission(
                client=client,
                db=runtime.db,
                http=runtime.http,
                allow_private=runtime.settings.liaison_allow_private_urls,
                campaign_id=campaign_id,
                now=delivery.now_utc(),
            )
        except NotInstalled:
            logger.info("launch %d: its workspace uninstalled Liaison", campaign_id)
            continue
        except Exception:
            # Slack still refusing (rate limited) or unreachable: the next run tries again.
            logger.exception("resuming launch %d failed; trying again later", campaign_id)
            continue
        if done is None:
            continue
        finished += 1
        logger.info("resumed interrupted launch %d", campaign_id)
        if done.scheduled_for is not None:
            schedule_launch(runtime.scheduler, campaign_id, done.scheduled_for)
    if finished:
        runtime.worker.wake()
    return finished


def schedule_resume(scheduler: BaseScheduler) -> None:
    """Look for interrupted launch submissions every few seconds, the first time at once."""
    scheduler.add_job(
        "jobs.launches:resume_submissions",
        "interval",
        seconds=RESUME_EVERY_S,
        id=RESUME_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        next_run_time=delivery.now_utc(),
    )
