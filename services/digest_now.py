"""The digest on demand: `/liaison digest now|preview` in Slack and `bot.py digest --now|--preview`.

Both make the last seven days' digest (no claim: the week's scheduled digest is never used
up or blocked, SPEC: `/liaison`). A request from someone in Slack is checked first
(services.digest_access) and posts into the channel it came from; the operator's command
line is trusted and posts into the workspace's digest channel. Slack is never called
inside a database transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.digest import build_digest_message
from core.db import SessionScope
from domain.configuration import Outcome, Result
from domain.digest_data import Digest
from models import WorkspaceRef
from services.digest_access import digest_refusal, one_digest_at_a_time, shared_channel_refused
from services.digest_runs import digest_settings, on_demand_digest


class DigestNowResult(StrEnum):
    """What became of one on-demand digest."""

    MADE = "made"  # a preview: made, shown to the one who asked, not posted
    POSTED = "posted"
    REFUSED = "refused"  # `refusal` says why
    NO_WORKSPACE = "no_workspace"  # the operator named a team this database never saw
    NO_CHANNEL = "no_channel"  # the operator's workspace has no digest channel yet
    POST_FAILED = "post_failed"  # Slack refused chat.postMessage: `error` is its code


@dataclass(frozen=True)
class DigestNow:
    """An on-demand digest and what became of it."""

    result: DigestNowResult
    digest: Digest | None = None  # None when nothing was made
    channel_id: str = ""  # where it was (or would have been) posted
    refusal: Outcome | None = None
    error: str = ""


@dataclass(frozen=True)
class _Made:
    digest: Digest
    channel_id: str  # the operator's digest channel ("" when it has none)
    shared_allowed: bool


def preview_digest(
    *,
    db: SessionScope,
    client: WebClient | None,
    http: httpx.Client,
    workspace: WorkspaceRef,
    now: datetime,
    allow_private: bool,
    user_id: str | None = None,
    channel_id: str = "",
    read: SessionScope | None = None,
) -> DigestNow:
    """The last seven days' digest, not posted: for `user_id` if they may read it, or the operator.

    `channel_id` is where the person asked; a preview is shown only to them, never posted
    there. Without a client (no token) nobody can be listed, so the digest quotes nothing.
    """
    made = _make(
        db=db,
        read=read or db,
        client=client,
        http=http,
        workspace=workspace,
        now=now,
        allow_private=allow_private,
        user_id=user_id,
        channel_id=channel_id,
    )
    if isinstance(made, DigestNow):
        return made
    return DigestNow(DigestNowResult.MADE, digest=made.digest, channel_id=made.channel_id)


def post_digest_now(
    *,
    db: SessionScope,
    client: WebClient,
    http: httpx.Client,
    workspace: WorkspaceRef,
    now: datetime,
    allow_private: bool,
    user_id: str | None = None,
    channel_id: str = "",
    read: SessionScope | None = None,
) -> DigestNow:
    """Make the last seven days' digest and post it.

    With `user_id` (someone in Slack) it goes into `channel_id`, where they asked, once they
    may post it there; without, it is the operator's and goes into the digest channel.
    """
    made = _make(
        db=db,
        read=read or db,
        client=client,
        http=http,
        workspace=workspace,
        now=now,
        allow_private=allow_private,
        user_id=user_id,
        channel_id=channel_id,
        posting=True,
    )
    if isinstance(made, DigestNow):
        return made
    target = channel_id if user_id is not None else made.channel_id
    if user_id is None:
        # A person's channel was checked before the digest was made (digest_refusal).
        refused = shared_channel_refused(
            client=client, channel_id=target, allowed=made.shared_allowed
        )
        if refused is not None:
            return DigestNow(
                DigestNowResult.REFUSED, digest=made.digest, channel_id=target, refusal=refused
            )
    message = build_digest_message(made.digest)
    try:
        client.chat_postMessage(channel=target, text=message["text"], blocks=message["blocks"])
    except SlackApiError as error:
        return DigestNow(
            DigestNowResult.POST_FAILED,
            digest=made.digest,
            channel_id=target,
            error=str(error.response.get("error")),
        )
    return DigestNow(DigestNowResult.POSTED, digest=made.digest, channel_id=target)


def _make(
    *,
    db: SessionScope,
    read: SessionScope,
    client: WebClient | None,
    http: httpx.Client,
    workspace: WorkspaceRef,
    now: datetime,
    allow_private: bool,
    user_id: str | None,
    channel_id: str,
    posting: bool = False,
) -> _Made | DigestNow:
    """The digest, once whoever asked may have it; else what stopped it."""
    if user_id is None:
        return _make_for_operator(
            db=db,
            client=client,
            http=http,
            workspace=workspace,
            now=now,
            allow_private=allow_private,
            posting=posting,
        )
    assert client is not None  # a request from Slack always comes with its client
    refusal = digest_refusal(
        client=client,
        db=read,
        workspace=workspace,
        user_id=user_id,
        channel_id=channel_id,
        posting=posting,
    )
    if refusal is not None:
        return DigestNow(DigestNowResult.REFUSED, refusal=refusal)
    with one_digest_at_a_time(workspace, user_id) as mine:
        if not mine:
            return DigestNow(DigestNowResult.REFUSED, refusal=Outcome(Result.DIGEST_BUSY))
        with db() as session:
            # A workspace new to Liaison is created: the request proves it has the app.
            digest = on_demand_digest(
                session=session,
                client=client,
                http=http,
                workspace=workspace,
                now=now,
                allow_private=allow_private,
            )
    return _Made(digest=digest, channel_id="", shared_allowed=False)


def _make_for_operator(
    *,
    db: SessionScope,
    client: WebClient | None,
    http: httpx.Client,
    workspace: WorkspaceRef,
    now: datetime,
    allow_private: bool,
    posting: bool,
) -> _Made | DigestNow:
    """The operator's digest, for a workspace this database knows (its CLI creates nothing)."""
    with db() as session:
        found = digest_settings(session=session, workspace=workspace)
        if found is None:
            return DigestNow(DigestNowResult.NO_WORKSPACE)
        if posting and found.channel_id is None:
            return DigestNow(DigestNowResult.NO_CHANNEL)
        digest = on_demand_digest(
            session=session,
            client=client,
            http=http,
            workspace=workspace,
            now=now,
            allow_private=allow_private,
        )
    return _Made(
        digest=digest, channel_id=found.channel_id or "", shared_allowed=found.shared_allowed
    )
