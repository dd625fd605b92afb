"""reactions.*: the bot's emoji reactions on stored messages."""

from __future__ import annotations

import copy

from sandbox.workspace.core import ApiError, Channel, JsonDict, Params, TokenInfo, WorkspaceCore
from sandbox.workspace.params import str_arg


class ReactionsApi(WorkspaceCore):
    """reactions.add, reactions.remove and reactions.get."""

    def _reaction_target(self, p: Params) -> tuple[Channel, JsonDict, str]:
        c = self.channel(str_arg(p, "channel"))
        msg = self._message(c, str_arg(p, "timestamp"))
        return c, msg, str_arg(p, "name").strip(":")

    def reactions_add(self, p: Params, info: TokenInfo) -> JsonDict:
        """reactions.add: the bot reacts to a message."""
        _, msg, name = self._reaction_target(p)
        if not name:
            raise ApiError("invalid_name")
        reactions: list[JsonDict] = msg.setdefault("reactions", [])
        for r in reactions:
            if r["name"] == name:
                if info.bot_user_id in r["users"]:
                    raise ApiError("already_reacted")
                r["users"].append(info.bot_user_id)
                r["count"] = len(r["users"])
                return {"ok": True}
        reactions.append({"name": name, "users": [info.bot_user_id], "count": 1})
        return {"ok": True}

    def reactions_remove(self, p: Params, info: TokenInfo) -> JsonDict:
        """reactions.remove: the bot withdraws its reaction."""
        _, msg, name = self._reaction_target(p)
        reactions: list[JsonDict] = msg.get("reactions", [])
        for r in reactions:
            if r["name"] == name and info.bot_user_id in r["users"]:
                r["users"].remove(info.bot_user_id)
                r["count"] = len(r["users"])
                if not r["users"]:
                    reactions.remove(r)
                return {"ok": True}
        raise ApiError("no_reaction")

    def reactions_get(self, p: Params, info: TokenInfo) -> JsonDict:
        """reactions.get: a message with its reactions."""
        c, msg, _ = self._reaction_target(p)
        return {"ok": True, "type": "message", "channel": c.id, "message": copy.deepcopy(msg)}
