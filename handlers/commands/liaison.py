"""`/liaison`: help and workspace configuration (admins only)."""

from __future__ import annotations

from typing import Any

import httpx
from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.config import build_config_reply
from blocks.digest import build_digest_message, build_digest_preview
from blocks.replies import build_message, digest_post_failed
from core.db import SessionScope
from core.errors import after_ack
from core.settings import Settings
from domain.commands import (
    AdminsAdd,
    DigestNow,
    DigestPreview,
    Help,
    LiaisonCommand,
    liaison_help,
    parse_liaison,
)
from domain.configuration import Result
from models import utcnow
from services.access import get_user
from services.configuration import configure
from services.digest_runs import digest_settings_for_team, on_demand_digest
from services.scheduling import schedule_digest


@after_ack
def handle_liaison_command(
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
    http: httpx.Client,
    settings: Settings,
    scheduler: BaseScheduler,
) -> None:
    """Answer one `/liaison` command."""
    parsed: LiaisonCommand = parse_liaison(command.get("text") or "")
    if isinstance(parsed, Help):
        ack(build_message(liaison_help()))
        return
    team_id = context.team_id or command["team_id"]
    if isinstance(parsed, DigestNow | DigestPreview):
        # Link checks take seconds: acknowledge, then answer through the response URL.
        ack()
        with db() as session:
            digest = on_demand_digest(
                session=session,
                client=client,
                http=http,
                team_id=team_id,
                now=utcnow(),
                allow_private=settings.liaison_allow_private_urls,
            )
        if isinstance(parsed, DigestPreview):
            respond(build_digest_preview(digest))
            return
        message = build_digest_message(digest)
        try:
            client.chat_postMessage(
                channel=command.get("channel_id") or "",
                text=message["text"],
                blocks=message["blocks"],
            )
        except SlackApiError as error:
            respond(build_message(digest_post_failed(str(error.response.get("error")))))
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
            team_id=team_id,
            actor=actor,
            target=target,
            channel_id=command.get("channel_id") or "",
        )
        found = (
            digest_settings_for_team(session=session, team_id=team_id)
            if outcome.result in (Result.DIGEST_CHANNEL_SET, Result.SCHEDULE_SET)
            else None
        )
    # After the session closes: the job store writes through its own connection, and
    # SQLite has one writer.
    if found is not None and found.channel_id is not None:
        schedule_digest(
            scheduler,
            workspace_id=found.workspace_id,
            weekday=found.weekday,
            at=found.at,
            zone=found.zone,
        )
    respond(build_config_reply(outcome))
