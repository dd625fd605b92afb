"""usergroups.*: user groups (@handles) and their members."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from sandbox.constants import SEED_CREATED, TEAM_ID
from sandbox.workspace.core import ApiError, JsonDict, Params, TokenInfo, WorkspaceCore
from sandbox.workspace.params import bool_arg, str_arg


class UsergroupsApi(WorkspaceCore):
    """User groups (seeded or added by tests) and the usergroups.* methods."""

    def add_usergroup(
        self,
        usergroup_id: str,
        *,
        handle: str,
        name: str,
        users: Iterable[str],
        description: str = "",
        disabled: bool = False,
    ) -> JsonDict:
        """Create or replace a user group and return its usergroup object (users included)."""
        group: JsonDict = {
            "id": usergroup_id,
            "team_id": TEAM_ID,
            "is_usergroup": True,
            "is_subteam": True,
            "name": name,
            "description": description,
            "handle": handle,
            "is_external": False,
            "date_create": SEED_CREATED,
            "date_update": SEED_CREATED,
            "date_delete": SEED_CREATED if disabled else 0,
            "auto_type": None,
            "auto_provision": False,
            "enterprise_subteam_id": "",
            "created_by": "UADMIN",
            "updated_by": "UADMIN",
            "deleted_by": "UADMIN" if disabled else None,
            "prefs": {"channels": [], "groups": []},
            "users": list(dict.fromkeys(users)),
        }
        group["user_count"] = len(group["users"])
        self.usergroups[usergroup_id] = group
        return copy.deepcopy(group)

    def usergroups_list(self, p: Params, info: TokenInfo) -> JsonDict:
        """usergroups.list: the workspace's user groups (users and counts on request)."""
        include_users = bool_arg(p, "include_users")
        include_count = bool_arg(p, "include_count")
        include_disabled = bool_arg(p, "include_disabled")
        out: list[JsonDict] = []
        for group in self.usergroups.values():
            if group["date_delete"] and not include_disabled:
                continue
            item = copy.deepcopy(group)
            if not include_users:
                item.pop("users")
            if not include_count:
                item.pop("user_count")
            out.append(item)
        return {"ok": True, "usergroups": out}

    def usergroups_users_list(self, p: Params, info: TokenInfo) -> JsonDict:
        """usergroups.users.list: the member ids of one user group."""
        group = self.usergroups.get(str_arg(p, "usergroup"))
        if group is None or (group["date_delete"] and not bool_arg(p, "include_disabled")):
            raise ApiError("no_such_subteam")
        return {"ok": True, "users": list(group["users"])}
