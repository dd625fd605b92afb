"""`/collateral`: add, search, used, and the top list."""

from __future__ import annotations

from typing import Any

import httpx
from slack_bolt import Ack, BoltContext, Respond

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
from handlers.errors import after_ack
from services.collateral import record_usage, register_asset, search_assets, top_assets

USED_FORM = "Use `/collateral used <asset>` with a handle such as `PD-3`."


@after_ack
def handle_collateral_command(
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    respond: Respond,
    db: SessionScope,
    read: SessionScope,
    http: httpx.Client,
    settings: Settings,
) -> None:
    """Answer one `/collateral` command."""
    parsed = parse_collateral(command.get("text") or "")
    team_id = context.team_id or command["team_id"]
    user_id = command["user_id"]
    if isinstance(parsed, CollateralAdd):
        slow = parsed.title is None
        if slow:
            # Fetching the page title may take seconds: acknowledge first (Slack's 3 s).
            ack()
        with db() as session:
            added = register_asset(
                session=session,
                http=http,
                team_id=team_id,
                url=parsed.url,
                title=parsed.title,
                user_id=user_id,
                allow_private=settings.liaison_allow_private_urls,
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
    elif isinstance(parsed, CollateralSearch):
        with read() as session:
            rows = search_assets(session=session, team_id=team_id, query=parsed.query)
        ack(build_search_results(query=parsed.query, rows=rows))
    elif isinstance(parsed, CollateralUsed):
        with db() as session:
            used = record_usage(
                session=session, team_id=team_id, name=parsed.asset, user_id=user_id
            )
        if used.asset is None:
            ack(build_candidates(name=parsed.asset, candidates=used.candidates, usage=USED_FORM))
        else:
            ack(
                build_usage_recorded(
                    handle=used.asset.handle,
                    title=used.asset.title,
                    url=used.asset.url,
                    count=used.count,
                )
            )
    elif isinstance(parsed, CollateralTop):
        with read() as session:
            rows = top_assets(session=session, team_id=team_id)
        ack(build_top_assets(rows))
    else:
        ack(build_message(collateral_help()))
