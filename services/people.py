"""What Slack knows about people that launches need: time zones and group membership."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.db import SessionScope
from domain.permissions import is_outsider, may_launch
from models import WorkspaceRef
from services.access import get_user
from services.launches import get_launch_policy
from services.workspaces import list_sales_channels


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


@dataclass(frozen=True)
class LaunchCheck:
    """Whether someone may launch, and what the launch form needs to know about them."""

    allowed: bool
    timezone: str
    sales_channels: tuple[str, ...]
    # When refused: a guest or someone of another organisation (True), or the policy.
    outsider: bool = False


def check_launcher(
    *, client: WebClient, db: SessionScope, workspace: WorkspaceRef, user_id: str
) -> LaunchCheck:
    """Apply the workspace's launch policy to a person (Slack is asked outside transactions)."""
    user = get_user(client=client, user_id=user_id)
    with db() as session:
        policy = get_launch_policy(session=session, workspace=workspace)
        channels = tuple(list_sales_channels(session=session, workspace=workspace))
    members = None
    if policy.policy == "usergroup" and policy.usergroup_id:
        members = usergroup_members(client=client, usergroup_id=policy.usergroup_id)
    allowed = may_launch(
        user=user,
        policy=str(policy.policy),
        named=policy.named,
        group_members=members,
        workspace_key=workspace.team_id,
    )
    return LaunchCheck(
        allowed=allowed,
        timezone=str(user.get("tz") or "UTC"),
        sales_channels=channels,
        outsider=is_outsider(user, workspace_key=workspace.team_id),
    )
