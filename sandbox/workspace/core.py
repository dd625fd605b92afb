"""The shared core of the sandbox workspace: its data, token checks and lookups.

Every Web API family (``chat.py``, ``conversations.py``...) is a mixin over
``WorkspaceCore``: the state lives here once, the methods that read and change it live
with their family.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sandbox.constants import BOT_ID, BOT_TOKEN, BOT_USER_ID, SEED_CREATED, TEAM_ID, TEAM_NAME

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


def dm_id(user_id: str) -> str:
    """Return the id of the bot's DM with a user (stable, so a DM keeps its id)."""
    return "D" + user_id.lstrip("UW")[:9].rjust(9, "0")


class WorkspaceCore:
    """The state of one sandbox Slack install, token checks and the lookups every family uses."""

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

    def new_id(self, prefix: str) -> str:
        """Return a fresh Slack-looking id such as ``V0000000003``."""
        return f"{prefix}{next(self._ids):010d}"

    # ------------------------------------------------------------ tokens and scopes

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
        return dm_id(channel_id)

    def _open_im(self, user_id: str) -> tuple[Channel, bool]:
        for c in self.channels.values():
            if c.is_im and c.im_user == user_id:
                return c, True
        dm = Channel(
            dm_id(user_id),
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
