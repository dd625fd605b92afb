"""`/liaison`: help and workspace configuration (admins only)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from blocks.replies import build_message
from core.db import SessionScope
from domain.commands import CONFIG_COMMANDS, Help, LiaisonCommand, liaison_help, parse_liaison
from services import configuration
from services.access import can_configure

REFUSAL = (
    "Only workspace admins and owners, and the people they name with "
    "`/liaison admins add @person`, can change Liaison's settings. "
    "Ask one of them if this should change."
)


def handle_liaison_command(
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """Answer one `/liaison` command."""
    parsed: LiaisonCommand = parse_liaison(command.get("text") or "")
    if isinstance(parsed, Help):
        ack(build_message(liaison_help()))
        return
    # What follows calls Slack (users.info), whose retries after a 429 or 5xx can outlast
    # Slack's 3 s: acknowledge now and answer through the response URL.
    ack()
    team_id = context.team_id or command["team_id"]
    user_id = command["user_id"]
    channel_id = command.get("channel_id") or ""
    with db() as session:
        if isinstance(parsed, CONFIG_COMMANDS) and not can_configure(
            session=session, client=client, team_id=team_id, user_id=user_id
        ):
            respond(build_message(REFUSAL))
            return
        reply = configuration.apply(
            session=session,
            client=client,
            command=parsed,
            team_id=team_id,
            user_id=user_id,
            channel_id=channel_id,
        )
    respond(build_message(reply))
