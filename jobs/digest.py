"""The weekly digest: APScheduler entry points (module-level, primitive arguments)."""

from __future__ import annotations

import logging
import os
import socket

from apscheduler.schedulers.base import BaseScheduler

from core.db import SessionScope
from jobs.deps import bound
from models import utcnow
from services import digest_runs
from services.scheduling import ensure_digest_job
from services.slack_clients import NotInstalled
from services.workspaces import workspace_by_id

logger = logging.getLogger(__name__)

INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


def post_scheduled_digest(workspace_id: int) -> None:
    """Post this period's digest for a workspace, unless any instance already has."""
    deps = bound()
    now = utcnow()
    try:
        # Looked up before any session: on SQLite a second session would wait on the first.
        client = deps.clients.for_workspace(workspace_id)
    except NotInstalled:
        logger.info("digest for workspace %d: not installed, skipped", workspace_id)
        return
    with deps.db() as session:
        workspace = workspace_by_id(session=session, workspace_id=workspace_id)
    if workspace is None:  # forgotten since the job was scheduled
        return
    done = digest_runs.queue_scheduled_digest(
        db=deps.db,
        client=client,
        http=deps.http,
        workspace=workspace,
        now=now,
        allow_private=deps.allow_private,
        claimed_by=INSTANCE,
    )
    if done is digest_runs.Scheduled.QUEUED:
        deps.wake()


def restore_digest_jobs(scheduler: BaseScheduler, *, db: SessionScope) -> list[int]:
    """Give every workspace with a digest channel its job; catch up a missed period.

    Returns the workspaces whose digest was caught up: those whose last scheduled run
    passed unclaimed after their schedule was set (the app was down, or crashed before
    claiming), posted now, once, within the same period.
    """
    caught_up = []
    for settings, missed in digest_runs.missed_digests(db=db, now=utcnow()):
        ensure_digest_job(
            scheduler,
            workspace_id=settings.workspace_id,
            weekday=settings.weekday,
            at=settings.at,
            zone=settings.zone,
        )
        if missed:
            caught_up.append(settings.workspace_id)
            scheduler.add_job(
                "jobs.digest:post_scheduled_digest",
                args=[settings.workspace_id],
                id=f"digest-catch-up-{settings.workspace_id}",
                replace_existing=True,
            )
    return caught_up
