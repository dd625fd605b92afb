"""views.*: modals (open, push, update, one trigger id each) and App Home tabs."""

from __future__ import annotations

import copy
import secrets
import time

from sandbox import blockkit, triggers
from sandbox.constants import APP_ID
from sandbox.workspace.core import ApiError, JsonDict, Params, TokenInfo, WorkspaceCore
from sandbox.workspace.params import json_arg, str_arg


class ViewsApi(WorkspaceCore):
    """Modal and App Home views and the views.* methods."""

    def _view_arg(self, p: Params) -> JsonDict:
        view = json_arg(p, "view")
        errors = blockkit.validate_view(view)
        if errors:
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )
        assert isinstance(view, dict)
        return view

    def _use_trigger(self, p: Params) -> str:
        trigger_id = str_arg(p, "trigger_id")
        if not trigger_id:
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: trigger_id"]},
            )
        refused = triggers.refusal(trigger_id)
        if refused is not None:
            raise ApiError(refused)
        if trigger_id in self.used_triggers:
            raise ApiError("exchanged_trigger_id")
        self.used_triggers.add(trigger_id)
        return trigger_id

    def _render_view(
        self, view: JsonDict, info: TokenInfo, *, view_id: str, previous: str | None, root: str
    ) -> JsonDict:
        return {
            "id": view_id,
            "team_id": info.team_id,
            "type": view["type"],
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": copy.deepcopy(view.get("title", {"type": "plain_text", "text": "View Title"})),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": copy.deepcopy(view.get("close")),
            "submit": copy.deepcopy(view.get("submit")),
            "previous_view_id": previous,
            "root_view_id": root,
            "app_id": APP_ID,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": info.team_id,
            "bot_id": info.bot_id,
        }

    def _check_external_id(self, view: JsonDict, own_id: str | None = None) -> None:
        ext = view.get("external_id")
        if not ext:
            return
        for v in self.views.values():
            if v["external_id"] == ext and v["id"] != own_id:
                raise ApiError("duplicate_external_id")

    def _store_modal(self, view: JsonDict, method: str, trigger_id: str | None) -> JsonDict:
        self.views[view["id"]] = view
        self.view_methods[view["id"]] = method
        if trigger_id is not None:
            self.view_triggers[view["id"]] = trigger_id
        return {"ok": True, "view": copy.deepcopy(view)}

    def views_open(self, p: Params, info: TokenInfo) -> JsonDict:
        """views.open: open a modal with a fresh trigger_id."""
        view = self._view_arg(p)
        if view["type"] != "modal":
            raise ApiError(
                "invalid_arguments",
                response_metadata={
                    "messages": ["[ERROR] views.open only opens modals [json-pointer:/view/type]"]
                },
            )
        trigger_id = self._use_trigger(p)
        self._check_external_id(view)
        vid = self.new_id("V")
        rendered = self._render_view(view, info, view_id=vid, previous=None, root=vid)
        return self._store_modal(rendered, "views.open", trigger_id)

    def views_push(self, p: Params, info: TokenInfo) -> JsonDict:
        """views.push: push a modal on top of the open one."""
        view = self._view_arg(p)
        trigger_id = self._use_trigger(p)
        self._check_external_id(view)
        top = next(reversed(self.views.values()), None)
        vid = self.new_id("V")
        rendered = self._render_view(
            view,
            info,
            view_id=vid,
            previous=top["id"] if top else None,
            root=top["root_view_id"] if top else vid,
        )
        return self._store_modal(rendered, "views.push", trigger_id)

    def views_update(self, p: Params, info: TokenInfo) -> JsonDict:
        """views.update: replace a modal by view_id or external_id."""
        view = self._view_arg(p)
        view_id = str_arg(p, "view_id")
        external_id = str_arg(p, "external_id")
        current: JsonDict | None = None
        if view_id:
            current = self.views.get(view_id)
        elif external_id:
            current = next(
                (v for v in self.views.values() if v["external_id"] == external_id), None
            )
        else:
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: view_id"]},
            )
        if current is None:
            raise ApiError("not_found")
        expected = str_arg(p, "hash")
        if expected and expected != current["hash"]:
            raise ApiError("hash_conflict")
        self._check_external_id(view, current["id"])
        rendered = self._render_view(
            view,
            info,
            view_id=current["id"],
            previous=current["previous_view_id"],
            root=current["root_view_id"],
        )
        if not view.get("external_id"):
            rendered["external_id"] = current["external_id"]
        return self._store_modal(rendered, "views.update", None)

    def views_publish(self, p: Params, info: TokenInfo) -> JsonDict:
        """views.publish: publish a user's App Home."""
        view = self._view_arg(p)
        if view["type"] != "home":
            raise ApiError(
                "invalid_arguments",
                response_metadata={
                    "messages": [
                        "[ERROR] views.publish only publishes home views [json-pointer:/view/type]"
                    ]
                },
            )
        user_id = str_arg(p, "user_id")
        self._user(user_id)
        current = self.home_views.get(user_id)
        expected = str_arg(p, "hash")
        if current is not None and expected and expected != current["hash"]:
            raise ApiError("hash_conflict")
        vid = current["id"] if current else self.new_id("V")
        rendered = self._render_view(view, info, view_id=vid, previous=None, root=vid)
        self.home_views[user_id] = rendered
        return {"ok": True, "view": copy.deepcopy(rendered)}
