"""The feedback modal's asset picker: type-ahead over the workspace's assets."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from blocks.feedback import build_asset_options
from core.db import SessionScope
from domain.feedback import campaign_from_metadata, option_query
from domain.payloads import mapping, team_of
from services.feedback import list_asset_choices


def handle_asset_options(
    ack: Ack, body: dict[str, Any], context: BoltContext, read: SessionScope
) -> None:
    """Answer the picker with the best matches for what was typed."""
    view = mapping(body.get("view"))
    team_id = team_of(context.team_id, body) or ""
    refs = list_asset_choices(
        read=read,
        team_id=team_id,
        query=option_query(body.get("value")),
        campaign_id=campaign_from_metadata(view.get("private_metadata")),
    )
    ack(build_asset_options(refs))
