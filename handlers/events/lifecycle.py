"""`app_uninstalled` and `tokens_revoked`: read the event, let services.uninstall act on it.

Bolt acks these events without authorizing them (the workspace's token may be gone by
now). Both may arrive more than once, and at several instances: the services are
idempotent.
"""

from __future__ import annotations

import logging
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import BoltContext

from core.db import SessionScope
from core.settings import Settings
from services.installations import DbInstallationStore
from services.slack_clients import SlackClients
from services.uninstall import revoke_tokens, uninstall_workspace

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
    uninstall_workspace(
        db=db,
        team_id=team_id,
        enterprise_id=_text(context.enterprise_id) or _text(body.get("enterprise_id")),
        org_install=bool(context.is_enterprise_install),
        purge=settings.liaison_uninstall_data == "purge",
        installations=installations,
        clients=clients,
        scheduler=scheduler,
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
    revoke_tokens(
        team_id=team_id,
        enterprise_id=_text(context.enterprise_id) or _text(body.get("enterprise_id")),
        org_install=bool(context.is_enterprise_install),
        bot_ids=_ids(tokens.get("bot")),
        user_ids=_ids(tokens.get("oauth")),
        installations=installations,
        clients=clients,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _ids(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
