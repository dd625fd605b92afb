"""Clients for background work: one install lookup per workspace a minute, not per message.

Tokens inside their refresh window are looked up (and rotated) every time: tests/test_oauth.py.
"""

from __future__ import annotations

import time

import pytest
from slack_sdk.oauth.installation_store import Installation as SlackInstallation
from sqlalchemy.engine import Engine

from core.db import session_scope_for
from core.settings import Settings
from services.installations import DbInstallationStore
from services.slack_clients import NotInstalled, SlackClients, installation_store

KEY = "a-clients-test-key-0123456789abcdefghij"


def _clients(engine: Engine) -> tuple[SlackClients, DbInstallationStore]:
    settings = Settings(
        slack_client_id="1.2",
        slack_client_secret="s",
        slack_state_secret="t",
        liaison_token_keys=KEY,
        slack_api_url="http://127.0.0.1:9/api/",
    )
    db = session_scope_for(engine)
    store = installation_store(settings, db)
    assert store is not None
    return SlackClients(settings=settings, db=db, store=store), store


def _install(store: DbInstallationStore, token: str, expires_in: int | None = None) -> None:
    store.save(
        SlackInstallation(
            team_id="T1",
            bot_token=token,
            bot_id="B1",
            bot_user_id="UBOT",
            bot_refresh_token="xoxe-1-r" if expires_in else None,
            bot_token_expires_in=expires_in,
            user_id="U1",
            installed_at=time.time(),
        )
    )


def test_an_install_is_looked_up_once_then_reused_until_forgotten(engine: Engine) -> None:
    clients, store = _clients(engine)
    with pytest.raises(NotInstalled):
        clients.for_team("T1")
    _install(store, "xoxb-first")
    first = clients.for_team("T1")
    assert first.token == "xoxb-first"
    # Reinstalled meanwhile: within the lookup window the cached client is still used...
    _install(store, "xoxb-second")
    assert clients.for_team("T1") is first
    # ...and an uninstall on this instance is seen at once.
    store.delete_all(enterprise_id=None, team_id="T1")
    clients.forget("T1")
    with pytest.raises(NotInstalled):
        clients.for_team("T1")
    _install(store, "xoxb-third")
    assert clients.for_team("T1").token == "xoxb-third"
