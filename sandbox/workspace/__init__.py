"""In-memory Slack workspace behind the sandbox: Web API methods over plain dicts, no HTTP.

``server.py`` parses requests, logs calls and scripts faults; this package decides what
Slack would answer. It is not thread-safe on its own: the server serialises access with
one lock.

``core.py`` holds the state, the token checks and the lookups every method shares; each
Web API family has a module of its own (``chat.py``, ``conversations.py``, ``users.py``,
``usergroups.py``, ``reactions.py``, ``views.py``, ``files.py``, ``auth.py`` for api.*,
auth.*, oauth.* and apps.*), a mixin with that family's methods and the helpers that
change or read its part of the state. ``Workspace`` below puts them together, seeds the
default workspace and routes a method name to its handler.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.constants import BOT_TOKEN, SEED_CHANNELS, SEED_USERGROUPS, SEED_USERS
from sandbox.workspace.auth import AuthApi
from sandbox.workspace.chat import MAX_TEXT, ChatApi, parse_metadata
from sandbox.workspace.conversations import (
    DEFAULT_REPLIES_PAGE,
    MAX_HISTORY_PAGE,
    ConversationsApi,
)
from sandbox.workspace.core import (
    METHOD_SCOPES,
    ApiError,
    Channel,
    JsonDict,
    OAuthCode,
    Params,
    RefreshGrant,
    TokenInfo,
)
from sandbox.workspace.files import FilesApi
from sandbox.workspace.params import DEFAULT_PAGE, MAX_PAGE
from sandbox.workspace.reactions import ReactionsApi
from sandbox.workspace.usergroups import UsergroupsApi
from sandbox.workspace.users import UsersApi
from sandbox.workspace.views import ViewsApi

__all__ = [
    "DEFAULT_PAGE",
    "DEFAULT_REPLIES_PAGE",
    "MAX_HISTORY_PAGE",
    "MAX_PAGE",
    "MAX_TEXT",
    "METHOD_SCOPES",
    "ApiError",
    "Channel",
    "JsonDict",
    "OAuthCode",
    "Params",
    "RefreshGrant",
    "TokenInfo",
    "Workspace",
    "parse_metadata",
]


# FilesApi extends ChatApi, so it comes first (method resolution order).
class Workspace(
    AuthApi,
    FilesApi,
    ChatApi,
    ConversationsApi,
    UsersApi,
    UsergroupsApi,
    ReactionsApi,
    ViewsApi,
):
    """State of one sandbox Slack install and the Web API methods that act on it."""

    def __init__(
        self,
        *,
        base_url: str,
        next_ts: Callable[[], str],
        bot_scopes: frozenset[str] | None = None,
        new_socket_url: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            next_ts=next_ts,
            bot_scopes=bot_scopes,
            new_socket_url=new_socket_url,
        )
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

    # ------------------------------------------------------------ seeding

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
