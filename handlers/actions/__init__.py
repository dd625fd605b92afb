"""Actions listeners (none yet: they arrive with launches and feedback)."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Register every actions listener."""
