"""Modal submissions; every callback_id comes from blocks.ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from blocks.ids import Ids
from handlers.views.feedback import handle_feedback_submission, handle_reword_submission
from handlers.views.launch import (
    handle_edit_submission,
    handle_launch_submission,
    handle_question_submission,
)

VIEWS: dict[str, Callable[..., Any]] = {
    Ids.LAUNCH_MODAL: handle_launch_submission,
    Ids.EDIT_LAUNCH_MODAL: handle_edit_submission,
    Ids.QUESTION_MODAL: handle_question_submission,
    Ids.FEEDBACK_MODAL: handle_feedback_submission,
    Ids.REWORD_MODAL: handle_reword_submission,
}


def register(app: App) -> None:
    """Register every view submission listener."""
    for callback_id, listener in VIEWS.items():
        app.view(str(callback_id))(listener)
