"""The OAuth install end to end: browser → /slack/install → sandbox consent → callback.

Tokens are stored encrypted in our own tables; a bad, missing or reused `state` is
refused; requests act with the installing workspace's own token; an uninstall deletes the
tokens and keeps or purges the data; rotating tokens are refreshed before they expire.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.assembly import BOT_SCOPES, NOT_INSTALLED, REDIRECT_PATH, authorize_url
from core.crypto import TokenCipher
from models import Asset, Installation, OAuthState, OutboxMessage, Workspace
from sandbox import SlackDriver, SlackSandbox, payloads
from services.installations import DbStateStore
from services.scheduling import digest_job_id
from tests.support.factories import reply
from tests.support.launching import launch
from tests.support.oauth import (
    COOKIE,
    TEAM_A,
    TEAM_B,
    TOKEN_KEY,
    finish_install,
    install,
    serve_oauth,
    start_install,
)
from tests.support.serving import MANIFEST, MANIFEST_BOT_SCOPES, SIGNING_SECRET, Served
from tests.support.waiting import wait_until


def _rows(engine: Engine) -> list[Installation]:
    with Session(engine) as session:
        return list(session.exec(select(Installation).order_by(Installation.team_id)).all())


def _bearer(call_headers: dict[str, str]) -> str:
    value = {k.lower(): v for k, v in call_headers.items()}.get("authorization", "")
    return value.removeprefix("Bearer ")


def _views_open_token(sandbox: SlackSandbox, slack: SlackDriver, team_id: str) -> str:
    before = len(sandbox.calls("views.open"))
    response = slack.command("/launch", "", team_id=team_id, user_id="U0MKT1")
    assert response.status_code == 200, response.text
    calls = sandbox.wait_for_calls("views.open", before + 1)
    return _bearer(calls[before].headers)


def test_install_stores_the_token_encrypted_and_requests_use_it(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    with serve_oauth(sandbox, engine, database_url) as served:
        consent = start_install(served, sandbox, TEAM_A)
        response = finish_install(consent)
        assert response.status_code == 200, response.text
        assert "Thank you" in response.text

        [row] = _rows(engine)
        assert row.team_id == TEAM_A and row.bot_user_id == SlackSandbox.BOT_USER_ID
        assert row.bot_token is not None and "xoxb" not in row.bot_token
        token = TokenCipher([TOKEN_KEY]).decrypt(row.bot_token)
        assert sandbox.token_team(token) == TEAM_A
        assert set(row.bot_scopes.split(",")) >= {"commands", "chat:write"}  # type: ignore[union-attr]
        # The raw table holds no token in any column.
        with engine.connect() as connection:
            dumped = repr(connection.execute(sa.text("SELECT * FROM slack_installation")).all())
        assert token not in dumped

        with SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox) as slack:
            assert _views_open_token(sandbox, slack, TEAM_A) == token


@pytest.mark.parametrize(
    ("case", "expected_reason"),
    [
        ("made-up state", "invalid_state"),
        ("no cookie", "invalid_browser"),
        ("other cookie", "invalid_browser"),
    ],
)
def test_a_bad_state_is_refused_and_nothing_is_installed(
    sandbox: SlackSandbox, engine: Engine, database_url: str, case: str, expected_reason: str
) -> None:
    with serve_oauth(sandbox, engine, database_url) as served:
        consent = start_install(served, sandbox, TEAM_A)
        if case == "made-up state":
            forged = consent.callback.replace(consent.state, "forged-state")
            response = finish_install(
                type(consent)(callback=forged, cookie=f"{COOKIE}=forged-state", state="x")
            )
        elif case == "no cookie":
            response = finish_install(consent, cookie="")
        else:
            response = finish_install(consent, cookie=f"{COOKIE}=someone-elses")
        assert response.status_code in (400, 401), response.text
        assert expected_reason in response.text
        assert _rows(engine) == []
        # No code was exchanged for a token.
        assert sandbox.calls("oauth.v2.access") == []


def test_a_state_is_accepted_once(sandbox: SlackSandbox, engine: Engine, database_url: str) -> None:
    with serve_oauth(sandbox, engine, database_url) as served:
        consent = start_install(served, sandbox, TEAM_A)
        assert finish_install(consent).status_code == 200
        replay = finish_install(consent)
        assert replay.status_code in (400, 401), replay.text
        assert "invalid_state" in replay.text
        # A fresh code with the used state and its cookie is refused too.
        code = sandbox.issue_oauth_code(team_id=TEAM_B)
        again = consent.callback.split("?")[0] + f"?code={code}&state={consent.state}"
        reused = finish_install(type(consent)(again, consent.cookie, consent.state))
        assert reused.status_code in (400, 401) and "invalid_state" in reused.text
        assert [r.team_id for r in _rows(engine)] == [TEAM_A]
        assert len(sandbox.calls("oauth.v2.access")) == 1
        # The used state is remembered (its nonce only) until it would have expired anyway.
        with Session(engine) as session:
            assert len(session.exec(select(OAuthState)).all()) == 1


def test_states_expire_and_are_single_use_across_instances(engine: Engine) -> None:
    from core.db import session_scope_for

    db = session_scope_for(engine)
    secret = "state-secret-0123456789abcdef"
    # Two instances, one database.
    first, second = DbStateStore(db=db, secret=secret), DbStateStore(db=db, secret=secret)
    state = first.issue()
    assert second.consume(state) is True
    assert first.consume(state) is False
    assert first.consume("") is False and first.consume("x" * 500) is False
    # Signed with another secret, or with its expiry moved: not ours.
    assert first.consume(DbStateStore(db=db, secret="another-secret-000000").issue()) is False
    expiry, nonce, mac = first.issue().split(".")
    assert first.consume(f"{int(expiry) + 3600}.{nonce}.{mac}") is False
    stale = DbStateStore(db=db, secret=secret, ttl_s=-1)
    assert stale.consume(stale.issue()) is False


def test_issuing_states_writes_nothing(engine: Engine) -> None:
    from core.db import session_scope_for

    store = DbStateStore(db=session_scope_for(engine), secret="state-secret-0123456789abcdef")
    states = {store.issue() for _ in range(200)}
    assert len(states) == 200
    with Session(engine) as session:
        assert session.exec(select(OAuthState)).all() == []


def test_without_an_install_a_request_gets_a_clear_answer(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    with (
        serve_oauth(sandbox, engine, database_url) as served,
        SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox) as slack,
    ):
        response = slack.command("/liaison", "help", team_id=TEAM_B)
        assert response.status_code == 200
        assert _answer(sandbox, slack) == NOT_INSTALLED
        assert sandbox.calls("views.open") == []


def _answer(sandbox: SlackSandbox, slack: SlackDriver) -> str:
    """What the last command's response URL received."""
    wait_until(lambda: sandbox.responses(slack.last_response_url), 10.0, "the response URL")
    return str(sandbox.responses(slack.last_response_url)[-1].get("text"))


def _digest_job_of_a(slack: SlackDriver, sandbox: SlackSandbox, served: Served) -> str:
    """Make #leads workspace A's digest channel; the id of A's scheduled digest job."""
    reply(
        slack.command("/liaison", "digest here", user_id="UADMIN", channel_id="C0LEADS"),
        slack,
        sandbox,
    )
    engine = served.runtime.engine
    with Session(engine) as session:
        workspace_id = session.exec(select(Workspace.id).where(Workspace.team_id == TEAM_A)).one()
    job = digest_job_id(workspace_id or 0)
    wait_until(lambda: served.runtime.scheduler.get_job(job) is not None, 10.0, "A's digest job")
    return job


def _uninstall(slack: SlackDriver, team_id: str) -> None:
    response = slack.event(payloads.app_uninstalled(), team_id=team_id)
    assert response.status_code == 200


@pytest.mark.parametrize("policy", ["keep", "purge"])
def test_uninstall_deletes_the_tokens_and_keeps_or_purges_the_data(
    sandbox: SlackSandbox, engine: Engine, database_url: str, policy: str
) -> None:
    with (
        serve_oauth(sandbox, engine, database_url, liaison_uninstall_data=policy) as served,
        SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox) as slack,
    ):
        install(served, sandbox, TEAM_A)
        install(served, sandbox, TEAM_B)
        posted = launch(slack, engine)
        assert posted
        job = _digest_job_of_a(slack, sandbox, served)
        _uninstall(slack, TEAM_A)
        # Applied before the 200 (durable before acknowledged): no waiting needed.
        assert [r.team_id for r in _rows(engine)] == [TEAM_B]
        assert served.runtime.scheduler.get_job(job) is None
        with Session(engine) as session:
            teams = set(session.exec(select(Workspace.team_id)).all())
            assets = session.exec(select(Asset)).all()
            pending = session.exec(
                select(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending")))  # type: ignore[attr-defined]
            ).all()
        if policy == "keep":
            assert TEAM_A in teams and len(assets) == len({p.asset_id for p in posted})
        else:
            assert TEAM_A not in teams and assets == []
        assert pending == []
        # A's requests now get the "install" answer; B goes on working.
        refused = slack.command("/liaison", "help", team_id=TEAM_A)
        assert refused.status_code == 200 and _answer(sandbox, slack) == NOT_INSTALLED
        _views_open_token(sandbox, slack, TEAM_B)
        # A second delivery of the same event changes nothing.
        _uninstall(slack, TEAM_A)
        assert [r.team_id for r in _rows(engine)] == [TEAM_B]


def test_a_reinstall_after_uninstall_works_again(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    with (
        serve_oauth(sandbox, engine, database_url) as served,
        SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox) as slack,
    ):
        install(served, sandbox, TEAM_A)
        job = _digest_job_of_a(slack, sandbox, served)
        scheduler = served.runtime.scheduler
        _uninstall(slack, TEAM_A)
        wait_until(
            lambda: _rows(engine) == [] and scheduler.get_job(job) is None, 10.0, "uninstalled"
        )
        install(served, sandbox, TEAM_A)
        # The kept schedule is back with the install.
        assert scheduler.get_job(job) is not None
        [row] = _rows(engine)
        token = TokenCipher([TOKEN_KEY]).decrypt(row.bot_token or "")
        assert _views_open_token(sandbox, slack, TEAM_A) == token


def test_revoked_bot_tokens_are_forgotten(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    with (
        serve_oauth(sandbox, engine, database_url) as served,
        SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox) as slack,
    ):
        install(served, sandbox, TEAM_A)
        response = slack.event(payloads.tokens_revoked(), team_id=TEAM_A)
        assert response.status_code == 200
        wait_until(lambda: _rows(engine) == [], 10.0, "the revoked bot token forgotten")
        # Malformed token lists are ignored, not fatal.
        odd = {"type": "tokens_revoked", "tokens": {"bot": "nope", "oauth": [1, None]}}
        assert slack.event(odd, team_id=TEAM_A).status_code == 200


def test_rotating_tokens_are_refreshed_for_requests_and_for_jobs(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    # Tokens living an hour are inside the two-hour refresh window: every use refreshes.
    with (
        serve_oauth(sandbox, engine, database_url, rotation_expires_in=3600) as served,
        SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox) as slack,
    ):
        install(served, sandbox, TEAM_A)
        cipher = TokenCipher([TOKEN_KEY])
        [row] = _rows(engine)
        first = cipher.decrypt(row.bot_token or "")
        assert first.startswith("xoxe.xoxb-") and row.bot_refresh_token is not None
        used = _views_open_token(sandbox, slack, TEAM_A)
        refreshes = [c for c in sandbox.calls("oauth.v2.access") if c.params.get("grant_type")]
        assert len(refreshes) == 1
        [row] = _rows(engine)
        stored = cipher.decrypt(row.bot_token or "")
        assert used == stored != first
        # Background work (the worker, homes, digests) rotates through the same store.
        client = served.runtime.clients.for_team(TEAM_A)
        assert client.token not in (first, stored)
        assert client.auth_test()["team_id"] == TEAM_A


def test_an_expired_token_is_refused_by_the_sandbox_so_rotation_matters(
    sandbox: SlackSandbox,
) -> None:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    sandbox.register_oauth_client("c", "s", rotation_expires_in=0)
    code = sandbox.issue_oauth_code(team_id=TEAM_B)
    client = WebClient(base_url=sandbox.api_url)
    token = client.oauth_v2_access(client_id="c", client_secret="s", code=code)["access_token"]
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=token, base_url=sandbox.api_url).auth_test()
    assert refused.value.response["error"] == "token_expired"


def test_the_install_asks_for_the_manifests_scopes_and_redirect() -> None:
    assert sorted(BOT_SCOPES) == sorted(MANIFEST_BOT_SCOPES)
    assert len(set(BOT_SCOPES)) == len(BOT_SCOPES)
    [redirect] = MANIFEST["oauth_config"]["redirect_urls"]
    assert redirect.endswith(REDIRECT_PATH)
    assert authorize_url("https://slack.com/api/") == "https://slack.com/oauth/v2/authorize"
