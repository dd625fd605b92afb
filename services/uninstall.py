"""Uninstalls and revoked tokens: forget the tokens, stop the jobs, keep or purge the data.

Both events may arrive more than once, and at several instances: every step is
idempotent. Tokens are always deleted; the data is kept or purged per
LIAISON_UNINSTALL_DATA.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from sqlmodel import Session, col

from core.db import SessionScope, writing
from models import (
    DigestRun,
    DigestStatus,
    OutboxMessage,
    OutboxStatus,
    ProcessedEvent,
    Workspace,
    WorkspaceRef,
)
from services.installations import DbInstallationStore
from services.scheduling import digest_job_id
from services.slack_clients import SlackClients
from services.workspaces import find_workspace

logger = logging.getLogger(__name__)

UNINSTALLED = "Liaison was uninstalled from this workspace"


@dataclass(frozen=True)
class Forgotten:
    """What became of an uninstalled workspace's data."""

    workspace_id: int | None  # None: Liaison never stored anything for it
    cancelled: int  # queued messages that will not be sent
    purged: bool


def forget_workspace(*, session: Session, workspace: WorkspaceRef, purge: bool) -> Forgotten:
    """Cancel the workspace's queued messages; with `purge`, delete everything it owns.

    Kept data comes back into use if the workspace installs Liaison again.
    """
    workspace_id, team_id = workspace.id, workspace.team_id
    with writing(session):
        cancelled = session.execute(
            sa.update(OutboxMessage)
            .where(
                col(OutboxMessage.workspace_id) == workspace_id,
                col(OutboxMessage.status).in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
            )
            .values(
                status=OutboxStatus.FAILED, error=UNINSTALLED, locked_by=None, locked_until=None
            )
            .returning(col(OutboxMessage.id))
        ).all()
        # A claimed digest whose message was just cancelled will not post.
        session.execute(
            sa.update(DigestRun)
            .where(
                col(DigestRun.workspace_id) == workspace_id,
                col(DigestRun.status) == DigestStatus.CLAIMED.value,
            )
            .values(status=DigestStatus.FAILED.value)
        )
        if purge:
            # Thread replies point at their announcement without a cascade: children first.
            session.execute(
                sa.delete(OutboxMessage).where(
                    col(OutboxMessage.workspace_id) == workspace_id,
                    col(OutboxMessage.parent_id).is_not(None),
                )
            )
            session.execute(
                sa.delete(OutboxMessage).where(col(OutboxMessage.workspace_id) == workspace_id)
            )
            session.execute(sa.delete(ProcessedEvent).where(col(ProcessedEvent.team_id) == team_id))
            # Every other table hangs off the workspace with ON DELETE CASCADE.
            session.execute(sa.delete(Workspace).where(col(Workspace.id) == workspace_id))
    return Forgotten(workspace_id=workspace_id, cancelled=len(cancelled), purged=purge)


def uninstall_workspace(
    *,
    db: SessionScope,
    team_id: str,  # Slack-keyed: installations and tokens are deleted by team
    enterprise_id: str | None,
    org_install: bool,
    purge: bool,
    installations: DbInstallationStore | None,
    clients: SlackClients,
    scheduler: BaseScheduler,
) -> Forgotten:
    """Liaison was uninstalled: delete the tokens, stop the digest jobs, keep or purge the data.

    `team_id` is the Liaison workspace (handlers.middleware): a team, or an org-wide
    install's organisation (`org_install`), whose tokens are stored without a team.
    """
    if installations is not None:
        installations.delete_all(
            enterprise_id=enterprise_id, team_id=None if org_install else team_id
        )
    clients.forget(team_id)
    with db() as session:
        # Found, never created: an uninstall of a team Liaison never stored anything for.
        workspace = find_workspace(session=session, team_id=team_id)
        forgotten = (
            Forgotten(workspace_id=None, cancelled=0, purged=False)
            if workspace is None
            else forget_workspace(session=session, workspace=workspace, purge=purge)
        )
    # After the session: on SQLite the job store shares the one write lock.
    if forgotten.workspace_id is not None:
        workspace_id = forgotten.workspace_id
        for job_id in (digest_job_id(workspace_id), f"digest-catch-up-{workspace_id}"):
            with contextlib.suppress(JobLookupError):
                scheduler.remove_job(job_id)
    logger.info(
        "uninstalled from %s: tokens deleted, %d queued messages cancelled, data %s",
        team_id,
        forgotten.cancelled,
        "purged" if forgotten.purged else "kept",
    )
    return forgotten


def revoke_tokens(
    *,
    team_id: str,  # Slack-keyed: only installations and tokens are touched
    enterprise_id: str | None,
    org_install: bool,
    bot_ids: list[str],
    user_ids: list[str],
    installations: DbInstallationStore | None,
    clients: SlackClients,
) -> None:
    """Slack revoked tokens: forget the bot's (when `bot_ids`) and these installers' user tokens."""
    stored_team = None if org_install else team_id
    if installations is not None:
        for user_id in user_ids:
            installations.delete_installation(
                enterprise_id=enterprise_id, team_id=stored_team, user_id=user_id
            )
        if bot_ids:
            installations.delete_bot(enterprise_id=enterprise_id, team_id=stored_team)
    if bot_ids:
        clients.forget(team_id)
    logger.info("tokens revoked in %s: %d bot, %d user", team_id, len(bot_ids), len(user_ids))
