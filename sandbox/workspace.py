"""In-memory Slack workspace behind the sandbox: Web API methods over plain dicts, no HTTP.

``server.py`` parses requests, logs calls and scripts faults; this module decides what
Slack would answer. It is not thread-safe on its own: the server serialises access with
one lock.
"""

from __future__ import annotations

import base64
import binascii
import copy
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox import blockkit, triggers
from sandbox.constants import (
    APP_ID,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    SEED_CHANNELS,
    SEED_CREATED,
    SEED_USERGROUPS,
    SEED_USERS,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
)

Params = dict[str, Any]
JsonDict = dict[str, Any]

_CONV_READ = ("channels:read", "groups:read", "im:read", "mpim:read")
_CONV_HISTORY = ("channels:history", "groups:history", "im:history", "mpim:history")

# Acceptable bot scopes per method (any one suffices), from Slack's method reference.
# Methods absent from the table or mapped to () need no scope.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "api.test": (),
    "auth.test": (),
    # Takes an app-level token (scope connections:write), never a bot token: no bot scope.
    "apps.connections.open": (),
    "oauth.v2.access": (),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.getPermalink": (),
    "conversations.join": ("channels:join",),
    "conversations.info": _CONV_READ,
    "conversations.list": _CONV_READ,
    "conversations.members": _CONV_READ,
    "users.conversations": _CONV_READ,
    "conversations.history": _CONV_HISTORY,
    "conversations.replies": _CONV_HISTORY,
    "conversations.open": ("im:write", "mpim:write"),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
    "reactions.add": ("reactions:write",),
    "reactions.remove": ("reactions:write",),
    "reactions.get": ("reactions:read",),
    "views.open": (),
    "views.push": (),
    "views.update": (),
    "views.publish": (),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "usergroups.list": ("usergroups:read",),
    "usergroups.users.list": ("usergroups:read",),
}

MAX_TEXT = 40_000
DEFAULT_PAGE = 100
MAX_PAGE = 1000
# conversations.history documents "Maximum of 999"; conversations.replies defaults to 1000.
MAX_HISTORY_PAGE = 999
DEFAULT_REPLIES_PAGE = 1000

# Message metadata event types are alphanumeric plus underscores.
_EVENT_TYPE = re.compile(r"^[a-zA-Z0-9_]+$")


class ApiError(Exception):
    """A Slack ``{"ok": false, "error": ...}`` answer, with any extra top-level fields."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> JsonDict:
        """Return the JSON body Slack would send."""
        return {"ok": False, "error": self.error, **self.extra}


@dataclass
class TokenInfo:
    """What a bot token stands for."""

    token: str
    team_id: str = TEAM_ID
    team_name: str = TEAM_NAME
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    scopes: tuple[str, ...] = ()
    revoked: bool = False
    expires_at: float | None = None  # a rotating token stops working at this time.time()
    # An org-wide install's token (Enterprise Grid): it acts across the organisation.
    enterprise_id: str | None = None


@dataclass
class RefreshGrant:
    """What a refresh token (token rotation) renews."""

    client_id: str
    team_id: str
    team_name: str
    scopes: tuple[str, ...]
    enterprise_id: str | None = None


@dataclass
class Channel:
    """A conversation and its messages."""

    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    is_im: bool = False
    is_mpim: bool = False
    im_user: str | None = None
    members: list[str] = field(default_factory=list)
    created: int = SEED_CREATED
    messages: list[JsonDict] = field(default_factory=list)
    replies: dict[str, list[JsonDict]] = field(default_factory=dict)
    by_ts: dict[str, JsonDict] = field(default_factory=dict)
    # Other organisations' teams this channel is shared with (Slack Connect).
    shared_with: tuple[str, ...] = ()


@dataclass
class OAuthCode:
    """A one-time code from the install flow."""

    team_id: str
    team_name: str
    user_id: str
    scopes: tuple[str, ...]
    used: bool = False
    # Set for an org-wide install into this Enterprise Grid organisation.
    enterprise_id: str | None = None


# ---------------------------------------------------------------- parameter helpers


def _str(p: Params, name: str) -> str:
    value = p.get(name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _bool(p: Params, name: str) -> bool:
    return p.get(name) in (True, 1, "1", "true", "True")


def _int(p: Params, name: str, default: int) -> int:
    value = p.get(name)
    if value in (None, ""):
        return default
    try:
        return int(str(value))
    except ValueError as exc:
        raise ApiError("invalid_arguments") from exc


def _json(p: Params, name: str, *, error: str = "invalid_arguments") -> Any:
    value = p.get(name)
    if isinstance(value, str):
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(error) from exc
    return value


def _dm_id(user_id: str) -> str:
    return "D" + user_id.lstrip("UW")[:9].rjust(9, "0")


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _page(items: list[Any], p: Params) -> tuple[list[Any], str]:
    limit = _int(p, "limit", DEFAULT_PAGE)
    if limit <= 0:
        limit = DEFAULT_PAGE
    limit = min(limit, MAX_PAGE)
    offset = 0
    cursor = _str(p, "cursor")
    if cursor:
        try:
            kind, _, raw = base64.b64decode(cursor, validate=True).decode().partition(":")
            offset = int(raw)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ApiError("invalid_cursor") from exc
        if kind != "offset" or offset < 0:
            raise ApiError("invalid_cursor")
    end = offset + limit
    return items[offset:end], _encode_cursor(end) if end < len(items) else ""


def _limit(p: Params, default: int, maximum: int) -> int:
    limit = _int(p, "limit", default)
    if limit <= 0:
        limit = default
    return min(limit, maximum)


def _encode_ts_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _decode_ts_cursor(p: Params) -> float | None:
    """Return the ts a timeline cursor continues after, None without a cursor."""
    cursor = _str(p, "cursor")
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
    raw = _str(p, name)
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
    inclusive = _bool(p, "inclusive")

    def within(ts: str) -> bool:
        t = float(ts)
        if oldest is not None and (t < oldest or (t == oldest and not inclusive)):
            return False
        return not (latest is not None and (t > latest or (t == latest and not inclusive)))

    return within


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


def _tz_fields(tz: str) -> tuple[str, int]:
    try:
        now = datetime.now(ZoneInfo(tz))
    except ZoneInfoNotFoundError:
        now = datetime.now(UTC)
    offset = now.utcoffset()
    return now.tzname() or tz, int(offset.total_seconds()) if offset else 0


class Workspace:
    """State of one sandbox Slack install and the Web API methods that act on it."""

    def __init__(
        self,
        *,
        base_url: str,
        next_ts: Callable[[], str],
        bot_scopes: frozenset[str] | None = None,
        new_socket_url: Callable[[], str] | None = None,
    ) -> None:
        self.base_url = base_url
        self.next_ts = next_ts
        self.bot_scopes = bot_scopes
        self.new_socket_url = new_socket_url
        self.users: dict[str, JsonDict] = {}
        # People of "the workspace that asks" (see add_user), as opposed to partners'.
        self.roaming: set[str] = set()
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, JsonDict] = {}
        self.ephemerals: list[JsonDict] = []
        self.views: dict[str, JsonDict] = {}
        self.view_triggers: dict[str, str] = {}
        self.view_methods: dict[str, str] = {}
        self.used_triggers: set[str] = set()
        self.home_views: dict[str, JsonDict] = {}
        self.pending_files: dict[str, JsonDict] = {}
        self.files: list[JsonDict] = []
        self.oauth_clients: dict[str, str] = {}
        # Clients with token rotation on, and how long their access tokens live.
        self.oauth_rotation: dict[str, int] = {}
        self.oauth_codes: dict[str, OAuthCode] = {}
        self.refresh_tokens: dict[str, RefreshGrant] = {}
        self.tokens: dict[str, TokenInfo] = {BOT_TOKEN: TokenInfo(BOT_TOKEN)}
        self._ids: Iterator[int] = itertools.count(1)
        self._handlers: dict[str, Callable[[Params, TokenInfo], JsonDict]] = {
            "api.test": self.api_test,
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.getPermalink": self.chat_get_permalink,
            "conversations.join": self.conversations_join,
            "conversations.info": self.conversations_info,
            "conversations.list": self.conversations_list,
            "users.conversations": self.users_conversations,
            "conversations.members": self.conversations_members,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "conversations.open": self.conversations_open,
            "users.info": self.users_info,
            "users.list": self.users_list,
            "users.lookupByEmail": self.users_lookup_by_email,
            "reactions.add": self.reactions_add,
            "reactions.remove": self.reactions_remove,
            "reactions.get": self.reactions_get,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
            "usergroups.list": self.usergroups_list,
            "usergroups.users.list": self.usergroups_users_list,
        }
        self._seed()

    # ------------------------------------------------------------ seeding and ids

    def _seed(self) -> None:
        for u in SEED_USERS:
            self.add_user(
                u.id,
                name=u.name,
                real_name=u.real_name,
                email=u.email,
                tz=u.tz,
                is_admin=u.is_admin,
                is_owner=u.is_owner,
                is_primary_owner=u.is_primary_owner,
                is_bot=u.is_bot,
            )
        for c in SEED_CHANNELS:
            self.add_channel(
                c.id,
                name=c.name,
                is_private=c.is_private,
                is_archived=c.is_archived,
                members=c.members,
                bot_is_member=c.bot_is_member,
            )
        for g in SEED_USERGROUPS:
            self.add_usergroup(
                g.id, handle=g.handle, name=g.name, users=g.users, description=g.description
            )

    def new_id(self, prefix: str) -> str:
        """Return a fresh Slack-looking id such as ``V0000000003``."""
        return f"{prefix}{next(self._ids):010d}"

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

    # ------------------------------------------------------------ dispatch

    def implemented_methods(self) -> frozenset[str]:
        """Return the Web API methods the sandbox answers (besides ``unknown_method``)."""
        return frozenset({*self._handlers, "oauth.v2.access", "apps.connections.open"})

    def call(
        self, method: str, params: Params, *, token: str | None, basic: tuple[str, str] | None
    ) -> JsonDict:
        """Run one Web API method and return Slack's JSON body."""
        try:
            if method == "oauth.v2.access":
                return self.oauth_v2_access(params, basic)
            if method == "apps.connections.open":
                return self.apps_connections_open(token)
            if method == "files.upload":
                raise ApiError("method_deprecated")
            handler = self._handlers.get(method)
            if handler is None:
                raise ApiError("unknown_method", req_method=method)
            if method == "api.test":
                return handler(params, self.tokens[BOT_TOKEN])
            info = self._authenticate(token)
            self._check_scope(method)
            return handler(params, info)
        except ApiError as exc:
            return exc.body()

    def _authenticate(self, token: str | None) -> TokenInfo:
        if not token:
            raise ApiError("not_authed")
        if not token.startswith(("xoxb-", "xoxe.xoxb-")):
            raise ApiError("invalid_auth")
        info = self.tokens.get(token)
        if info is None:
            if token.startswith("xoxe."):
                raise ApiError("invalid_auth")  # rotating tokens are only ever issued here
            # Any other bot token is taken as the default install: tests make up tokens freely.
            info = TokenInfo(token)
        if info.revoked:
            raise ApiError("token_revoked")
        if info.expires_at is not None and time.time() >= info.expires_at:
            raise ApiError("token_expired")
        return info

    def _check_scope(self, method: str) -> None:
        needed = METHOD_SCOPES.get(method, ())
        if self.bot_scopes is None or not needed:
            return
        if not any(s in self.bot_scopes for s in needed):
            raise ApiError(
                "missing_scope", needed=",".join(needed), provided=",".join(sorted(self.bot_scopes))
            )

    # ------------------------------------------------------------ lookups

    def channel(self, channel_id: str) -> Channel:
        """Return a channel by id, opening a DM when given a user id."""
        found = self.channels.get(channel_id)
        if found is not None:
            return found
        if channel_id in self.users:
            return self._open_im(channel_id)[0]
        raise ApiError("channel_not_found")

    def resolve_channel_id(self, channel_id: str) -> str:
        """Return the conversation id a ``channel`` argument names, without opening a DM."""
        if channel_id in self.channels or channel_id not in self.users:
            return channel_id
        for c in self.channels.values():
            if c.is_im and c.im_user == channel_id:
                return c.id
        return _dm_id(channel_id)

    def _open_im(self, user_id: str) -> tuple[Channel, bool]:
        for c in self.channels.values():
            if c.is_im and c.im_user == user_id:
                return c, True
        dm = Channel(
            _dm_id(user_id),
            user_id,
            is_im=True,
            im_user=user_id,
            members=[user_id, BOT_USER_ID],
            created=int(time.time()),
        )
        self.channels[dm.id] = dm
        return dm, False

    def _user(self, user_id: str) -> JsonDict:
        user = self.users.get(user_id)
        if user is None:
            raise ApiError("user_not_found")
        return user

    def _message(self, c: Channel, ts: str) -> JsonDict:
        msg = c.by_ts.get(ts)
        if msg is None:
            raise ApiError("message_not_found")
        return msg

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
        blocks = _json(p, "blocks", error="invalid_blocks_format")
        attachments = _json(p, "attachments", error="invalid_attachments")
        text = _str(p, "text")
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

    # ------------------------------------------------------------ api / auth

    def api_test(self, p: Params, info: TokenInfo) -> JsonDict:
        """api.test: echo the arguments, failing with ``error`` when asked."""
        args = {k: v for k, v in p.items() if k != "token"}
        if args.get("error"):
            raise ApiError(str(args["error"]), args=args)
        return {"ok": True, "args": args}

    def auth_test(self, p: Params, info: TokenInfo) -> JsonDict:
        """auth.test: the bot identity behind the token."""
        domain = TEAM_DOMAIN if info.team_id == TEAM_ID else info.team_id.lower()
        bot_user = self.users.get(info.bot_user_id, {})
        return {
            "ok": True,
            "url": f"https://{domain}.slack.com/",
            "team": info.team_name,
            "user": bot_user.get("name", "liaison"),
            "team_id": info.team_id,
            "user_id": info.bot_user_id,
            "bot_id": info.bot_id,
            "is_enterprise_install": info.enterprise_id is not None,
            **({"enterprise_id": info.enterprise_id} if info.enterprise_id else {}),
        }

    def oauth_v2_access(self, p: Params, basic: tuple[str, str] | None) -> JsonDict:
        """oauth.v2.access: exchange a one-time code for a bot token."""
        client_id, client_secret = basic or (_str(p, "client_id"), _str(p, "client_secret"))
        if not client_id or client_id not in self.oauth_clients:
            raise ApiError("invalid_client_id")
        if self.oauth_clients[client_id] != client_secret:
            raise ApiError("bad_client_secret")
        if _str(p, "grant_type") == "refresh_token":
            return self._refresh_access(client_id, _str(p, "refresh_token"))
        code = self.oauth_codes.get(_str(p, "code"))
        if code is None or code.used:
            raise ApiError("invalid_code")
        code.used = True
        grant = RefreshGrant(
            client_id, code.team_id, code.team_name, code.scopes, code.enterprise_id
        )
        return {
            **self._issue_bot_token(grant),
            "app_id": APP_ID,
            "authed_user": {"id": code.user_id},
            "scope": ",".join(code.scopes),
            "bot_user_id": BOT_USER_ID,
            **self._installed_where(grant),
        }

    @staticmethod
    def _installed_where(grant: RefreshGrant) -> JsonDict:
        """oauth.v2.access's team and enterprise: an org-wide install names no team."""
        if grant.enterprise_id:
            return {
                "team": None,
                "enterprise": {"id": grant.enterprise_id, "name": grant.enterprise_id},
                "is_enterprise_install": True,
            }
        return {
            "team": {"id": grant.team_id, "name": grant.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _issue_bot_token(self, grant: RefreshGrant) -> JsonDict:
        """A new bot token; with rotation on, short-lived and with a refresh token."""
        lifetime = self.oauth_rotation.get(grant.client_id)
        if lifetime is None:
            token = f"xoxb-{grant.team_id}-{secrets.token_hex(12)}"
            self.tokens[token] = TokenInfo(
                token,
                grant.team_id,
                grant.team_name,
                scopes=grant.scopes,
                enterprise_id=grant.enterprise_id,
            )
            return {"ok": True, "token_type": "bot", "access_token": token}
        token = f"xoxe.xoxb-{grant.team_id}-{secrets.token_hex(12)}"
        refresh = f"xoxe-1-{secrets.token_hex(16)}"
        self.tokens[token] = TokenInfo(
            token,
            grant.team_id,
            grant.team_name,
            scopes=grant.scopes,
            expires_at=time.time() + lifetime,
            enterprise_id=grant.enterprise_id,
        )
        self.refresh_tokens[refresh] = grant
        return {
            "ok": True,
            "token_type": "bot",
            "access_token": token,
            "refresh_token": refresh,
            "expires_in": lifetime,
        }

    def _refresh_access(self, client_id: str, refresh_token: str) -> JsonDict:
        """oauth.v2.access with grant_type=refresh_token: a new token for a rotating install."""
        grant = self.refresh_tokens.get(refresh_token)
        if grant is None or grant.client_id != client_id:
            raise ApiError("invalid_refresh_token")
        return {
            **self._issue_bot_token(grant),
            "app_id": APP_ID,
            "scope": ",".join(grant.scopes),
            "bot_user_id": BOT_USER_ID,
            **self._installed_where(grant),
        }

    def apps_connections_open(self, token: str | None) -> JsonDict:
        """apps.connections.open: a one-time Socket Mode URL, for an app-level token only."""
        if not token:
            raise ApiError("not_authed")
        if token.startswith(("xoxb-", "xoxp-")):
            raise ApiError("not_allowed_token_type")
        if not token.startswith("xapp-"):
            raise ApiError("invalid_auth")
        if self.new_socket_url is None:
            # A bare Workspace (unit tests) has no WebSocket server behind it.
            raise ApiError("internal_error")
        return {"ok": True, "url": self.new_socket_url()}

    # ------------------------------------------------------------ chat

    def chat_post_message(self, p: Params, info: TokenInfo) -> JsonDict:
        """chat.postMessage: post (or thread) a bot message."""
        c = self.channel(_str(p, "channel"))
        self._can_post(c)
        content = self._content(p)
        metadata = parse_metadata(p)
        if metadata:
            content["metadata"] = metadata
        msg = self._new_message(c, info, content, _str(p, "thread_ts"))
        return {"ok": True, "channel": c.id, "ts": msg["ts"], "message": copy.deepcopy(msg)}

    def chat_update(self, p: Params, info: TokenInfo) -> JsonDict:
        """chat.update: edit a bot message's text, blocks or attachments."""
        c = self.channel(_str(p, "channel"))
        if c.is_archived:
            raise ApiError("is_archived")
        msg = self._message(c, _str(p, "ts"))
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
        c = self.channel(_str(p, "channel"))
        ts = _str(p, "ts")
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
        c = self.channel(_str(p, "channel"))
        if c.is_archived:
            raise ApiError("is_archived")
        user = _str(p, "user")
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
                "thread_ts": _str(p, "thread_ts") or None,
            }
        )
        return {"ok": True, "message_ts": ts}

    def chat_get_permalink(self, p: Params, info: TokenInfo) -> JsonDict:
        """chat.getPermalink: a link to a message."""
        c = self.channel(_str(p, "channel"))
        msg = self._message(c, _str(p, "message_ts"))
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{c.id}/p{msg['ts'].replace('.', '')}"
        thread_ts = msg.get("thread_ts")
        if thread_ts and thread_ts != msg["ts"]:
            link += f"?thread_ts={thread_ts}&cid={c.id}"
        return {"ok": True, "channel": c.id, "permalink": link}

    # ------------------------------------------------------------ conversations

    def conversations_join(self, p: Params, info: TokenInfo) -> JsonDict:
        """conversations.join: the bot joins a public channel."""
        c = self.channel(_str(p, "channel"))
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
        c = self.channel(_str(p, "channel"))
        obj = self.channel_object(c, member_count=_bool(p, "include_num_members"))
        return {"ok": True, "channel": obj}

    def conversations_list(self, p: Params, info: TokenInfo) -> JsonDict:
        """conversations.list: conversations the bot can see, paginated."""
        types = {t.strip() for t in (_str(p, "types") or "public_channel").split(",") if t.strip()}
        allowed = {"public_channel", "private_channel", "mpim", "im"}
        if not types <= allowed:
            raise ApiError("invalid_types")
        exclude_archived = _bool(p, "exclude_archived")
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
        page, cursor = _page(visible, p)
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}

    def users_conversations(self, p: Params, info: TokenInfo) -> JsonDict:
        """users.conversations: the conversations the bot is a member of, paginated."""
        types = {t.strip() for t in (_str(p, "types") or "public_channel").split(",") if t.strip()}
        if not types <= {"public_channel", "private_channel", "mpim", "im"}:
            raise ApiError("invalid_types")
        exclude_archived = _bool(p, "exclude_archived")
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
        page, cursor = _page(mine, p)
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}

    def conversations_members(self, p: Params, info: TokenInfo) -> JsonDict:
        """conversations.members: member ids, paginated."""
        c = self.channel(_str(p, "channel"))
        page, cursor = _page(list(c.members), p)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _readable(self, c: Channel) -> None:
        if BOT_USER_ID not in c.members:
            raise ApiError("not_in_channel")

    @staticmethod
    def _visible(msg: JsonDict, p: Params) -> JsonDict:
        """Copy a stored message as a read method returns it (metadata only when asked)."""
        out = copy.deepcopy(msg)
        if not _bool(p, "include_all_metadata"):
            out.pop("metadata", None)
        return out

    def conversations_history(self, p: Params, info: TokenInfo) -> JsonDict:
        """conversations.history: top-level messages, newest first, by time range and cursor."""
        c = self.channel(_str(p, "channel"))
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
        c = self.channel(_str(p, "channel"))
        self._readable(c)
        msg = c.by_ts.get(_str(p, "ts"))
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
        if _str(p, "channel"):
            c = self.channel(_str(p, "channel"))
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": c.id}}
        users = [u.strip() for u in _str(p, "users").split(",") if u.strip()]
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

    # ------------------------------------------------------------ users

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
        return {"ok": True, "user": self._seen_by(self._user(_str(p, "user")), info)}

    def users_list(self, p: Params, info: TokenInfo) -> JsonDict:
        """users.list: all members, paginated."""
        page, cursor = _page([self._seen_by(u, info) for u in self.users.values()], p)
        return {
            "ok": True,
            "members": page,
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": cursor},
        }

    def users_lookup_by_email(self, p: Params, info: TokenInfo) -> JsonDict:
        """users.lookupByEmail: a member by email address."""
        email = _str(p, "email").lower()
        for u in self.users.values():
            if str(u["profile"].get("email", "")).lower() == email and email:
                return {"ok": True, "user": copy.deepcopy(u)}
        raise ApiError("users_not_found")

    # ------------------------------------------------------------ usergroups

    def usergroups_list(self, p: Params, info: TokenInfo) -> JsonDict:
        """usergroups.list: the workspace's user groups (users and counts on request)."""
        include_users = _bool(p, "include_users")
        include_count = _bool(p, "include_count")
        include_disabled = _bool(p, "include_disabled")
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
        group = self.usergroups.get(_str(p, "usergroup"))
        if group is None or (group["date_delete"] and not _bool(p, "include_disabled")):
            raise ApiError("no_such_subteam")
        return {"ok": True, "users": list(group["users"])}

    # ------------------------------------------------------------ reactions

    def _reaction_target(self, p: Params) -> tuple[Channel, JsonDict, str]:
        c = self.channel(_str(p, "channel"))
        msg = self._message(c, _str(p, "timestamp"))
        return c, msg, _str(p, "name").strip(":")

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

    # ------------------------------------------------------------ views

    def _view_arg(self, p: Params) -> JsonDict:
        view = _json(p, "view")
        errors = blockkit.validate_view(view)
        if errors:
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )
        assert isinstance(view, dict)
        return view

    def _use_trigger(self, p: Params) -> str:
        trigger_id = _str(p, "trigger_id")
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
        view_id = _str(p, "view_id")
        external_id = _str(p, "external_id")
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
        expected = _str(p, "hash")
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
        user_id = _str(p, "user_id")
        self._user(user_id)
        current = self.home_views.get(user_id)
        expected = _str(p, "hash")
        if current is not None and expected and expected != current["hash"]:
            raise ApiError("hash_conflict")
        vid = current["id"] if current else self.new_id("V")
        rendered = self._render_view(view, info, view_id=vid, previous=None, root=vid)
        self.home_views[user_id] = rendered
        return {"ok": True, "view": copy.deepcopy(rendered)}

    # ------------------------------------------------------------ files

    def files_get_upload_url_external(self, p: Params, info: TokenInfo) -> JsonDict:
        """files.getUploadURLExternal: reserve a file id and an upload URL."""
        filename = _str(p, "filename")
        length = _int(p, "length", -1)
        if not filename or length < 0:
            raise ApiError("invalid_arguments")
        file_id = self.new_id("F")
        self.pending_files[file_id] = {
            "id": file_id,
            "filename": filename,
            "length": length,
            "alt_txt": _str(p, "alt_txt") or None,
            "snippet_type": _str(p, "snippet_type") or None,
            "content": None,
        }
        return {"ok": True, "upload_url": f"{self.base_url}upload/v1/{file_id}", "file_id": file_id}

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        """Store bytes posted to an upload URL; False when the id is unknown."""
        pending = self.pending_files.get(file_id)
        if pending is None:
            return False
        pending["content"] = content
        return True

    def files_complete_upload_external(self, p: Params, info: TokenInfo) -> JsonDict:
        """files.completeUploadExternal: finish uploads and share them in a channel."""
        files = _json(p, "files")
        if not isinstance(files, list) or not files:
            raise ApiError("invalid_arguments")
        channel_ids = [c for c in _str(p, "channels").split(",") if c]
        if _str(p, "channel_id"):
            channel_ids.insert(0, _str(p, "channel_id"))
        channels = [self.channel(cid) for cid in channel_ids]
        for c in channels:
            self._can_post(c)
        done: list[JsonDict] = []
        for item in files:
            if not isinstance(item, dict):
                raise ApiError("invalid_arguments")
            pending = self.pending_files.get(str(item.get("id")))
            if pending is None or pending["content"] is None:
                raise ApiError("file_not_found")
            done.append({**pending, "title": item.get("title") or pending["filename"]})
        thread_ts = _str(p, "thread_ts")
        comment = _str(p, "initial_comment")
        shared: list[JsonDict] = []
        for f in done:
            del self.pending_files[f["id"]]
            shared.append({"id": f["id"], "title": f["title"]})
            record = {
                **f,
                "channel_id": channel_ids[0] if channel_ids else None,
                "channels": channel_ids,
                "initial_comment": comment or None,
                "thread_ts": thread_ts or None,
            }
            self.files.append(record)
        for c in channels:
            file_objs = [
                {
                    "id": f["id"],
                    "name": f["filename"],
                    "title": f["title"],
                    "size": len(f["content"]),
                }
                for f in done
            ]
            self._new_message(
                c, info, {"text": comment, "files": file_objs, "upload": True}, thread_ts
            )
        return {"ok": True, "files": shared}
