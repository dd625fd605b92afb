"""Who may launch, configure Liaison, and read or post the digest.

SPEC (Configuration; blame-free rule 7): configuration subcommands are for workspace
admins and owners and the people they name; `digest now` and `digest preview` are for
those admins and the members of the digest channel, never for guests; the digest is never
posted into a channel shared with another organisation unless an admin allows it.

A person is judged from Slack's own user object (`users.info`). Guests are
`is_restricted` (multi-channel) or `is_ultra_restricted` (single-channel). In a Slack
Connect channel, people of the partner organisation belong to another team: they can
click, vote and give feedback like anyone in the channel, but they are not members of the
workspace that installed Liaison, so they are treated as guests here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def is_guest(user: Mapping[str, Any]) -> bool:
    """True for multi- and single-channel guests."""
    return bool(user.get("is_restricted") or user.get("is_ultra_restricted"))


def is_outsider(user: Mapping[str, Any], *, workspace_key: str | None) -> bool:
    """True for a guest, or for someone who is not a member of the installing workspace.

    `workspace_key`: the Liaison workspace's key, a team id (or an org's enterprise id for
    an org-wide install). A person of that team, or of a team of that organisation, is a
    member; anyone else (a Slack Connect partner, a "stranger") is not. Without a key or a
    team on the user there is nothing to compare, and only guest status decides.
    """
    if is_guest(user) or user.get("is_stranger"):
        return True
    team = user.get("team_id")
    if not workspace_key or not isinstance(team, str) or not team:
        return False
    enterprise = user.get("enterprise_user")
    teams: set[str] = {team}
    if isinstance(enterprise, Mapping):
        if isinstance(enterprise.get("enterprise_id"), str):
            teams.add(enterprise["enterprise_id"])
        listed = enterprise.get("teams")
        if isinstance(listed, list):
            teams.update(t for t in listed if isinstance(t, str))
    return workspace_key not in teams


def _inactive(user: Mapping[str, Any]) -> bool:
    return bool(user.get("deleted") or user.get("is_bot"))


def is_workspace_admin(user: Mapping[str, Any]) -> bool:
    """True for Slack workspace admins, owners and primary owners (from `users.info`)."""
    if _inactive(user) or is_guest(user):
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def may_configure(
    user: Mapping[str, Any], *, named_admin: bool, workspace_key: str | None = None
) -> bool:
    """True when this person may run configuration subcommands (and export)."""
    if _inactive(user) or is_outsider(user, workspace_key=workspace_key):
        return False
    return named_admin or is_workspace_admin(user)


def may_read_digest(
    user: Mapping[str, Any],
    *,
    named_admin: bool,
    in_digest_channel: bool,
    workspace_key: str | None = None,
) -> bool:
    """True when this person may see the digest on demand (`digest now`, `digest preview`).

    The digest is written for the team leads who read the digest channel: admins, the
    admins they named, and that channel's members; never guests or outsiders.
    """
    if _inactive(user) or is_outsider(user, workspace_key=workspace_key):
        return False
    return named_admin or is_workspace_admin(user) or in_digest_channel


def may_launch(
    *,
    user: Mapping[str, Any],
    policy: str,
    named: frozenset[str],
    group_members: frozenset[str] | None,
    workspace_key: str | None = None,
) -> bool:
    """True when this person may `/launch` under the workspace's policy.

    Policies: "everyone" (every member: guests and outsiders never launch); "named"
    people; a user group's members ("usergroup"). Workspace admins and owners may always
    launch.
    """
    if _inactive(user) or is_outsider(user, workspace_key=workspace_key):
        return False
    if policy == "everyone" or is_workspace_admin(user):
        return True
    user_id = str(user.get("id", ""))
    if policy == "named":
        return user_id in named
    if policy == "usergroup":
        return user_id in (group_members or frozenset())
    return False


def is_shared_externally(channel: Mapping[str, Any]) -> bool:
    """True for a channel shared (or being shared) with another organisation."""
    return bool(
        channel.get("is_ext_shared")
        or channel.get("is_pending_ext_shared")
        or channel.get("pending_shared")
    )
