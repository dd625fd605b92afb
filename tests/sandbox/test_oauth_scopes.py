"""oauth.v2.access and bot scope enforcement."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import METHOD_SCOPES, SlackSandbox
from sandbox.workspace import Workspace


def test_oauth_code_exchange_is_single_use(sandbox: SlackSandbox) -> None:
    sandbox.register_oauth_client("111.222", "s3cret")
    code = sandbox.issue_oauth_code(
        team_id="T0OTHER",
        user_id="UINSTALLER",
        scopes=["chat:write", "commands"],
        team_name="Other",
    )
    anon = WebClient(base_url=sandbox.api_url)
    res = anon.oauth_v2_access(client_id="111.222", client_secret="s3cret", code=code)
    assert res["access_token"].startswith("xoxb-") and res["token_type"] == "bot"
    assert res["scope"] == "chat:write,commands"
    assert res["team"] == {"id": "T0OTHER", "name": "Other"}
    assert res["authed_user"] == {"id": "UINSTALLER"}
    assert res["bot_user_id"] == SlackSandbox.BOT_USER_ID and res["app_id"] == SlackSandbox.APP_ID
    assert res["enterprise"] is None and res["is_enterprise_install"] is False

    me = WebClient(token=res["access_token"], base_url=sandbox.api_url).auth_test()
    assert me["team_id"] == "T0OTHER" and me["bot_id"] == SlackSandbox.BOT_ID

    for kwargs, error in [
        ({"client_secret": "s3cret", "code": code}, "invalid_code"),
        ({"client_secret": "s3cret", "code": "made-up"}, "invalid_code"),
        ({"client_secret": "wrong", "code": code}, "bad_client_secret"),
    ]:
        with pytest.raises(SlackApiError) as err:
            anon.oauth_v2_access(client_id="111.222", **kwargs)
        assert err.value.response["error"] == error


def test_authorize_redirects_with_a_code(sandbox: SlackSandbox) -> None:
    sandbox.register_oauth_client("111.222", "s3cret")
    res = httpx.get(
        sandbox.base_url + "oauth/v2/authorize",
        params={
            "client_id": "111.222",
            "scope": "chat:write,commands",
            "state": "st-1",
            "redirect_uri": "http://app.test/slack/oauth_redirect",
        },
    )
    assert res.status_code == 302
    location = urlsplit(res.headers["location"])
    query = parse_qs(location.query)
    assert location.path == "/slack/oauth_redirect" and query["state"] == ["st-1"]
    token = WebClient(base_url=sandbox.api_url).oauth_v2_access(
        client_id="111.222", client_secret="s3cret", code=query["code"][0]
    )
    assert token["scope"] == "chat:write,commands"


def test_revoked_tokens_fail(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.revoke_token(SlackSandbox.BOT_TOKEN)
    with pytest.raises(SlackApiError) as err:
        client.auth_test()
    assert err.value.response["error"] == "token_revoked"


@pytest.fixture
def scoped() -> Iterator[SlackSandbox]:
    with SlackSandbox(bot_scopes=["chat:write", "channels:read"]) as sb:
        yield sb


def test_missing_scope_is_enforced(scoped: SlackSandbox) -> None:
    client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url=scoped.api_url)
    client.chat_postMessage(channel="C0SALES", text="allowed")
    client.conversations_info(channel="C0SALES")
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="UADMIN")
    assert err.value.response.data == {
        "ok": False,
        "error": "missing_scope",
        "needed": "users:read",
        "provided": "channels:read,chat:write",
    }
    with pytest.raises(SlackApiError) as err:
        client.conversations_join(channel="C0SALESWEST")
    assert err.value.response["needed"] == "channels:join"
    # Without chat:write.public, public channels need a join first.
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0SALESWEST", text="x")
    assert err.value.response["error"] == "not_in_channel"


def test_chat_write_public_posts_without_joining() -> None:
    with SlackSandbox(bot_scopes=["chat:write", "chat:write.public"]) as sb:
        client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url=sb.api_url)
        client.chat_postMessage(channel="C0SALESWEST", text="hello west")
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel="G0PRIVATE", text="x")
        # chat:write.public never reaches private channels; Slack hides them: not found.
        assert err.value.response["error"] == "channel_not_found"


def test_method_scopes_cover_every_implemented_method() -> None:
    ws = Workspace(base_url="http://x/", next_ts=lambda: "1.000001")
    implemented = ws.implemented_methods()
    assert implemented <= set(METHOD_SCOPES)
    assert METHOD_SCOPES["chat.postMessage"] == ("chat:write",)
    assert METHOD_SCOPES["users.lookupByEmail"] == ("users:read.email",)
    assert METHOD_SCOPES["views.open"] == ()
