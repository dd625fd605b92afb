"""`app_uninstalled` and `tokens_revoked`: forget the tokens, then keep or purge the data.

Bolt acks these events without authorizing them (the workspace's token may be gone by
now). Tokens are always deleted; the data is kept or purged per LIAISON_UNINSTALL_DATA.
Both events may arrive more than once, and at several instances: every step is
idempotent.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import BoltContext

from core.db import SessionScope
from core.settings import Settings
from services.installations import DbInstallationStore
from services.scheduling import digest_job_id
from services.slack_clients import SlackClients
from services.uninstall import forget_workspace

logger = logging.getLogger(__name__)


def handle_app_uninstalled(
    body: dict[str, Any],
    context: BoltContext,
    db: SessionScope,
    settings: Settings,
    scheduler: BaseScheduler,
    installations: DbInstallationStore | None,
    clients: SlackClients,
) -> None:
    """Delete the workspace's tokens, stop its jobs and keep or purge its data."""
    # The Liaison workspace (handlers.middleware): a team, or an org-wide install's org.
    team_id = _text(context.team_id) or _text(body.get("team_id"))
    if team_id is None:
        logger.warning("app_uninstalled without a team id: ignored")
        return
    org = bool(context.is_enterprise_install)
    enterprise_id = _text(context.enterprise_id) or _text(body.get("enterprise_id"))
    if installations is not None:
        installations.delete_all(enterprise_id=enterprise_id, team_id=None if org else team_id)
    clients.forget(team_id)
    purge = settings.liaison_uninstall_data == "purge"
    with db() as session:
        forgotten = forget_workspace(session=session, team_id=team_id, purge=purge)
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


def handle_tokens_revoked(
    body: dict[str, Any],
    event: dict[str, Any],
    context: BoltContext,
    installations: DbInstallationStore | None,
    clients: SlackClients,
) -> None:
    """Forget revoked tokens: the bot's, and any installer's user token."""
    team_id = _text(context.team_id) or _text(body.get("team_id"))
    if team_id is None:
        logger.warning("tokens_revoked without a team id: ignored")
        return
    tokens = event.get("tokens")
    tokens = tokens if isinstance(tokens, dict) else {}
    enterprise_id = _text(context.enterprise_id) or _text(body.get("enterprise_id"))
    stored_team = None if context.is_enterprise_install else team_id
    bots, users = _ids(tokens.get("bot")), _ids(tokens.get("oauth"))
    if installations is not None:
        for user_id in users:
            installations.delete_installation(
                enterprise_id=enterprise_id, team_id=stored_team, user_id=user_id
            )
        if bots:
            installations.delete_bot(enterprise_id=enterprise_id, team_id=stored_team)
    if bots:
        clients.forget(team_id)
    logger.info("tokens revoked in %s: %d bot, %d user", team_id, len(bots), len(users))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _ids(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
