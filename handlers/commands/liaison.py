"""`/liaison`: help, workspace configuration (admins only), the digest on demand, exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from blocks.config import build_config_reply
from blocks.digest import build_digest_preview
from blocks.replies import build_message, digest_post_failed
from core.db import SessionScope
from core.settings import Settings
from domain.commands import (
    DigestNow,
    DigestPreview,
    Export,
    Help,
    LiaisonCommand,
    liaison_help,
    parse_liaison,
)
from domain.configuration import Outcome
from domain.export import export_period
from handlers.errors import after_ack, require_workspace
from models import WorkspaceRef, utcnow
from services.configuration import configure_workspace
from services.digest_now import DigestNowResult, post_digest_now, preview_digest
from services.export import send_feedback_export


@dataclass(frozen=True)
class _Asked:
    """One `/liaison` request: who asked, where, and what answers it."""

    workspace: WorkspaceRef
    user_id: str
    channel_id: str
    client: WebClient
    respond: Respond
    db: SessionScope
    read: SessionScope  # read-only transactions
    http: httpx.Client

    @classmethod
    def of(
        cls,
        command: dict[str, Any],
        workspace: WorkspaceRef,
        client: WebClient,
        respond: Respond,
        db: SessionScope,
        read: SessionScope,
        http: httpx.Client,
    ) -> _Asked:
        """The request as Bolt hands it over."""
        channel_id = command.get("channel_id") or ""
        return cls(workspace, command["user_id"], channel_id, client, respond, db, read, http)

    def reply(self, outcome: Outcome) -> None:
        """Answer with an outcome through the response URL."""
        self.respond(build_config_reply(outcome))


@after_ack
def handle_liaison_command(
    ack: Ack,
    command: dict[str, Any],
    workspace: WorkspaceRef | None,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
    read: SessionScope,
    http: httpx.Client,
    settings: Settings,
    scheduler: BaseScheduler,
) -> None:
    """Answer one `/liaison` command."""
    parsed = parse_liaison(command.get("text") or "")
    if isinstance(parsed, Help):
        ack(build_message(liaison_help()))
        return
    asked = _Asked.of(command, require_workspace(workspace), client, respond, db, read, http)
    if isinstance(parsed, Export):
        _export(parsed, asked, ack=ack)
    elif isinstance(parsed, DigestNow | DigestPreview):
        _digest(parsed, asked, ack=ack, allow_private=settings.liaison_allow_private_urls)
    else:
        _configure(parsed, asked, ack=ack, scheduler=scheduler)


def _configure(
    parsed: LiaisonCommand, asked: _Asked, *, ack: Ack, scheduler: BaseScheduler
) -> None:
    """The configuration subcommands (admins only)."""
    # users.info may be retried after a 429 or 5xx for longer than Slack's 3 s: acknowledge
    # now, answer through the response URL.
    ack()
    outcome = configure_workspace(
        db=asked.db,
        client=asked.client,
        scheduler=scheduler,
        command=parsed,
        workspace=asked.workspace,
        user_id=asked.user_id,
        channel_id=asked.channel_id,
    )
    asked.reply(outcome)


def _digest(
    parsed: DigestNow | DigestPreview, asked: _Asked, *, ack: Ack, allow_private: bool
) -> None:
    """`digest now` (posted here) and `digest preview` (only to the caller), for those allowed."""
    ack()  # link checks take seconds: the answer goes through the response URL
    use_case = post_digest_now if isinstance(parsed, DigestNow) else preview_digest
    done = use_case(
        db=asked.db,
        read=asked.read,
        client=asked.client,
        http=asked.http,
        workspace=asked.workspace,
        user_id=asked.user_id,
        channel_id=asked.channel_id,
        now=utcnow(),
        allow_private=allow_private,
    )
    if done.result is DigestNowResult.REFUSED and done.refusal is not None:
        asked.reply(done.refusal)
    elif done.result is DigestNowResult.MADE and done.digest is not None:
        asked.respond(build_digest_preview(done.digest))
    elif done.result is DigestNowResult.POST_FAILED:
        asked.respond(build_message(digest_post_failed(done.error)))


def _export(parsed: Export, asked: _Asked, *, ack: Ack) -> None:
    """`/liaison export`: the feedback as CSV, uploaded to the admin's DM with Liaison."""
    period = export_period(parsed, now=utcnow())  # a future day is answered before the ack
    ack()
    outcome = send_feedback_export(
        db=asked.read,  # an export only reads
        client=asked.client,
        workspace=asked.workspace,
        user_id=asked.user_id,
        period=period,
        notify=asked.reply,
    )
    asked.reply(outcome)
