"""Slack clients for background work: the right workspace's token, rotated when due.

Listeners get Bolt's per-request client, authorized from the request's team. Jobs (the
delivery worker, App Home refreshes, scheduled digests) act on their own: they ask this
for the client of a workspace. With one static bot token that is always the same client;
with OAuth it is built from the workspace's stored install, rotating the token first when
it is about to expire, exactly as Bolt does for requests.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlmodel import select

from core.crypto import TokenCipher
from core.db import SessionScope
from core.settings import Settings
from core.slack import make_client
from models import Workspace
from services.installations import DbInstallationStore

logger = logging.getLogger(__name__)

# Rotate a token this long before it expires (Bolt's default for requests too).
ROTATE_BEFORE_MIN = 120


def installation_store(
    settings: Settings, db: SessionScope, read: SessionScope | None = None
) -> DbInstallationStore | None:
    """The OAuth installation store when OAuth is configured, else None (`read`: look-ups)."""
    if not settings.oauth_enabled:
        return None
    assert settings.slack_client_id is not None
    return DbInstallationStore(
        db=db,
        cipher=TokenCipher(settings.token_keys),
        client_id=settings.slack_client_id,
        read=read,
    )


# How long a looked-up install is trusted before it is read again.
LOOKUP_TTL_S = 60.0


@dataclass(frozen=True)
class _Cached:
    bot: Bot
    client: WebClient
    looked_up: float  # time.monotonic()


def _due(bot: Bot) -> bool:
    """True when a rotating token is within the refresh window (look it up again)."""
    expires = bot.bot_token_expires_at
    return expires is not None and expires <= time.time() + ROTATE_BEFORE_MIN * 60


class NotInstalled(Exception):
    """The workspace has no stored install (it never installed, or uninstalled)."""


class SlackClients:
    """Hands out a WebClient per workspace."""

    def __init__(
        self,
        *,
        settings: Settings,
        db: SessionScope,
        store: DbInstallationStore | None,
        retry: bool = True,
    ) -> None:
        self._settings = settings
        self._db = db
        self._store = store
        self._retry = retry
        self._lock = threading.Lock()
        self._teams: dict[int, str] = {}  # workspace id -> team id (never changes)
        self._clients: dict[str, _Cached] = {}  # team id -> its client and install
        self._static: WebClient | None = None
        if store is None:
            self._static = make_client(
                token=settings.slack_bot_token, base_url=settings.slack_api_url, retry=retry
            )
        self._rotator: TokenRotator | None = None
        if store is not None and settings.slack_client_id and settings.slack_client_secret:
            self._rotator = TokenRotator(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                client=make_client(token=None, base_url=settings.slack_api_url),
            )

    @property
    def static(self) -> WebClient | None:
        """The one client of a single-workspace app (None with OAuth)."""
        return self._static

    # Slack-keyed: installations and their tokens belong to a team.
    def for_team(self, team_id: str) -> WebClient:
        """The client acting in a workspace; raises NotInstalled when it has no install."""
        if self._static is not None:
            return self._static
        assert self._store is not None
        now = time.monotonic()
        with self._lock:
            cached = self._clients.get(team_id)
        # A fan-out sends hundreds of messages a minute: look the install up once a while,
        # not per message (an uninstall elsewhere shows within LOOKUP_TTL_S; Slack refuses
        # a revoked token meanwhile, and the worker fails that message with its reason).
        if cached is not None and now - cached.looked_up < LOOKUP_TTL_S and not _due(cached.bot):
            return cached.client
        bot = self._store.find_team_bot(team_id)
        if bot is None:
            raise NotInstalled(team_id)
        if self._rotator is not None and bot.bot_refresh_token:
            rotated = self._rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=ROTATE_BEFORE_MIN
            )
            if rotated is not None:
                self._store.save_bot(rotated)
                logger.info("rotated the bot token of %s", team_id)
                bot = rotated
        with self._lock:
            cached = self._clients.get(team_id)
            if cached is not None and cached.bot.bot_token == bot.bot_token:
                client = cached.client
            else:
                client = make_client(
                    token=bot.bot_token, base_url=self._settings.slack_api_url, retry=self._retry
                )
            self._clients[team_id] = _Cached(bot=bot, client=client, looked_up=now)
            return client

    # By row id for jobs and workers that persist ids (delivery, launches): cached per id.
    def for_workspace(self, workspace_id: int) -> WebClient:
        """The client acting in the workspace with this row id."""
        if self._static is not None:
            return self._static
        with self._lock:
            team_id = self._teams.get(workspace_id)
        if team_id is None:
            with self._db() as session:
                found = session.exec(
                    select(Workspace.team_id).where(Workspace.id == workspace_id)
                ).first()
            if found is None:
                raise NotInstalled(f"workspace {workspace_id}")
            team_id = found
            with self._lock:
                self._teams[workspace_id] = team_id
        return self.for_team(team_id)

    def forget(self, team_id: str) -> None:
        """Drop a cached client (its workspace uninstalled)."""
        with self._lock:
            self._clients.pop(team_id, None)
