"""Options listeners (external selects); every action id comes from domain or blocks ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from domain.feedback import FeedbackField
from handlers.options.feedback import handle_asset_options

OPTIONS: dict[str, Callable[..., Any]] = {FeedbackField.ASSET: handle_asset_options}


def register(app: App) -> None:
    """Register every options listener."""
    for action_id, listener in OPTIONS.items():
        app.options(str(action_id))(listener)
