"""Slash-command listeners; every command here is declared in manifest.yml (a test checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from handlers.commands.collateral import handle_collateral_command
from handlers.commands.feedback import handle_feedback_command
from handlers.commands.launch import handle_launch_command
from handlers.commands.liaison import handle_liaison_command

COMMANDS: dict[str, Callable[..., Any]] = {
    "/launch": handle_launch_command,
    "/feedback": handle_feedback_command,
    "/collateral": handle_collateral_command,
    "/liaison": handle_liaison_command,
}


def register(app: App) -> None:
    """Register every slash command."""
    for name, listener in COMMANDS.items():
        app.command(name)(listener)
