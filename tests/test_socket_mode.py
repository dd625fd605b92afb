"""`python bot.py serve` in Socket Mode: the same app, reached over the sandbox's WebSocket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sandbox import SlackSandbox, app_home_opened
from tests.support.factories import message_text

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _output(process: subprocess.Popen[str]) -> str:
    return process.stdout.read() if process.stdout else ""


@contextmanager
def bot_serve_socket_mode(
    sandbox: SlackSandbox, database_url: str, cwd: Path
) -> Iterator[subprocess.Popen[str]]:
    """Start `bot.py serve` with an app-level token and wait until it is connected."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACK_BOT_TOKEN": sandbox.BOT_TOKEN,
        "SLACK_APP_TOKEN": sandbox.APP_TOKEN,
        "SLACK_API_URL": sandbox.api_url,
        "DATABASE_URL": database_url,
        "LIAISON_ALLOW_PRIVATE_URLS": "true",
        # No SLACK_SIGNING_SECRET: Socket Mode must not need one.
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py"), "serve"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not sandbox.socket_connected(timeout=0.2):
            assert process.poll() is None, _output(process)
            assert time.monotonic() < deadline, "serve did not connect over Socket Mode in 30 s"
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        if process.stdout:
            process.stdout.close()


def _command_reply(sandbox: SlackSandbox, envelope_id: str, timeout: float = 8.0) -> str:
    """The reply to a slash command: the ack's payload, else what reached its response_url."""
    ack = sandbox.socket_ack(envelope_id)
    payload: dict[str, Any] | None = ack.get("payload")
    if payload:
        return message_text(payload)
    url = sandbox.socket_envelope(envelope_id)["payload"]["response_url"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        posted = sandbox.responses(url)
        if posted:
            return message_text(posted[-1])
        time.sleep(0.02)
    raise AssertionError(f"no reply in the ack nor at {url} within {timeout} s")


def test_socket_mode_serves_commands_and_events_and_stops_on_sigterm(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    with bot_serve_socket_mode(sandbox, database_url, tmp_path) as process:
        [opened] = sandbox.calls("apps.connections.open")
        assert opened.ok
        assert opened.headers["authorization"] == f"Bearer {sandbox.APP_TOKEN}"

        envelope_id = sandbox.socket_send_command(
            "/collateral", "add https://example.com/deck Pricing deck"
        )
        assert "`PD-1`" in _command_reply(sandbox, envelope_id)

        envelope_id = sandbox.socket_send_event(app_home_opened("U0REP1"))
        assert sandbox.socket_ack(envelope_id) == {"envelope_id": envelope_id}
        [publish] = sandbox.wait_for_calls("views.publish", timeout=10)
        assert publish.ok and publish.params["user_id"] == "U0REP1"
        assert sandbox.home_view("U0REP1") is not None

        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(15)
        output = _output(process)
        assert code == 0, output
        assert time.monotonic() - stopped_at < 15
        assert "Traceback" not in output, output


def test_sigterm_during_a_command_finishes_it_and_exits_within_15_seconds(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    slow = sandbox.set_page("slow-deck", body="<title>Slow deck</title>", delay=2.0)
    with bot_serve_socket_mode(sandbox, database_url, tmp_path) as process:
        envelope_id = sandbox.socket_send_command("/collateral", f"add {slow}")
        # Wait until the app is fetching the page, i.e. the command is in flight.
        deadline = time.monotonic() + 10
        while not sandbox.calls("page"):
            assert time.monotonic() < deadline, "the app never fetched the page"
            time.sleep(0.02)
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(15)
        assert code == 0, _output(process)
        assert time.monotonic() - stopped_at < 15
        # The work after the ack finished before exit: the reply reached the response URL.
        assert "`SD-1`" in _command_reply(sandbox, envelope_id, timeout=1)
