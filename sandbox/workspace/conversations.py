"""conversations.* (and users.conversations): channels, DMs, membership and reading history."""

from __future__ import annotations

import base64
import binascii
import copy
import time
from collections.abc import Callable, Iterable

from sandbox.constants import BOT_USER_ID, TEAM_ID
from sandbox.workspace.core import ApiError, Channel, JsonDict, Params, TokenInfo, WorkspaceCore
from sandbox.workspace.params import (
    DEFAULT_PAGE,
    MAX_PAGE,
    bool_arg,
    int_arg,
    paginate,
    str_arg,
)

# conversations.history documents "Maximum of 999"; conversations.replies defaults to 1000.
MAX_HISTORY_PAGE = 999
DEFAULT_REPLIES_PAGE = 1000


def _limit(p: Params, default: int, maximum: int) -> int:
    limit = int_arg(p, "limit", default)
    if limit <= 0:
        limit = default
    return min(limit, maximum)


def _encode_ts_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _decode_ts_cursor(p: Params) -> float | None:
    """Return the ts a timeline cursor continues after, None without a cursor."""
    cursor = str_arg(p, "cursor")
    if not cursor:
        return None
    try:
        kind, _, raw = base64.b64decode(cursor, validate=True).decode().partition(":")
        value = float(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ApiError("invalid_cursor") from exc
    if kind != "next_ts":
        raise ApiError("invalid_cursor")
    return value


def _ts_bound(p: Params, name: str, error: str) -> float | None:
    raw = str_arg(p, name)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError as exc:
        raise ApiError(error) from exc


def _timeline_filter(p: Params) -> Callable[[str], bool]:
    """Return a predicate for ``oldest``/``latest``/``inclusive`` (ts strings)."""
    oldest = _ts_bound(p, "oldest", "invalid_ts_oldest")
    latest = _ts_bound(p, "latest", "invalid_ts_latest")
    # Slack ignores inclusive unless oldest or latest is given; without them nothing is cut.
    inclusive = bool_arg(p, "inclusive")

    def within(ts: str) -> bool:
        t = float(ts)
        if oldest is not None and (t < oldest or (t == oldest and not inclusive)):
            return False
        return not (latest is not None and (t > latest or (t == latest and not inclusive)))

    return within


class ConversationsApi(WorkspaceCore):
    """Conversation objects and the conversations.* methods over them."""

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = False,
        is_archived: bool = False,
        members: Iterable[str] = (),
        bot_is_member: bool = False,
        shared_with: Iterable[str] = (),
    ) -> JsonDict:
        """Create or replace a channel and return its conversations.info object.

        `shared_with`: teams of other organisations in the channel (Slack Connect).
        """
        member_list = [m for m in members if m != BOT_USER_ID]
        if bot_is_member:
            member_list.append(BOT_USER_ID)
        channel = Channel(
            channel_id,
            name,
            is_private=is_private,
            is_archived=is_archived,
            members=member_list,
            shared_with=tuple(shared_with),
        )
        self.channels[channel_id] = channel
        return self.channel_object(channel)

    def channel_object(self, c: Channel, *, member_count: bool = False) -> JsonDict:
        """Return Slack's conversation object for a channel, as seen by the bot."""
        if c.is_im:
            return {
                "id": c.id,
                "created": c.created,
                "is_im": True,
                "is_org_shared": False,
                "user": c.im_user,
                "is_user_deleted": False,
                "priority": 0,
                "is_open": True,
            }
        obj: JsonDict = {
            "id": c.id,
            "name": c.name,
            "is_channel": not c.is_private and not c.is_mpim,
            "is_group": c.is_private and not c.is_mpim,
            "is_im": False,
            "is_mpim": c.is_mpim,
            "is_private": c.is_private or c.is_mpim,
            "created": c.created,
            "is_archived": c.is_archived,
            "is_general": False,
            "unlinked": 0,
            "name_normalized": c.name,
            "is_shared": bool(c.shared_with),
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": TEAM_ID,
            "updated": c.created * 1000,
            "parent_conversation": None,
            "creator": "UADMIN",
            "is_ext_shared": bool(c.shared_with),
            "shared_team_ids": [TEAM_ID, *c.shared_with],
            "is_member": BOT_USER_ID in c.members,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if member_count:
            obj["num_members"] = len(c.members)
        return obj

    def conversations_join(self, p: Params, info: TokenInfo) -> JsonDict:
        """conversations.join: the bot joins a public channel."""
        c = self.channel(str_arg(p, "channel"))
        if c.is_private or c.is_im or c.is_mpim:
            raise ApiError("method_not_supported_for_channel_type")
        if c.is_archived:
            raise ApiError("is_archived")
        if BOT_USER_ID in c.members:
            return {
                "ok": True,
                "channel": self.channel_object(c),
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
        c.members.append(BOT_USER_ID)
        return {"ok": True, "channel": self.channel_object(c)}

    def conversations_info(self, p: Params, info: TokenInfo) -> JsonDict:
        """conversations.info: one conversation."""
        c = self.channel(str_arg(p, "channel"))
        obj = self.channel_object(c, member_count=bool_arg(p, "include_num_members"))
        return {"ok": True, "channel": obj}

    def conversations_list(self, p: Params, info: TokenInfo) -> JsonDict:
        """conversations.list: conversations the bot can see, paginated."""
        types = {
            t.strip() for t in (str_arg(p, "types") or "public_channel").split(",") if t.strip()
        }
        allowed = {"public_channel", "private_channel", "mpim", "im"}
        if not types <= allowed:
            raise ApiError("invalid_types")
        exclude_archived = bool_arg(p, "exclude_archived")
        visible: list[JsonDict] = []
        for c in self.channels.values():
            if c.is_im:
                kind = "im"
            elif c.is_mpim:
                kind = "mpim"
            else:
                kind = "private_channel" if c.is_private else "public_channel"
            if kind not in types or (exclude_archived and c.is_archived):
                continue
            # Private conversations are visible to a bot only once it is a member.
            if kind != "public_channel" and BOT_USER_ID not in c.members:
                continue
            visible.append(self.channel_object(c, member_count=True))
        page, cursor = paginate(visible, p)
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}

    def users_conversations(self, p: Params, info: TokenInfo) -> JsonDict:
        """users.conversations: the conversations the bot is a member of, paginated."""
        types = {
            t.strip() for t in (str_arg(p, "types") or "public_channel").split(",") if t.strip()
        }
        if not types <= {"public_channel", "private_channel", "mpim", "im"}:
            raise ApiError("invalid_types")
        exclude_archived = bool_arg(p, "exclude_archived")
        mine: list[JsonDict] = []
        for c in self.channels.values():
            kind = (
                "im"
                if c.is_im
                else "mpim"
                if c.is_mpim
                else "private_channel"
                if c.is_private
                else "public_channel"
            )
            if kind not in types or BOT_USER_ID not in c.members:
                continue
            if exclude_archived and c.is_archived:
                continue
            mine.append(self.channel_object(c))
        page, cursor = paginate(mine, p)
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}

    def conversations_members(self, p: Params, info: TokenInfo) -> JsonDict:
        """conversations.members: member ids, paginated."""
        c = self.channel(str_arg(p, "channel"))
        page, cursor = paginate(list(c.members), p)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _readable(self, c: Channel) -> None:
        if BOT_USER_ID not in c.members:
            raise ApiError("not_in_channel")

    @staticmethod
    def _visible(msg: JsonDict, p: Params) -> JsonDict:
        """Copy a stored message as a read method returns it (metadata only when asked)."""
        out = copy.deepcopy(msg)
        if not bool_arg(p, "include_all_metadata"):
            out.pop("metadata", None)
        return out

    def conversations_history(self, p: Params, info: TokenInfo) -> JsonDict:
        """conversations.history: top-level messages, newest first, by time range and cursor."""
        c = self.channel(str_arg(p, "channel"))
        self._readable(c)
        within = _timeline_filter(p)
        limit = _limit(p, DEFAULT_PAGE, MAX_HISTORY_PAGE)
        after = _decode_ts_cursor(p)
        # Newest first; a cursor continues with messages older than the last one returned.
        msgs = [
            m
            for m in reversed(c.messages)
            if within(m["ts"]) and (after is None or float(m["ts"]) < after)
        ]
        page = msgs[:limit]
        cursor = _encode_ts_cursor(page[-1]["ts"]) if len(msgs) > limit else ""
        return {
            "ok": True,
            "messages": [self._visible(m, p) for m in page],
            "has_more": bool(cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": cursor},
        }

    def conversations_replies(self, p: Params, info: TokenInfo) -> JsonDict:
        """conversations.replies: a thread's parent, then its replies oldest first, paginated.

        The parent opens the first page whatever ``oldest``/``latest`` say; the time range
        and the cursor apply to the replies.
        """
        c = self.channel(str_arg(p, "channel"))
        self._readable(c)
        msg = c.by_ts.get(str_arg(p, "ts"))
        if msg is None:
            raise ApiError("thread_not_found")
        root_ts: str = msg.get("thread_ts") or msg["ts"]
        root = c.by_ts.get(root_ts, msg)
        within = _timeline_filter(p)
        limit = _limit(p, DEFAULT_REPLIES_PAGE, MAX_PAGE)
        after = _decode_ts_cursor(p)
        replies = [
            m
            for m in c.replies.get(root_ts, [])
            if within(m["ts"]) and (after is None or float(m["ts"]) > after)
        ]
        thread = replies if after is not None else [root, *replies]
        page = thread[:limit]
        cursor = _encode_ts_cursor(page[-1]["ts"]) if len(thread) > limit else ""
        return {
            "ok": True,
            "messages": [self._visible(m, p) for m in page],
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def find_messages(
        self, channel_id: str, *, event_type: str | None = None, thread_ts: str | None = None
    ) -> list[JsonDict]:
        """Return stored messages (top level, or a thread's replies), filtered by event type."""
        c = self.channel(channel_id)
        if thread_ts is None:
            pool = c.messages
        else:
            parent = c.by_ts.get(thread_ts)
            root_ts = (parent.get("thread_ts") or parent["ts"]) if parent else thread_ts
            pool = c.replies.get(root_ts, [])
        return [
            m
            for m in pool
            if event_type is None or (m.get("metadata") or {}).get("event_type") == event_type
        ]

    def conversations_open(self, p: Params, info: TokenInfo) -> JsonDict:
        """conversations.open: a DM (one user) or group DM (several) with the bot."""
        if str_arg(p, "channel"):
            c = self.channel(str_arg(p, "channel"))
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": c.id}}
        users = [u.strip() for u in str_arg(p, "users").split(",") if u.strip()]
        if not users:
            raise ApiError("users_list_not_supplied")
        for u in users:
            self._user(u)
        if len(users) > 8:
            raise ApiError("too_many_users")
        if len(users) == 1:
            dm, existed = self._open_im(users[0])
            return {"ok": True, "no_op": existed, "already_open": existed, "channel": {"id": dm.id}}
        members = sorted({*users, BOT_USER_ID})
        for c in self.channels.values():
            if c.is_mpim and sorted(c.members) == members:
                return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": c.id}}
        mpim = Channel(
            self.new_id("G"),
            "mpdm-" + "--".join(members) + "-1",
            is_mpim=True,
            members=members,
            created=int(time.time()),
        )
        self.channels[mpim.id] = mpim
        return {"ok": True, "no_op": False, "already_open": False, "channel": {"id": mpim.id}}
