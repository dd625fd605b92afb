"""Who may change Liaison's configuration (SPEC: `/liaison` configuration subcommands are
limited to workspace admins and owners and the people they name)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def is_workspace_admin(user: Mapping[str, Any]) -> bool:
    """True for Slack workspace admins, owners and primary owners (from `users.info`)."""
    if user.get("deleted") or user.get("is_bot") or user.get("is_restricted"):
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def may_configure(user: Mapping[str, Any], *, named_admin: bool) -> bool:
    """True when this person may run configuration subcommands."""
    if user.get("deleted") or user.get("is_bot"):
        return False
    return named_admin or is_workspace_admin(user)


def may_launch(
    *,
    user: Mapping[str, Any],
    policy: str,
    named: frozenset[str],
    group_members: frozenset[str] | None,
) -> bool:
    """True when this person may `/launch` under the workspace's policy.

    Policies: "everyone"; "named" people; a user group's members ("usergroup").
    Workspace admins and owners may always launch.
    """
    if user.get("deleted") or user.get("is_bot"):
        return False
    if policy == "everyone" or is_workspace_admin(user):
        return True
    user_id = str(user.get("id", ""))
    if policy == "named":
        return user_id in named
    if policy == "usergroup":
        return user_id in (group_members or frozenset())
    return False
