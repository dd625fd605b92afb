"""`/collateral`: add, search, used, and the top list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from slack_bolt import Ack, Respond

from blocks.replies import (
    added_note,
    build_asset_added,
    build_candidates,
    build_message,
    build_search_results,
    build_top_assets,
    build_usage_recorded,
)
from core.db import SessionScope
from core.settings import Settings
from domain.commands import (
    CollateralAdd,
    CollateralSearch,
    CollateralTop,
    CollateralUsed,
    collateral_help,
    parse_collateral,
)
from handlers.errors import after_ack, require_workspace
from models import WorkspaceRef
from services.collateral import (
    UsageResult,
    add_collateral,
    list_top_collateral,
    search_collateral,
    use_collateral,
)

USED_FORM = "Use `/collateral used <asset>` with a handle such as `PD-3`."


@after_ack
def handle_collateral_command(
    ack: Ack,
    command: dict[str, Any],
    workspace: WorkspaceRef | None,
    respond: Respond,
    db: SessionScope,
    read: SessionScope,
    http: httpx.Client,
    settings: Settings,
) -> None:
    """Answer one `/collateral` command."""
    parsed = parse_collateral(command.get("text") or "")
    workspace = require_workspace(workspace)
    asked = _Asked(workspace, command["user_id"], db, read, http, settings)
    if isinstance(parsed, CollateralAdd):
        _add(ack, respond, parsed, asked)
    elif isinstance(parsed, CollateralSearch):
        rows = search_collateral(read=read, workspace=workspace, query=parsed.query)
        ack(build_search_results(query=parsed.query, rows=rows))
    elif isinstance(parsed, CollateralUsed):
        used = use_collateral(db=db, workspace=workspace, name=parsed.asset, user_id=asked.user_id)
        ack(_used_reply(parsed, used))
    elif isinstance(parsed, CollateralTop):
        ack(build_top_assets(list_top_collateral(read=read, workspace=workspace)))
    else:
        ack(build_message(collateral_help()))


@dataclass(frozen=True)
class _Asked:
    """One `/collateral` request: who asked, in which workspace, and what answers it."""

    workspace: WorkspaceRef
    user_id: str
    db: SessionScope
    read: SessionScope  # read-only transactions
    http: httpx.Client
    settings: Settings


def _add(ack: Ack, respond: Respond, parsed: CollateralAdd, asked: _Asked) -> None:
    """`/collateral add`: answered in the response when fast, through `respond` when slow."""
    slow = parsed.title is None
    if slow:
        # Fetching the page title may take seconds: acknowledge first (Slack's 3 s).
        ack()
    added = add_collateral(
        db=asked.db,
        http=asked.http,
        workspace=asked.workspace,
        url=parsed.url,
        title=parsed.title,
        user_id=asked.user_id,
        allow_private=asked.settings.liaison_allow_private_urls,
    )
    asset = added.asset
    reply = build_asset_added(
        handle=asset.handle,
        title=asset.title,
        url=asset.url,
        existed=added.existed,
        note=added_note(
            title=asset.title, named_from_url=added.named_from_url, problem=added.problem
        ),
    )
    respond(reply) if slow else ack(reply)


def _used_reply(parsed: CollateralUsed, used: UsageResult) -> dict[str, Any]:
    """The reply to `/collateral used`: the recorded use, or the closest matches."""
    if used.asset is None:
        return build_candidates(name=parsed.asset, candidates=used.candidates, usage=USED_FORM)
    return build_usage_recorded(
        handle=used.asset.handle, title=used.asset.title, url=used.asset.url, count=used.count
    )
