"""The weekly digest: APScheduler entry points (module-level, primitive arguments)."""

from __future__ import annotations

import logging
import os
import socket

from apscheduler.schedulers.base import BaseScheduler

from jobs.context import current
from models import as_utc, utcnow
from services import digest_runs
from services.digest_access import shared_channel_refused
from services.scheduling import ensure_digest_job
from services.slack_clients import NotInstalled

logger = logging.getLogger(__name__)

INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


def post_scheduled_digest(workspace_id: int) -> None:
    """Post this period's digest for a workspace, unless any instance already has."""
    runtime = current()
    now = utcnow()
    try:
        # Looked up before the session: on SQLite a second session would wait on the first.
        client = runtime.clients.for_workspace(workspace_id)
    except NotInstalled:
        logger.info("digest for workspace %d: not installed, skipped", workspace_id)
        return
    with runtime.db() as session:
        settings = digest_runs.digest_settings(session=session, workspace_id=workspace_id)
    if settings is None or settings.channel_id is None:
        return
    refused = shared_channel_refused(
        client=client, channel_id=settings.channel_id, allowed=settings.shared_allowed
    )
    if refused is not None:
        # The channel became shared with another organisation after `digest here`.
        logger.warning(
            "digest for workspace %d: its channel is shared with another organisation, "
            "so nothing was posted (`/liaison digest shared allow` lets it go there)",
            workspace_id,
        )
        return
    with runtime.db() as session:
        period = digest_runs.period_for_schedule(settings, now)
        # Cheap check first: the claim below is what guarantees exactly once.
        if digest_runs.is_claimed(session=session, workspace_id=workspace_id, period=period):
            logger.info("digest for workspace %d, %s: already claimed", workspace_id, period.label)
            return
        digest = digest_runs.make_digest(
            session=session,
            client=client,
            http=runtime.http,
            settings=settings,
            period=period,
            allow_private=runtime.settings.liaison_allow_private_urls,
        )
        claimed = digest_runs.claim_and_queue(
            session=session,
            settings=settings,
            period=period,
            message=digest_runs.digest_message(digest),
            claimed_by=INSTANCE,
        )
    logger.info(
        "digest for workspace %d, %s: %s",
        workspace_id,
        period.label,
        "queued" if claimed else "claimed by another run",
    )
    if claimed:
        runtime.worker.wake()


def restore_digest_jobs(scheduler: BaseScheduler) -> list[int]:
    """Give every workspace with a digest channel its job; catch up a missed period.

    Returns the workspaces whose digest was caught up: those whose last scheduled run
    passed unclaimed after their schedule was set (the app was down, or crashed before
    claiming), posted now, once, within the same period.
    """
    runtime = current()
    now = utcnow()
    caught_up = []
    with runtime.db() as session:
        workspaces = digest_runs.scheduled_workspaces(session=session)
    for settings in workspaces:
        ensure_digest_job(
            scheduler,
            workspace_id=settings.workspace_id,
            weekday=settings.weekday,
            at=settings.at,
            zone=settings.zone,
        )
        period = digest_runs.period_for_schedule(settings, now)
        with runtime.db() as session:
            missed = period.end > as_utc(settings.configured_at) and not digest_runs.is_claimed(
                session=session, workspace_id=settings.workspace_id, period=period
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
