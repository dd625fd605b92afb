"""`python bot.py serve` as a real process: healthz, a signed command, SIGTERM, restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from sandbox import SlackDriver, SlackSandbox
from sandbox.payloads import slash_command
from tests.support.factories import reply_text
from tests.support.processes import bot_serve, free_port
from tests.support.serving import SIGNING_SECRET

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_serve_answers_healthz_and_a_signed_command_and_keeps_data_across_restarts(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    with bot_serve(sandbox, database_url, tmp_path) as (process, base):
        health = httpx.get(base + "/healthz")
        assert health.json() == {
            "ok": True,
            "database": "ok",
            "scheduler": "running",
            "outbox_oldest_due_s": 0.0,
        }
        with SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack:
            text = reply_text(
                slack.command("/collateral", "add https://example.com/deck Pricing deck"),
                slack,
                sandbox,
            )
        assert "`PD-1`" in text
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    with bot_serve(sandbox, database_url, tmp_path) as (process, base):
        with SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack:
            text = reply_text(slack.command("/collateral", "search pricing"), slack, sandbox)
            assert "`PD-1`" in text
            text = reply_text(
                slack.command("/collateral", "add https://example.com/roi ROI calculator"),
                slack,
                sandbox,
            )
            assert "`RC-2`" in text  # numbering carries on after the restart
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0


def test_sigterm_during_a_request_finishes_it_and_exits_within_15_seconds(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    slow = sandbox.set_page("slow-deck", body="<title>Slow deck</title>", delay=2.0)
    with (
        bot_serve(sandbox, database_url, tmp_path) as (process, base),
        SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack,
    ):
        answers: list[httpx.Response] = []
        worker = threading.Thread(
            target=lambda: answers.append(slack.command("/collateral", f"add {slow}"))
        )
        worker.start()
        # Wait until the app is fetching the page, i.e. the request is in flight.
        deadline = time.monotonic() + 10
        while not sandbox.calls("page"):
            assert time.monotonic() < deadline, "the app never fetched the page"
            time.sleep(0.02)
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(15)
        elapsed = time.monotonic() - stopped_at
        worker.join(5)
        assert code == 0 and elapsed < 15
        assert answers and answers[0].status_code == 200
        # The work after the ack finished before exit: the reply reached the response URL.
        assert "`SD-1`" in reply_text(answers[0], slack, sandbox)


def test_serve_logs_json_lines_with_request_ids_and_no_token_secret_or_comment(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    comment = "the walrus tangerine slide confuses every buyer"
    form = "application/x-www-form-urlencoded"
    with bot_serve(sandbox, database_url, tmp_path) as (process, base):
        with SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack:
            added = slack.command("/collateral", "add https://example.com/deck Pricing deck")
            assert "`PD-1`" in reply_text(added, slack, sandbox)
            saved = slack.command("/feedback", f"PD-1 down {comment}")
            assert saved.status_code == 200
            # Refused before its body is read: the log names the reason, never the body.
            body = urlencode(
                slash_command(
                    "/feedback",
                    f"PD-1 down {comment}",
                    user_id="U0REP1",
                    response_url=sandbox.new_response_url(),
                )
            )
            forged = slack.raw(body, content_type=form, signature="v0=" + "0" * 64)
            assert forged.status_code == 401
            # An error path: Slack keeps failing a call a listener makes after its ack (the
            # client's retries give the ack time to go out first).
            sandbox.fail_next("views.open", status=503, times=3)
            failing = slack.command("/feedback", "")
            assert failing.status_code == 200
            assert "went wrong" in reply_text(failing, slack, sandbox)
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
        assert process.stdout is not None
        output = process.stdout.read()
    records = [json.loads(line) for line in output.splitlines() if line.strip()]
    for secret in (sandbox.BOT_TOKEN, SIGNING_SECRET, comment, "walrus", "tangerine"):
        assert secret not in output, secret
    for record in records:
        assert {"time", "level", "logger", "message", "request_id"} <= set(record)
    # The error was logged with its traceback, under the id of the request that caused it.
    [error] = [r for r in records if r["level"] == "ERROR" and "exc" in r]
    assert "SlackApiError" in error["exc"] and "views.open" in error["exc"]
    [refusal] = [r for r in records if r["request_id"] == forged.headers["x-request-id"]]
    assert refusal["level"] == "INFO"
    assert refusal["message"] == "refused a request: invalid request: signature does not match"
    handled = [r for r in records if r.get("kind") == "command"]
    assert [r["command"] for r in handled] == ["/collateral", "/feedback", "/feedback"]
    assert [r["status"] for r in handled] == [200, 200, 200]
    assert handled[1]["request_id"] == saved.headers["x-request-id"]


def _serve_once(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "serve", "--port", str(free_port())],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_refused_token_or_unreachable_slack_stops_startup_with_one_line(
    sandbox: SlackSandbox, tmp_path: Path
) -> None:
    base = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    sandbox.revoke_token(sandbox.BOT_TOKEN)
    refused = _serve_once(
        {**base, "SLACK_BOT_TOKEN": sandbox.BOT_TOKEN, "SLACK_API_URL": sandbox.api_url}, tmp_path
    )
    unreachable = _serve_once(
        {
            **base,
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
        },
        tmp_path,
    )
    for result, says in (
        (refused, "SLACK_BOT_TOKEN was refused"),
        (unreachable, "SLACK_API_URL could not be reached"),
    ):
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and says in lines[0], result.stderr
