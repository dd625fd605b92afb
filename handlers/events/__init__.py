"""Events API listeners; every event here is declared in manifest.yml (a test checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from handlers.events.home import handle_app_home_opened
from handlers.events.lifecycle import handle_app_uninstalled, handle_tokens_revoked
from handlers.events.reactions import handle_reaction

EVENTS: dict[str, Callable[..., Any]] = {
    "app_home_opened": handle_app_home_opened,
    "reaction_added": handle_reaction,
    "reaction_removed": handle_reaction,
    "app_uninstalled": handle_app_uninstalled,
    "tokens_revoked": handle_tokens_revoked,
}


def register(app: App) -> None:
    """Register every event listener."""
    for name, listener in EVENTS.items():
        app.event(name)(listener)
