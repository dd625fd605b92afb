from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from app.assembly import create_app, create_runtime
from app.serve import bound_socket, make_server
from app.server import MalformedRequest, to_bolt_request
from core.db import make_engine
from sandbox import SlackDriver, SlackSandbox, sign_request
from sandbox.payloads import slash_command
from tests.support.factories import assets, reply_text
from tests.support.serving import SIGNING_SECRET, Served, make_settings, serve_app


def _command_body(sandbox: SlackSandbox, text: str) -> str:
    fields = slash_command(
        "/collateral", text, user_id="U0MKT1", response_url=sandbox.new_response_url()
    )
    return urlencode(fields)


def test_forged_missing_and_stale_signatures_are_rejected_without_side_effects(
    served: Served, slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    body = _command_body(sandbox, "add https://example.com/x Forged deck")
    form = "application/x-www-form-urlencoded"
    forged = slack.raw(body, content_type=form, signature="v0=" + "0" * 64)
    missing = slack.raw(body, content_type=form, sign=False)
    stale = slack.raw(body, content_type=form, timestamp=int(time.time()) - 6 * 60)
    wrong_secret = httpx.post(
        served.events_url,
        content=body,
        headers={"Content-Type": form, **sign_request("not-the-secret", body)},
    )
    for response in (forged, missing, stale, wrong_secret):
        assert response.status_code == 401
    assert assets(engine) == []
    assert sandbox.responses() == []
    # The same body, properly signed and fresh, is accepted.
    ok = slack.raw(body, content_type=form)
    assert ok.status_code == 200
    assert [a.title for a in assets(engine)] == ["Forged deck"]


def test_url_verification_echoes_the_challenge(slack: SlackDriver) -> None:
    response = slack.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text


def test_oversized_and_non_utf8_bodies_get_clean_4xx(served: Served) -> None:
    big = httpx.post(
        served.events_url,
        content=b"a" * 1_500_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert big.status_code == 413
    # The body names the request id, as the X-Request-Id header and every log line do.
    assert big.text.endswith(f"(ref {big.headers['x-request-id']})")
    junk = b"text=\xff\xfe"
    bad = httpx.post(
        served.events_url,
        content=junk,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            # Slack signs the raw bytes: signed, but not text, it is a plain 400.
            **sign_request(SIGNING_SECRET, junk),
        },
    )
    assert bad.status_code == 400
    assert bad.text == f"request body is not UTF-8 (ref {bad.headers['x-request-id']})"
    assert bad.headers["x-request-id"] != big.headers["x-request-id"]


def test_healthz_answers_when_the_database_and_scheduler_do(served: Served) -> None:
    response = httpx.get(served.url + "/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "database": "ok",
        "scheduler": "running",
        "outbox_oldest_due_s": 0.0,
    }
    assert httpx.head(served.url + "/healthz").status_code == 200


def test_healthz_fails_while_the_scheduler_is_stopped(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    # Serving without background work: no digest would ever be posted by this instance.
    with serve_app(make_settings(sandbox, database_url), engine, background=False) as served:
        response = httpx.get(served.url + "/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["scheduler"] == "stopped"


def test_healthz_reports_a_dead_database(sandbox: SlackSandbox, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/missing-dir/never.db"
    engine = make_engine(url)
    with serve_app(make_settings(sandbox, url), engine, background=False) as served:
        response = httpx.get(served.url + "/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_extra_routes_are_served_and_an_unhandled_error_is_a_500_naming_the_request(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    async def boom(_: Request) -> Response:
        raise RuntimeError("a bug")

    async def hello(_: Request) -> Response:
        return PlainTextResponse("hello")

    runtime = create_runtime(make_settings(sandbox, database_url), engine)
    app = create_app(runtime)
    sock = bound_socket("127.0.0.1", 0)
    metrics_sock = bound_socket("127.0.0.1", 0)
    metrics_port = metrics_sock.getsockname()[1]
    routes = [Route("/boom", boom), Route("/hello", hello)]
    server = make_server(app, runtime, metrics_port=metrics_port, routes=routes)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock, metrics_sock]}, daemon=True
    )
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert httpx.get(url + "/hello").text == "hello"
        failed = httpx.get(url + "/boom")
        assert failed.status_code == 500
        assert failed.text == f"internal error (ref {failed.headers['x-request-id']})"
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
        assert 'liaison_http_requests_total{route="/boom",status="500"}' in metrics
    finally:
        server.should_exit = True
        thread.join(10)
        runtime.executor.shutdown(wait=True)
        runtime.http.close()
        sock.close()
        metrics_sock.close()


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions", "actions": None},
        {"type": "block_actions", "actions": []},
        {"type": "block_actions", "actions": [{}, "x"]},
        {"type": "view_submission"},
        {"type": "view_closed", "view": "v"},
        {"type": "event_callback", "event": []},
        {"type": "shortcut", "callback_id": 7},
    ],
)
def test_bodies_missing_what_their_type_needs_are_malformed(payload: dict[str, object]) -> None:
    form: dict[str, str | Sequence[str]] = {"content-type": "application/x-www-form-urlencoded"}
    with pytest.raises(MalformedRequest):
        to_bolt_request(urlencode({"payload": json.dumps(payload)}), query="", headers=form)


JSON = "application/json"


def test_json_nested_past_the_recursion_limit_is_malformed() -> None:
    with pytest.raises(MalformedRequest):
        to_bolt_request(
            "[" * 5000 + "]" * 5000, query="", headers={"content-type": "application/json"}
        )


def test_to_bolt_request_keeps_commands_and_interactions_apart() -> None:
    form: dict[str, str | Sequence[str]] = {"content-type": "application/x-www-form-urlencoded"}
    command = urlencode(
        {
            "command": "/collateral",
            "text": "search payload",
            "team_id": "T1",
            "user_id": "U1",
            "channel_id": "C1",
        }
    )
    parsed = to_bolt_request(command, query="", headers=form)
    assert parsed.body["text"] == "search payload"
    assert (parsed.context.team_id, parsed.context.user_id) == ("T1", "U1")
    interaction = urlencode(
        {
            "payload": json.dumps(
                {
                    "type": "block_actions",
                    "team": {"id": "T1"},
                    "user": {"id": "U1"},
                    "actions": [{"action_id": "got_it"}],
                }
            )
        }
    )
    parsed = to_bolt_request(interaction, query="", headers=form)
    assert parsed.body["type"] == "block_actions"
    assert parsed.context.user_id == "U1"
    # Several response URLs (a modal with more than one conversation picker) are fine too.
    urls = [
        {"block_id": b, "action_id": "a", "channel_id": "C1", "response_url": f"https://r/{b}"}
        for b in ("one", "two")
    ]
    submission = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "view": {"callback_id": "launch_modal"},
    }
    body = urlencode({"payload": json.dumps({**submission, "response_urls": urls})})
    parsed = to_bolt_request(body, query="", headers=form)
    assert parsed.context.response_url == "https://r/one"


def test_payload_in_command_text(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    text = reply_text(slack.command("/liaison", "payload", user_id="U0REP1"), slack, sandbox)
    assert "I don't know `payload`" in text


MALFORMED = [
    ("{not json", "application/json"),
    ("[1, 2]", "application/json"),
    ('"just a string"', "application/json"),
    ("", "application/json"),
    ("", "application/x-www-form-urlencoded"),
    ("garbage&&==", "application/x-www-form-urlencoded"),
    ("payload=%7Bbad", "application/x-www-form-urlencoded"),
    ("payload=%5B%5D", "application/x-www-form-urlencoded"),
    ('{"type": "event_callback"}', "application/json"),
    ('{"type": "event_callback", "event": "x"}', "application/json"),
    ('{"type": "event_callback", "event": {"type": "app_home_opened"}}', "application/json"),
    ('payload={"type":"block_actions"}', "application/x-www-form-urlencoded"),
    ("command=%2Fcollateral", "application/x-www-form-urlencoded"),
    ("command=%2Fnot-ours&text=x", "application/x-www-form-urlencoded"),
]


def test_signed_but_malformed_bodies_get_a_clean_answer_never_a_500(
    slack: SlackDriver, engine: Engine
) -> None:
    for body, content_type in MALFORMED:
        response = slack.raw(body, content_type=content_type)
        assert response.status_code in (200, 400, 404), (body, response.status_code)
    # The app is still healthy and nothing was stored.
    assert assets(engine) == []
    text = slack.command("/collateral", "help")
    assert text.status_code == 200


def test_livez_answers_while_readyz_follows_the_database(
    sandbox: SlackSandbox, tmp_path: Path
) -> None:
    # A database file that cannot be opened: the process lives, but is not ready.
    url = f"sqlite:///{tmp_path}/missing/dir/x.db"
    engine = make_engine(url)
    with serve_app(make_settings(sandbox, url), engine, background=False) as served:
        live = httpx.get(served.url + "/livez", timeout=5)
        assert live.status_code == 200 and live.json() == {"ok": True}
        assert httpx.head(served.url + "/livez", timeout=5).status_code == 200
        for path in ("/readyz", "/healthz"):
            ready = httpx.get(served.url + path, timeout=5)
            assert ready.status_code == 503 and ready.json()["database"] == "down"
    engine.dispose()


def test_readyz_is_ok_with_the_database_and_scheduler(served: Served) -> None:
    ready = httpx.get(served.url + "/readyz", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok" and ready.json()["scheduler"] == "running"
