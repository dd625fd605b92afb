"""Events API listeners; every event here is declared in manifest.yml (a test checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

EVENTS: dict[str, Callable[..., Any]] = {}


def register(app: App) -> None:
    """Register every event listener."""
    for name, listener in EVENTS.items():
        app.event(name)(listener)
