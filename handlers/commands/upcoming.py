"""`/launch` and `/feedback` until their issues land: help and a clear answer, not an error."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from blocks.replies import build_message

LAUNCH_HELP = (
    "*`/launch`* announces a campaign to sales: it opens a form for the campaign name, "
    "summary, target sales channels, collateral (one `Title | URL` per line), launch date "
    "and what you need from sales. Reps get a “Got it” button and vote on each asset."
)
FEEDBACK_HELP = (
    "*`/feedback`* tells marketing how an asset lands with customers: "
    "`/feedback <asset> <up|down> [comment]`, or `/feedback` alone for a form. "
    "Find assets with `/collateral search <words>`."
)
NOT_YET = (
    "\n_This command is not switched on in this version of Liaison yet._ "
    "Meanwhile, `/collateral` works."
)


def handle_launch_command(ack: Ack, command: dict[str, Any]) -> None:
    """Explain `/launch`."""
    ack(build_message(LAUNCH_HELP + NOT_YET))


def handle_feedback_command(ack: Ack, command: dict[str, Any]) -> None:
    """Explain `/feedback`."""
    ack(build_message(FEEDBACK_HELP + NOT_YET))
