"""`/liaison`: help and workspace configuration (admins only)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from blocks.config import build_config_reply
from blocks.replies import build_message
from core.db import SessionScope
from core.errors import after_ack
from domain.commands import AdminsAdd, Help, LiaisonCommand, liaison_help, parse_liaison
from services.access import get_user
from services.configuration import configure


@after_ack
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
    # users.info may be retried after a 429 or 5xx for longer than Slack's 3 s: acknowledge
    # now, ask Slack before any database transaction opens, answer via the response URL.
    ack()
    actor = get_user(client=client, user_id=command["user_id"])
    target = (
        get_user(client=client, user_id=parsed.user_id) if isinstance(parsed, AdminsAdd) else None
    )
    with db() as session:
        outcome = configure(
            session=session,
            command=parsed,
            team_id=context.team_id or command["team_id"],
            actor=actor,
            target=target,
            channel_id=command.get("channel_id") or "",
        )
    respond(build_config_reply(outcome))
