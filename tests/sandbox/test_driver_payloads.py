"""Signer, payload shapes and SlackDriver, checked against slack_sdk and a real Bolt app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import Ack, App, BoltContext, BoltRequest, Respond
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from sandbox import (
    SlackDriver,
    SlackSandbox,
    block_actions,
    block_suggestion,
    button_action,
    event_callback,
    payloads,
    reaction_added,
    sign_request,
    slash_command,
    view_submission,
)

SECRET = "sandbox-signing-secret"


def test_signer_output_verifies_with_slack_sdk() -> None:
    body = "token=x&command=%2Ffeedback&text=PD-3+up"
    headers = sign_request(SECRET, body)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body=body,
        timestamp=headers["X-Slack-Request-Timestamp"],
        signature=headers["X-Slack-Signature"],
    )
    assert verifier.is_valid_request(body, headers)
    stale = sign_request(SECRET, body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)
    assert not SignatureVerifier("other").is_valid_request(body, headers)


def _bolt_request(body: str, content_type: str) -> BoltRequest:
    headers: dict[str, str | Sequence[str]] = {
        k.lower(): [v] for k, v in sign_request(SECRET, body).items()
    }
    headers["content-type"] = [content_type]
    return BoltRequest(body=body, headers=headers)


def test_slash_command_has_slacks_fields_in_order() -> None:
    form = slash_command("/feedback", "PD-3 up", user_id="U0REP1", response_url="http://r/1")
    assert list(form) == [
        "token", "team_id", "team_domain", "channel_id", "channel_name", "user_id",
        "user_name", "command", "text", "api_app_id", "is_enterprise_install",
        "response_url", "trigger_id",
    ]  # fmt: skip
    assert form["user_name"] == "riley.rep" and form["channel_name"] == "sales"
    assert form["is_enterprise_install"] == "false" and form["trigger_id"]
    req = _bolt_request(urlencode(form), "application/x-www-form-urlencoded")
    assert req.context.user_id == "U0REP1" and req.context.team_id == SlackSandbox.TEAM_ID
    assert req.context.channel_id == "C0SALES"


def test_block_actions_payload_gives_bolt_its_context() -> None:
    payload = block_actions(
        user_id="U0REP2",
        actions=[button_action("ack", "campaign-7", block_id="announce")],
        channel_id="C0SALES",
        message_ts="1764150000.000100",
        response_url="http://r/2",
    )
    req = _bolt_request(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    assert req.context.user_id == "U0REP2"
    assert req.context.team_id == SlackSandbox.TEAM_ID
    assert req.context.channel_id == "C0SALES"
    assert req.body["container"]["message_ts"] == "1764150000.000100"
    assert req.body["actions"][0]["action_ts"]


def test_event_envelope_gives_bolt_its_context() -> None:
    inner = reaction_added(user="U0REP1", reaction="+1", channel="C0SALES", ts="1764150000.000200")
    body = event_callback(inner, event_id="Ev0TEST0001")
    assert body["authorizations"][0]["user_id"] == SlackSandbox.BOT_USER_ID
    assert body["event_context"].startswith("4-") and body["type"] == "event_callback"
    req = _bolt_request(json.dumps(body), "application/json")
    assert req.context.user_id == "U0REP1" and req.context.channel_id == "C0SALES"
    assert req.context.team_id == SlackSandbox.TEAM_ID


def test_view_submission_and_block_suggestion_shapes() -> None:
    values = {"name": {"value": {"type": "plain_text_input", "value": "Spring"}}}
    sub = view_submission(
        user_id="U0MKT1", callback_id="launch", state_values=values, private_metadata="m"
    )
    assert sub["view"]["state"]["values"] == values and sub["view"]["callback_id"] == "launch"
    req = _bolt_request(
        urlencode({"payload": json.dumps(sub)}), "application/x-www-form-urlencoded"
    )
    assert req.context.user_id == "U0MKT1" and req.context.team_id == SlackSandbox.TEAM_ID
    sug = block_suggestion(user_id="U0REP1", action_id="asset", block_id="pick", value="pri")
    assert sug["container"]["type"] == "view" and sug["view"]["type"] == "modal"


# ------------------------------------------------------------------- a real Bolt app over HTTP


class _BoltHandler(BaseHTTPRequestHandler):
    app: App
    seen_headers: list[dict[str, str]]

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        self.seen_headers.append({k.lower(): v for k, v in self.headers.items()})
        headers: dict[str, str | Sequence[str]] = {k.lower(): [v] for k, v in self.headers.items()}
        res = self.app.dispatch(BoltRequest(body=body, headers=headers))
        payload = res.body.encode()
        self.send_response(res.status)
        for key, values in res.headers.items():
            for value in values:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def bolt(
    sandbox: SlackSandbox,
) -> Iterator[tuple[SlackDriver, dict[str, Any], list[dict[str, str]]]]:
    client = WebClient(token=SlackSandbox.BOT_TOKEN, base_url=sandbox.api_url)
    app = App(signing_secret=SECRET, client=client, process_before_response=True)
    got: dict[str, Any] = {}

    @app.command("/feedback")
    def feedback(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        ack()
        got["command"] = command
        respond(f"Thanks for: {command['text']}")

    @app.event("reaction_added")
    def reacted(event: dict[str, Any], context: BoltContext) -> None:
        got["reaction"] = (event["reaction"], context.user_id, context.channel_id)

    @app.action("ack")
    def acked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        got["action"] = (body["actions"][0]["value"], context.user_id, context.channel_id)

    @app.view("launch")
    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        ack()
        got["view"] = view["state"]["values"]

    @app.options("asset")
    def options(ack: Ack, payload: dict[str, Any]) -> None:
        ack(options=[{"text": {"type": "plain_text", "text": payload["value"]}, "value": "1"}])

    seen: list[dict[str, str]] = []
    handler = type("H", (_BoltHandler,), {"app": app, "seen_headers": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    with SlackDriver(url, SECRET, sandbox=sandbox) as driver:
        yield driver, got, seen
    server.shutdown()
    server.server_close()


def test_driver_runs_a_bolt_app_end_to_end(
    sandbox: SlackSandbox, bolt: tuple[SlackDriver, dict[str, Any], list[dict[str, str]]]
) -> None:
    driver, got, seen = bolt
    assert driver.command("/feedback", "PD-3 up great deck").status_code == 200
    assert got["command"]["text"] == "PD-3 up great deck"
    assert got["command"]["response_url"] == driver.last_response_url
    assert sandbox.responses(driver.last_response_url) == [
        {"text": "Thanks for: PD-3 up great deck"}
    ]

    ev = reaction_added(user="U0REP3", reaction="dart", channel="C0SALES", ts="1764150000.000100")
    assert driver.event(ev, event_id="Ev0RETRY01", retry_num=1).status_code == 200
    assert got["reaction"] == ("dart", "U0REP3", "C0SALES")
    assert (
        seen[-1]["x-slack-retry-num"] == "1" and seen[-1]["x-slack-retry-reason"] == "http_timeout"
    )
    assert json.loads(driver.url_verification("abc123").text) == {"challenge": "abc123"}

    payload = block_actions(
        user_id="U0REP1", actions=[button_action("ack", "c-9")], channel_id="C0SALES",
        message_ts="1764150000.000100", response_url=sandbox.new_response_url(),
    )  # fmt: skip
    assert driver.interactive(payload).status_code == 200
    assert got["action"] == ("c-9", "U0REP1", "C0SALES")

    values = {"name": {"value": {"type": "plain_text_input", "value": "Spring"}}}
    sub = view_submission(user_id="U0MKT1", callback_id="launch", state_values=values)
    assert driver.interactive(sub).status_code == 200 and got["view"] == values

    sug = block_suggestion(user_id="U0REP1", action_id="asset", block_id="pick", value="pri")
    opts = driver.interactive(sug).json()["options"]
    assert opts[0]["text"]["text"] == "pri"
    # Bolt verified the token once, through the sandbox.
    assert len(sandbox.calls("auth.test")) == 1


def test_driver_forged_stale_and_unsigned_requests_are_refused(
    bolt: tuple[SlackDriver, dict[str, Any], list[dict[str, str]]],
) -> None:
    driver, got, _ = bolt
    inner = reaction_added(user="U0REP1", reaction="+1", channel="C0SALES", ts="1.000100")
    body = json.dumps(event_callback(inner))
    assert driver.raw(body, content_type="application/json").status_code == 200
    forged = driver.raw(body, content_type="application/json", signature="v0=" + "0" * 64)
    assert forged.status_code == 401
    stale = driver.raw(body, content_type="application/json", timestamp=int(time.time()) - 301)
    assert stale.status_code == 401
    assert driver.raw(body, content_type="application/json", sign=False).status_code == 401
    assert got["reaction"] == ("+1", "U0REP1", "C0SALES")


def test_other_event_builders() -> None:
    assert payloads.app_uninstalled() == {"type": "app_uninstalled"}
    assert payloads.tokens_revoked() == {
        "type": "tokens_revoked",
        "tokens": {"oauth": [], "bot": [SlackSandbox.BOT_USER_ID]},
    }
    home = payloads.app_home_opened("U0MKT1")
    assert home["type"] == "app_home_opened" and home["tab"] == "home"
    assert home["channel"].startswith("D") and "view" not in home
    removed = payloads.reaction_removed(
        user="U0REP1", reaction="-1", channel="C0SALES", ts="1.000100", item_user="U0BOT"
    )
    assert removed["item_user"] == "U0BOT" and removed["item"]["ts"] == "1.000100"
    first, second = payloads.now_ts(), payloads.now_ts()
    assert float(second) > float(first)
