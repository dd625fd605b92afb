"""Logs: JSON lines with request ids; no token, secret, body or SQL parameter ever written."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from core.logs import (
    REQUEST_ID,
    ContextExecutor,
    configure_logging,
    current_request_id,
    secret_values,
)
from core.settings import Settings
from core.slack import make_client
from sandbox import SlackDriver, SlackSandbox
from sandbox.payloads import slash_command
from tests.support.serving import SIGNING_SECRET, Served

COMMENT = "the quokka pricing slide confuses every buyer"
CLIENT_SECRET = "client-secret-0f9e8d7c6b5a"
STATE_SECRET = "state-secret-11aa22bb33cc"
DB_PASSWORD = "db-pass-w0rd-42"


@dataclass
class Captured:
    """What the configured handler wrote."""

    stream: io.StringIO

    def records(self) -> list[dict[str, Any]]:
        lines = [line for line in self.stream.getvalue().splitlines() if line.strip()]
        return [json.loads(line) for line in lines]  # every line is one JSON object

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@contextmanager
def configured(level: str, secrets: list[str]) -> Iterator[Captured]:
    """Logging configured as `bot.py` does, written to a buffer; undone afterwards."""
    root = logging.getLogger()
    previous = root.level
    stream = io.StringIO()
    handler = configure_logging(level, secrets=secrets, stream=stream)
    try:
        yield Captured(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@pytest.fixture
def logs() -> Iterator[Captured]:
    """Logging configured as `bot.py` does, at INFO, written to a buffer."""
    with configured("INFO", [SIGNING_SECRET, CLIENT_SECRET, STATE_SECRET]) as captured:
        yield captured


@pytest.fixture
def debug_logs() -> Iterator[Captured]:
    """The same at DEBUG, where libraries say the most."""
    with configured("DEBUG", [SIGNING_SECRET, CLIENT_SECRET, STATE_SECRET]) as captured:
        yield captured


def test_records_are_json_lines_with_time_level_logger_message_and_request_id(
    logs: Captured,
) -> None:
    logger = logging.getLogger("liaison.test")
    token = REQUEST_ID.set("req-123")
    try:
        logger.info("hello %s", "world", extra={"kind": "command"})
    finally:
        REQUEST_ID.reset(token)
    logger.warning("outside any request")
    first, second = logs.records()
    assert first["message"] == "hello world"
    assert (first["level"], first["logger"], first["request_id"]) == (
        "INFO",
        "liaison.test",
        "req-123",
    )
    assert first["kind"] == "command"
    assert first["time"].endswith("+00:00")
    assert second["request_id"] is None and second["level"] == "WARNING"


def test_tokens_secrets_and_sql_parameters_are_redacted_everywhere_in_a_record() -> None:
    settings = Settings(
        slack_bot_token="xoxb-1111-2222-bottokenvalue",
        slack_signing_secret=SIGNING_SECRET,
        slack_client_id="1234.5678",
        slack_client_secret=CLIENT_SECRET,
        slack_state_secret=STATE_SECRET,
        database_url=f"postgresql://liaison:{DB_PASSWORD}@db.internal/liaison",
    )
    with configured("INFO", secret_values(settings)) as logs:
        logger = logging.getLogger("liaison.test")
        logger.info("token in the message xoxb-1111-2222-bottokenvalue")
        logger.info("secret in the args %s / %s", SIGNING_SECRET, DB_PASSWORD)
        logger.info("url-encoded %s", urlencode({"secret": STATE_SECRET + "/+"}))
        logger.info("extra", extra={"detail": f"client_secret={CLIENT_SECRET}"})
        logger.info("rotating xoxe.xoxp-1-abcDEF123 refresh xoxe-1-abcdef app xapp-1-A0-xyz")
        logger.info("header Authorization: Bearer xoxp-9-9-9 and Basic dXNlcjpwYXNz")
        try:
            raise RuntimeError(f"Slack said no to xoxb-1111-2222-bottokenvalue ({CLIENT_SECRET})")
        except RuntimeError:
            logger.exception("failed")
        # A real SQLAlchemy error: its message quotes the statement's parameters.
        engine = sa.create_engine("sqlite://")
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE c (text VARCHAR CHECK (length(text) < 10))"))
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            try:
                connection.execute(sa.text("INSERT INTO c VALUES (:t)"), {"t": COMMENT})
            except sa.exc.IntegrityError as error:
                logger.error("could not save: %s", error, exc_info=True)
                raise
        engine.dispose()

    text = logs.text
    for secret in (
        "bottokenvalue",
        SIGNING_SECRET,
        CLIENT_SECRET,
        STATE_SECRET,
        DB_PASSWORD,
        "abcDEF123",
        "xoxe-1-abcdef",
        "A0-xyz",
        "xoxp-9-9-9",
        "dXNlcjpwYXNz",
        COMMENT,
    ):
        assert secret not in text, secret
    records = logs.records()
    assert records[0]["message"] == "token in the message xoxb-[REDACTED]"
    assert "[REDACTED]" in records[3]["detail"]
    assert "xoxe.xoxp-[REDACTED]" in records[4]["message"]
    assert "Slack said no" in records[6]["exc"] and "RuntimeError" in records[6]["exc"]
    assert "[parameters: [omitted]]" in records[7]["message"]
    assert "IntegrityError" in records[7]["exc"]


def test_secret_values_are_every_secret_setting_and_nothing_else() -> None:
    settings = Settings(
        slack_bot_token="xoxb-1-bot",
        slack_app_token="xapp-1-app",
        slack_signing_secret=SIGNING_SECRET,
        slack_client_id="1234.5678",
        slack_client_secret=CLIENT_SECRET,
        slack_state_secret=STATE_SECRET,
        database_url=f"postgresql://liaison:{DB_PASSWORD}@db/liaison",
    )
    assert sorted(secret_values(settings)) == sorted(
        ["xoxb-1-bot", "xapp-1-app", SIGNING_SECRET, CLIENT_SECRET, STATE_SECRET, DB_PASSWORD]
    )


def test_slack_sdk_debug_logs_of_an_oauth_exchange_keep_no_token_or_secret(
    debug_logs: Captured, sandbox: SlackSandbox
) -> None:
    sandbox.register_oauth_client("1234.5678", CLIENT_SECRET)
    code = sandbox.issue_oauth_code()
    client = make_client(token=None, base_url=sandbox.api_url)
    response = client.oauth_v2_access(client_id="1234.5678", client_secret=CLIENT_SECRET, code=code)
    token = str(response["access_token"])
    assert token.startswith("xoxb-")
    text = debug_logs.text
    assert "Received the following response" in text  # slack_sdk did log the exchange
    assert token not in text and CLIENT_SECRET not in text and code not in text


def _forged_command(sandbox: SlackSandbox, text: str) -> str:
    fields = slash_command(
        "/feedback", text, user_id="U0REP1", response_url=sandbox.new_response_url()
    )
    return urlencode(fields)


def test_a_refused_signature_is_one_info_line_without_the_body(
    logs: Captured, served: Served, slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    body = _forged_command(sandbox, f"PD-1 down {COMMENT}")
    refused = slack.raw(
        body, content_type="application/x-www-form-urlencoded", signature="v0=" + "0" * 64
    )
    assert refused.status_code == 401
    request_id = refused.headers["x-request-id"]
    assert refused.text.endswith(f"(ref {request_id})")
    # Refused by app/server.py on the raw bytes: Bolt never saw it.
    [line] = [r for r in logs.records() if r["request_id"] == request_id]
    assert line["level"] == "INFO" and "exc" not in line
    assert line["message"] == "refused a request: invalid request: signature does not match"
    assert COMMENT not in logs.text and "quokka" not in logs.text


def test_each_slack_request_is_logged_once_with_its_kind_name_and_request_id(
    logs: Captured, slack: SlackDriver
) -> None:
    command = slack.command("/collateral", "help")
    event = slack.event(
        {"type": "app_home_opened", "user": "U0REP1", "channel": "D0REP1", "tab": "about"},
        event_id="Ev0LOGS1",
        retry_num=1,
    )
    lines = [r for r in logs.records() if r["logger"] == "app.server"]
    by_id = {r["request_id"]: r for r in lines}
    first = by_id[command.headers["x-request-id"]]
    assert first["message"].startswith("slack command /collateral: 200 in ")
    assert (first["kind"], first["command"], first["status"]) == ("command", "/collateral", 200)
    second = by_id[event.headers["x-request-id"]]
    assert (second["kind"], second["event"], second["event_id"]) == (
        "event",
        "app_home_opened",
        "Ev0LOGS1",
    )
    assert second["retry_num"] == "1"
    assert len(lines) == 2


def test_context_executor_runs_tasks_with_the_submitters_request_id() -> None:
    token = REQUEST_ID.set("req-ctx")
    try:
        with ContextExecutor(max_workers=1) as pool, ThreadPoolExecutor(max_workers=1) as plain:
            assert pool.submit(current_request_id).result() == "req-ctx"
            assert plain.submit(current_request_id).result() is None
    finally:
        REQUEST_ID.reset(token)
