"""chat.*: bot messages (posted, threaded, edited, deleted, ephemeral) and their storage."""

from __future__ import annotations

import copy
import json
import re

from sandbox import blockkit
from sandbox.constants import APP_ID, BOT_USER_ID, TEAM_DOMAIN
from sandbox.workspace.core import ApiError, Channel, JsonDict, Params, TokenInfo, WorkspaceCore
from sandbox.workspace.params import json_arg, str_arg

MAX_TEXT = 40_000

# Message metadata event types are alphanumeric plus underscores.
_EVENT_TYPE = re.compile(r"^[a-zA-Z0-9_]+$")


def parse_metadata(p: Params) -> JsonDict | None:
    """Validate a message's ``metadata`` argument (object or JSON string); None when absent.

    Returns ``{}`` for an explicit empty object (chat.update uses it to remove metadata).
    """
    value = p.get("metadata")
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ApiError("invalid_metadata_format") from exc
    if not isinstance(value, dict):
        raise ApiError("invalid_metadata_format")
    if not value:
        return {}
    event_type = value.get("event_type")
    if not isinstance(event_type, str) or not _EVENT_TYPE.match(event_type):
        raise ApiError("invalid_metadata_format")
    payload = value.get("event_payload")
    if not isinstance(payload, dict):
        raise ApiError("invalid_metadata_format")
    return {"event_type": event_type, "event_payload": copy.deepcopy(payload)}


class ChatApi(WorkspaceCore):
    """chat.* methods, and the message store that files and people's messages share."""

    def _can_post(self, c: Channel) -> None:
        member = BOT_USER_ID in c.members or c.is_im
        # A private conversation the bot is not in is invisible to it: Slack says not found.
        if (c.is_private or c.is_mpim) and not member:
            raise ApiError("channel_not_found")
        if c.is_archived:
            raise ApiError("is_archived")
        if member:
            return
        # chat:write.public lets a bot post to public channels it has not joined.
        if (
            not c.is_private
            and self.bot_scopes is not None
            and "chat:write.public" in self.bot_scopes
        ):
            return
        raise ApiError("not_in_channel")

    def _content(self, p: Params, *, require: bool = True) -> JsonDict:
        """Validate and return the text/blocks/attachments of a message call."""
        blocks = json_arg(p, "blocks", error="invalid_blocks_format")
        attachments = json_arg(p, "attachments", error="invalid_attachments")
        text = str_arg(p, "text")
        if require and not text and not blocks and not attachments:
            raise ApiError("no_text")
        if len(text) > MAX_TEXT:
            raise ApiError("msg_too_long")
        if blocks is not None:
            errors = blockkit.validate_message_blocks(blocks)
            if errors:
                raise ApiError(
                    "invalid_blocks",
                    errors=errors,
                    response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
                )
        content: JsonDict = {}
        if "text" in p:
            content["text"] = text
        if blocks is not None:
            content["blocks"] = copy.deepcopy(blocks)
        if attachments is not None:
            content["attachments"] = copy.deepcopy(attachments)
        return content

    def _new_message(
        self, c: Channel, info: TokenInfo, content: JsonDict, thread_ts: str
    ) -> JsonDict:
        """Store a bot message (top level or threaded) and return it."""
        root: JsonDict | None = None
        if thread_ts:
            parent = c.by_ts.get(thread_ts)
            if parent is None:
                raise ApiError("thread_not_found")
            root_ts: str = parent.get("thread_ts") or parent["ts"]
            root = c.by_ts[root_ts]
        msg: JsonDict = {
            "type": "message",
            "ts": self.next_ts(),
            "user": info.bot_user_id,
            "bot_id": info.bot_id,
            "app_id": APP_ID,
            "team": info.team_id,
            "text": content.get("text", ""),
            "blocks": content.get("blocks", []),
            "bot_profile": {
                "id": info.bot_id,
                "app_id": APP_ID,
                "name": "Liaison",
                "deleted": False,
                "team_id": info.team_id,
            },
        }
        for key in ("attachments", "metadata", "files", "upload"):
            if key in content:
                msg[key] = content[key]
        c.by_ts[msg["ts"]] = msg
        if root is None:
            c.messages.append(msg)
            return msg
        msg["thread_ts"] = root["ts"]
        msg["parent_user_id"] = root["user"]
        thread = c.replies.setdefault(root["ts"], [])
        thread.append(msg)
        root["thread_ts"] = root["ts"]
        root["reply_count"] = len(thread)
        users = root.setdefault("reply_users", [])
        if msg["user"] not in users:
            users.append(msg["user"])
        root["reply_users_count"] = len(users)
        root["latest_reply"] = msg["ts"]
        return msg

    def add_message(
        self, channel_id: str, *, user: str, text: str, thread_ts: str | None = None
    ) -> JsonDict:
        """Store a message written by a person (for tests that need human messages)."""
        c = self.channel(channel_id)
        info = TokenInfo("", bot_user_id=user, bot_id="")
        msg = self._new_message(c, info, {"text": text}, thread_ts or "")
        for key in ("bot_id", "bot_profile", "app_id"):
            msg.pop(key, None)
        return msg

    def chat_post_message(self, p: Params, info: TokenInfo) -> JsonDict:
        """chat.postMessage: post (or thread) a bot message."""
        c = self.channel(str_arg(p, "channel"))
        self._can_post(c)
        content = self._content(p)
        metadata = parse_metadata(p)
        if metadata:
            content["metadata"] = metadata
        msg = self._new_message(c, info, content, str_arg(p, "thread_ts"))
        return {"ok": True, "channel": c.id, "ts": msg["ts"], "message": copy.deepcopy(msg)}

    def chat_update(self, p: Params, info: TokenInfo) -> JsonDict:
        """chat.update: edit a bot message's text, blocks or attachments."""
        c = self.channel(str_arg(p, "channel"))
        if c.is_archived:
            raise ApiError("is_archived")
        msg = self._message(c, str_arg(p, "ts"))
        if msg.get("user") != info.bot_user_id:
            raise ApiError("cant_update_message")
        content = self._content(p)
        # Without metadata the previous metadata stays; an empty object removes it.
        metadata = parse_metadata(p)
        msg.update(content)
        if metadata:
            msg["metadata"] = metadata
        elif metadata is not None:
            msg.pop("metadata", None)
        msg["edited"] = {"user": info.bot_user_id, "ts": self.next_ts()}
        return {
            "ok": True,
            "channel": c.id,
            "ts": msg["ts"],
            "text": msg.get("text", ""),
            "message": copy.deepcopy(msg),
        }

    def chat_delete(self, p: Params, info: TokenInfo) -> JsonDict:
        """chat.delete: remove a bot message."""
        c = self.channel(str_arg(p, "channel"))
        ts = str_arg(p, "ts")
        msg = self._message(c, ts)
        if msg.get("user") != info.bot_user_id:
            raise ApiError("cant_delete_message")
        del c.by_ts[ts]
        thread_ts = msg.get("thread_ts")
        if thread_ts and thread_ts != ts:
            c.replies[thread_ts].remove(msg)
            root = c.by_ts.get(thread_ts)
            if root is not None:
                root["reply_count"] = len(c.replies[thread_ts])
        else:
            c.messages.remove(msg)
        return {"ok": True, "channel": c.id, "ts": ts}

    def chat_post_ephemeral(self, p: Params, info: TokenInfo) -> JsonDict:
        """chat.postEphemeral: a message only one user sees."""
        c = self.channel(str_arg(p, "channel"))
        if c.is_archived:
            raise ApiError("is_archived")
        user = str_arg(p, "user")
        self._user(user)
        content = self._content(p)
        ts = self.next_ts()
        self.ephemerals.append(
            {
                "channel": c.id,
                "user": user,
                "message_ts": ts,
                "text": content.get("text", ""),
                "blocks": content.get("blocks", []),
                "attachments": content.get("attachments", []),
                "thread_ts": str_arg(p, "thread_ts") or None,
            }
        )
        return {"ok": True, "message_ts": ts}

    def chat_get_permalink(self, p: Params, info: TokenInfo) -> JsonDict:
        """chat.getPermalink: a link to a message."""
        c = self.channel(str_arg(p, "channel"))
        msg = self._message(c, str_arg(p, "message_ts"))
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{c.id}/p{msg['ts'].replace('.', '')}"
        thread_ts = msg.get("thread_ts")
        if thread_ts and thread_ts != msg["ts"]:
            link += f"?thread_ts={thread_ts}&cid={c.id}"
        return {"ok": True, "channel": c.id, "permalink": link}
