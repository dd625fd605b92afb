"""What Slack knows about people that launches need: time zones and group membership."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


def usergroup_members(*, client: WebClient, usergroup_id: str) -> frozenset[str]:
    """User ids in a user group (empty when the group is gone)."""
    try:
        response = client.usergroups_users_list(usergroup=usergroup_id)
    except SlackApiError as exc:
        if exc.response.get("error") == "no_such_subteam":
            return frozenset()
        raise
    users: list[Any] = response.get("users") or []
    return frozenset(str(u) for u in users)
