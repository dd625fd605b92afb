"""api.test, auth.test, oauth.v2.access and apps.connections.open: who a token stands for."""

from __future__ import annotations

import secrets
import time

from sandbox.constants import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID
from sandbox.workspace.core import (
    ApiError,
    JsonDict,
    Params,
    RefreshGrant,
    TokenInfo,
    WorkspaceCore,
)
from sandbox.workspace.params import str_arg


class AuthApi(WorkspaceCore):
    """Token identity, the OAuth install and token rotation, Socket Mode URLs."""

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
        client_id, client_secret = basic or (str_arg(p, "client_id"), str_arg(p, "client_secret"))
        if not client_id or client_id not in self.oauth_clients:
            raise ApiError("invalid_client_id")
        if self.oauth_clients[client_id] != client_secret:
            raise ApiError("bad_client_secret")
        if str_arg(p, "grant_type") == "refresh_token":
            return self._refresh_access(client_id, str_arg(p, "refresh_token"))
        code = self.oauth_codes.get(str_arg(p, "code"))
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
