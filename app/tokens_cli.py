"""`bot.py reencrypt-tokens`: every stored OAuth token rewritten with the first key."""

from __future__ import annotations

import sys

from core.crypto import TokenDecryptError
from core.db import make_engine, migrate_or_explain, session_scope_for
from core.settings import Settings, SettingsError
from services.slack_clients import installation_store


def reencrypt_tokens(settings: Settings) -> int:
    """`bot.py reencrypt-tokens`: rewrite every stored token with the first key."""
    if not settings.oauth_enabled or not settings.token_keys:
        raise SettingsError(
            "reencrypt-tokens needs the OAuth settings and LIAISON_TOKEN_KEYS "
            "(see the README's 'Distributing to many workspaces')."
        )
    migrate_or_explain(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        store = installation_store(settings, session_scope_for(engine))
        assert store is not None
        try:
            count = store.reencrypt()
        except TokenDecryptError:
            print(
                "liaison: a stored token opens with none of LIAISON_TOKEN_KEYS: "
                "keep the old key in the list until this command succeeds",
                file=sys.stderr,
            )
            return 1
    finally:
        engine.dispose()
    print(f"liaison: {count} installs re-encrypted with the first key")
    return 0
