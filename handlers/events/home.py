"""`app_home_opened`: publish the home tab."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from blocks.home import build_home_welcome


def handle_app_home_opened(event: dict[str, Any], client: WebClient) -> None:
    """Publish the welcome home tab for the person who opened it."""
    if event.get("tab", "home") != "home":
        return
    client.views_publish(user_id=event["user"], view=build_home_welcome())
