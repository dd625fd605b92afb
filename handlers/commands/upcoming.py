"""`/feedback` until its issue lands: help and a clear answer, not an error."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from blocks.replies import build_message

FEEDBACK_HELP = (
    "*`/feedback`* tells marketing how an asset lands with customers: "
    "`/feedback <asset> <up|down> [comment]`, or `/feedback` alone for a form. "
    "Find assets with `/collateral search <words>`."
)
NOT_YET = (
    "\n_This command is not switched on in this version of Liaison yet._ "
    "Meanwhile, `/collateral` works."
)


def handle_feedback_command(ack: Ack, command: dict[str, Any]) -> None:
    """Explain `/feedback`."""
    ack(build_message(FEEDBACK_HELP + NOT_YET))
