"""`app_home_opened`: publish the person's home tab."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from blocks.home import build_home
from core.db import SessionScope
from domain.payloads import slack_id
from models import WorkspaceRef, utcnow
from services.home import open_home


def handle_app_home_opened(
    event: dict[str, Any],
    body: dict[str, Any],
    workspace: WorkspaceRef | None,
    client: WebClient,
    db: SessionScope,
    read: SessionScope,
) -> None:
    """Publish the home tab for the person who opened it (the loop explained on a first visit)."""
    user_id = slack_id(event.get("user"))
    if event.get("tab", "home") != "home" or not user_id or not workspace:
        return
    data = open_home(db=db, read=read, workspace=workspace, user_id=user_id, now=utcnow())
    client.views_publish(user_id=user_id, view=build_home(data))
