"""users.*: the workspace's people, as the asking workspace (or organisation) sees them."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.constants import APP_ID, BOT_ID, SEED_CREATED, TEAM_ID
from sandbox.workspace.core import ApiError, JsonDict, Params, TokenInfo, WorkspaceCore
from sandbox.workspace.params import paginate, str_arg


def _tz_fields(tz: str) -> tuple[str, int]:
    try:
        now = datetime.now(ZoneInfo(tz))
    except ZoneInfoNotFoundError:
        now = datetime.now(UTC)
    offset = now.utcoffset()
    return now.tzname() or tz, int(offset.total_seconds()) if offset else 0


class UsersApi(WorkspaceCore):
    """Members (seeded or added by tests) and the users.* methods that read them."""

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        email: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_primary_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str = "America/New_York",
        team_id: str | None = None,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
    ) -> JsonDict:
        """Create or replace a member and return its users.info object.

        `team_id`: the person's own team, for someone of another organisation (Slack
        Connect). Without it the person belongs to whichever workspace asks (the sandbox
        plays every installed workspace with one set of people). `is_restricted` and
        `is_ultra_restricted` make a multi- or single-channel guest.
        """
        if team_id is None:
            self.roaming.add(user_id)
        else:
            self.roaming.discard(user_id)
        real = real_name if real_name is not None else name
        tz_label, tz_offset = _tz_fields(tz)
        profile: JsonDict = {
            "real_name": real,
            "real_name_normalized": real,
            "display_name": name,
            "display_name_normalized": name,
            "first_name": real.split(" ")[0],
            "last_name": " ".join(real.split(" ")[1:]),
            "title": "",
            "phone": "",
            "status_text": "",
            "status_emoji": "",
            "image_48": f"https://avatars.example.com/{user_id}_48.png",
            "image_72": f"https://avatars.example.com/{user_id}_72.png",
            "team": team_id or TEAM_ID,
        }
        if email is not None:
            profile["email"] = email
        if is_bot:
            profile["bot_id"] = BOT_ID
            profile["api_app_id"] = APP_ID
        user: JsonDict = {
            "id": user_id,
            "team_id": team_id or TEAM_ID,
            "name": name,
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": real,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "profile": profile,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": is_primary_owner,
            "is_restricted": is_restricted or is_ultra_restricted,
            "is_ultra_restricted": is_ultra_restricted,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": SEED_CREATED,
            "is_email_confirmed": email is not None,
        }
        self.users[user_id] = user
        return copy.deepcopy(user)

    def _seen_by(self, user: JsonDict, info: TokenInfo) -> JsonDict:
        """A member as the token's workspace (or organisation) sees them."""
        seen = copy.deepcopy(user)
        if user["id"] in self.roaming:
            seen["team_id"] = seen["profile"]["team"] = info.team_id
            if info.enterprise_id:
                seen["enterprise_user"] = {
                    "id": user["id"],
                    "enterprise_id": info.enterprise_id,
                    "enterprise_name": info.enterprise_id,
                    "is_admin": user["is_admin"],
                    "is_owner": user["is_owner"],
                    "teams": [info.team_id],
                }
        return seen

    def users_info(self, p: Params, info: TokenInfo) -> JsonDict:
        """users.info: one member."""
        return {"ok": True, "user": self._seen_by(self._user(str_arg(p, "user")), info)}

    def users_list(self, p: Params, info: TokenInfo) -> JsonDict:
        """users.list: all members, paginated."""
        page, cursor = paginate([self._seen_by(u, info) for u in self.users.values()], p)
        return {
            "ok": True,
            "members": page,
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": cursor},
        }

    def users_lookup_by_email(self, p: Params, info: TokenInfo) -> JsonDict:
        """users.lookupByEmail: a member by email address."""
        email = str_arg(p, "email").lower()
        for u in self.users.values():
            if str(u["profile"].get("email", "")).lower() == email and email:
                return {"ok": True, "user": copy.deepcopy(u)}
        raise ApiError("users_not_found")
