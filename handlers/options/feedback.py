"""The feedback modal's asset picker: type-ahead over the workspace's assets."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from blocks.feedback import build_asset_options
from core.db import SessionScope
from domain.feedback import campaign_from_metadata, option_query
from domain.payloads import mapping
from models import WorkspaceRef
from services.feedback import list_asset_choices


def handle_asset_options(
    ack: Ack, body: dict[str, Any], workspace: WorkspaceRef | None, read: SessionScope
) -> None:
    """Answer the picker with the best matches for what was typed."""
    view = mapping(body.get("view"))
    if workspace is None:  # no team named: nothing to choose from
        ack(build_asset_options([]))
        return
    refs = list_asset_choices(
        read=read,
        workspace=workspace,
        query=option_query(body.get("value")),
        campaign_id=campaign_from_metadata(view.get("private_metadata")),
    )
    ack(build_asset_options(refs))
