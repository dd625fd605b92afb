"""Block actions and shortcuts; every id comes from blocks.ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from blocks.ids import Ids
from handlers.actions.feedback import handle_reword_button
from handlers.actions.launch import (
    handle_ask_question,
    handle_edit_button,
    handle_edit_shortcut,
    handle_give_feedback,
    handle_got_it,
    handle_mark_answered,
)

ACTIONS: dict[str, Callable[..., Any]] = {
    Ids.GOT_IT: handle_got_it,
    Ids.GIVE_FEEDBACK: handle_give_feedback,
    Ids.ASK_QUESTION: handle_ask_question,
    Ids.MARK_ANSWERED: handle_mark_answered,
    Ids.EDIT_LAUNCH: handle_edit_button,
    Ids.REWORD: handle_reword_button,
}
# Message shortcuts; declared in manifest.yml (a test checks).
SHORTCUTS: dict[str, Callable[..., Any]] = {Ids.EDIT_LAUNCH: handle_edit_shortcut}


def register(app: App) -> None:
    """Register every action and shortcut listener."""
    for action_id, listener in ACTIONS.items():
        app.action(str(action_id))(listener)
    for callback_id, listener in SHORTCUTS.items():
        app.shortcut(str(callback_id))(listener)
