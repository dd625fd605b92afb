"""Who may do what: Slack roles from `users.info` plus Liaison's named admins."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from sqlmodel import Session

from domain.permissions import may_configure
from services.workspaces import is_named_admin


def get_user(*, client: WebClient, user_id: str) -> dict[str, Any]:
    """The Slack user object (`users.info`)."""
    user: dict[str, Any] = client.users_info(user=user_id)["user"]
    return user


def can_configure(*, session: Session, client: WebClient, team_id: str, user_id: str) -> bool:
    """True when the person is a workspace admin or owner, or a named Liaison admin."""
    named = is_named_admin(session=session, team_id=team_id, user_id=user_id)
    if named:
        return True
    return may_configure(get_user(client=client, user_id=user_id), named_admin=False)
