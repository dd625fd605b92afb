"""Slack's view of a person (`users.info`)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient


def get_user(*, client: WebClient, user_id: str) -> dict[str, Any]:
    """The Slack user object (`users.info`)."""
    user: dict[str, Any] = client.users_info(user=user_id)["user"]
    return user
