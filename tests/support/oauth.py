"""Installing the served app into sandbox workspaces through the real OAuth flow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from sqlalchemy.engine import Engine

from sandbox import SlackSandbox
from tests.support.serving import Served, make_settings, serve_app

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "sandbox-client-secret"
STATE_SECRET = "sandbox-state-secret"
TOKEN_KEY = "a-test-key-that-is-long-enough-0123456789"
TEAM_A = SlackSandbox.TEAM_ID
TEAM_B = "T0TEAMB"
COOKIE = "slack-app-oauth-state"


@contextmanager
def serve_oauth(
    sandbox: SlackSandbox,
    engine: Engine,
    database_url: str,
    *,
    rotation_expires_in: int | None = None,
    **overrides: object,
) -> Iterator[Served]:
    """The app served with OAuth on (no SLACK_BOT_TOKEN), its client known to the sandbox."""
    sandbox.register_oauth_client(CLIENT_ID, CLIENT_SECRET, rotation_expires_in=rotation_expires_in)
    settings = make_settings(
        sandbox,
        database_url,
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_state_secret=STATE_SECRET,
        liaison_token_keys=TOKEN_KEY,
        **overrides,
    )
    with serve_app(settings, engine) as served:
        yield served


@dataclass(frozen=True)
class Consent:
    """Where Slack's consent screen sends the installer back, and the cookie they carry."""

    callback: str  # our /slack/oauth_redirect URL with code and state
    cookie: str  # "slack-app-oauth-state=..."
    state: str


def start_install(served: Served, sandbox: SlackSandbox, team_id: str) -> Consent:
    """Open /slack/install, follow it to the sandbox's consent screen and approve for a team."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        started = browser.get(served.url + "/slack/install")
        assert started.status_code == 302, started.text
        authorize = started.headers["location"]
        assert authorize.startswith(sandbox.api_url.removesuffix("api/") + "oauth/v2/authorize")
        query = parse_qs(urlsplit(authorize).query)
        assert query["client_id"] == [CLIENT_ID]
        cookie = started.headers["set-cookie"].split(";")[0]
        assert cookie.startswith(COOKIE + "=")
        # Slack sends the installer to the redirect URL configured for the app.
        approve = (
            authorize
            + "&"
            + urlencode({"team": team_id, "redirect_uri": served.url + "/slack/oauth_redirect"})
        )
        approved = browser.get(approve)
        assert approved.status_code == 302, approved.text
    return Consent(callback=approved.headers["location"], cookie=cookie, state=query["state"][0])


def finish_install(consent: Consent, *, cookie: str | None = None) -> httpx.Response:
    """Come back to /slack/oauth_redirect as the installer's browser does."""
    headers = {"Cookie": consent.cookie if cookie is None else cookie}
    return httpx.get(consent.callback, headers=headers, timeout=10, follow_redirects=False)


def install(served: Served, sandbox: SlackSandbox, team_id: str) -> None:
    """A whole, successful install into a team."""
    response = finish_install(start_install(served, sandbox, team_id))
    assert response.status_code == 200, response.text
