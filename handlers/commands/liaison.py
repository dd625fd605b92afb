"""`/liaison`: help and workspace configuration (admins only)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx
from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.config import build_config_reply, export_comment, export_title
from blocks.digest import build_digest_message, build_digest_preview
from blocks.replies import build_message, digest_post_failed
from core.db import SessionScope
from core.settings import Settings
from domain.commands import (
    AdminsAdd,
    DigestHere,
    DigestNow,
    DigestPreview,
    Export,
    Help,
    LiaisonCommand,
    liaison_help,
    parse_liaison,
)
from domain.configuration import Outcome, Result
from domain.export import display_name, export_filename, export_period
from handlers.errors import after_ack
from models import utcnow
from services.access import get_user
from services.configuration import configure
from services.digest_access import channel_info, digest_refusal, one_digest_at_a_time
from services.digest_runs import digest_settings_for_team, on_demand_digest
from services.export import followup_authors, get_workspace_id, may_export, write_feedback_csv
from services.scheduling import schedule_digest


@after_ack
def handle_liaison_command(
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
    read: SessionScope,
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
    if isinstance(parsed, Export):
        _export(
            parsed,
            ack=ack,
            command=command,
            team_id=team_id,
            client=client,
            respond=respond,
            db=read,  # an export only reads
        )
        return
    if isinstance(parsed, DigestNow | DigestPreview):
        # Link checks take seconds: acknowledge, then answer through the response URL.
        ack()
        _digest(
            posting=isinstance(parsed, DigestNow),
            command=command,
            team_id=team_id,
            client=client,
            respond=respond,
            db=db,
            read=read,
            http=http,
            settings=settings,
        )
        return
    # users.info may be retried after a 429 or 5xx for longer than Slack's 3 s: acknowledge
    # now, ask Slack before any database transaction opens, answer via the response URL.
    ack()
    channel_id = command.get("channel_id") or ""
    actor = get_user(client=client, user_id=command["user_id"])
    target = (
        get_user(client=client, user_id=parsed.user_id) if isinstance(parsed, AdminsAdd) else None
    )
    channel = (
        channel_info(client=client, channel_id=channel_id)
        if isinstance(parsed, DigestHere) and channel_id
        else None
    )
    with db() as session:
        outcome = configure(
            session=session,
            command=parsed,
            team_id=team_id,
            actor=actor,
            target=target,
            channel_id=channel_id,
            channel=channel,
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


def _digest(
    *,
    posting: bool,
    command: dict[str, Any],
    team_id: str,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
    read: SessionScope,
    http: httpx.Client,
    settings: Settings,
) -> None:
    """`digest now` (posted here) and `digest preview` (only to the caller), for those allowed."""
    user_id, channel_id = command["user_id"], command.get("channel_id") or ""
    refusal = digest_refusal(
        client=client,
        db=read,
        team_id=team_id,
        user_id=user_id,
        channel_id=channel_id,
        posting=posting,
    )
    if refusal is not None:
        respond(build_config_reply(refusal))
        return
    with one_digest_at_a_time(team_id, user_id) as mine:
        if not mine:
            respond(build_config_reply(Outcome(Result.DIGEST_BUSY)))
            return
        with db() as session:
            digest = on_demand_digest(
                session=session,
                client=client,
                http=http,
                team_id=team_id,
                now=utcnow(),
                allow_private=settings.liaison_allow_private_urls,
            )
    if not posting:
        respond(build_digest_preview(digest))
        return
    message = build_digest_message(digest)
    try:
        client.chat_postMessage(channel=channel_id, text=message["text"], blocks=message["blocks"])
    except SlackApiError as error:
        respond(build_message(digest_post_failed(str(error.response.get("error")))))


def _author_names(client: WebClient, user_ids: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for user_id in user_ids:
        try:
            names[user_id] = display_name(get_user(client=client, user_id=user_id))
        except SlackApiError:
            continue  # a deleted or unknown person keeps their Slack id in the file
    return names


def _export(
    parsed: Export,
    *,
    ack: Ack,
    command: dict[str, Any],
    team_id: str,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """`/liaison export`: the feedback as CSV, uploaded to the admin's DM with Liaison.

    Acknowledged at once; who may export is checked before anything is promised; the
    file is written from batched reads (no transaction spans a Slack call) to a temporary
    file, then uploaded. Exports change nothing, so a failure loses nothing.
    """
    period = export_period(parsed, now=utcnow())  # a future day is answered before the ack
    ack()
    user_id = command["user_id"]
    actor = get_user(client=client, user_id=user_id)
    with db() as session:
        allowed = may_export(session=session, team_id=team_id, actor=actor)
        workspace_id = get_workspace_id(session=session, team_id=team_id) if allowed else None
        authors = (
            followup_authors(session=session, workspace_id=workspace_id, period=period)
            if workspace_id is not None
            else []
        )
    if not allowed:
        respond(build_config_reply(Outcome(Result.EXPORT_REFUSED)))
        return
    respond(build_config_reply(Outcome(Result.EXPORT_PREPARING, since=period.since)))
    if workspace_id is None:
        respond(build_config_reply(Outcome(Result.EXPORT_EMPTY, since=period.since)))
        return
    names = _author_names(client, authors)
    with tempfile.TemporaryDirectory(prefix="liaison-export-") as folder:
        path = Path(folder) / export_filename(team_id, period)
        with path.open("w", encoding="utf-8-sig", newline="") as handle, db() as session:
            rows = write_feedback_csv(
                session=session, workspace_id=workspace_id, period=period, out=handle, names=names
            )
        if rows == 0:
            respond(build_config_reply(Outcome(Result.EXPORT_EMPTY, since=period.since)))
            return
        try:
            dm = client.conversations_open(users=user_id)["channel"]["id"]
            client.files_upload_v2(
                channel=dm,
                file=str(path),
                filename=path.name,
                title=export_title(period.since),
                initial_comment=export_comment(since=period.since, rows=rows),
            )
        except SlackApiError as error:
            failed = Outcome(Result.EXPORT_FAILED, error=str(error.response.get("error")))
            respond(build_config_reply(failed))
            return
    respond(build_config_reply(Outcome(Result.EXPORT_SENT, since=period.since, rows=rows)))
