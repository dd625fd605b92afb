"""Events API listeners; every event here is declared in manifest.yml (a test checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from handlers.events.home import handle_app_home_opened
from handlers.events.lifecycle import handle_app_uninstalled, handle_tokens_revoked
from handlers.events.reactions import handle_reaction, store_reaction

EVENTS: dict[str, Callable[..., Any]] = {
    "app_home_opened": handle_app_home_opened,
    "reaction_added": handle_reaction,
    "reaction_removed": handle_reaction,
    "app_uninstalled": handle_app_uninstalled,
    "tokens_revoked": handle_tokens_revoked,
}
# Events committed before they are acknowledged: this middleware stores them and answers.
STORED_BEFORE_ACK: dict[str, Callable[..., Any]] = {
    "reaction_added": store_reaction,
    "reaction_removed": store_reaction,
}


def register(app: App) -> None:
    """Register every event listener."""
    for name, listener in EVENTS.items():
        store = STORED_BEFORE_ACK.get(name)
        app.event(name, middleware=[store] if store else None)(listener)
