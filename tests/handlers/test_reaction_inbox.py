"""A reaction is acknowledged only once it is stored: a stuck database gets Slack an error."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sandbox import SlackDriver, SlackSandbox, event_callback, reaction_added
from tests.support.launching import launch
from tests.support.serving import SIGNING_SECRET, make_settings, serve_app
from tests.support.waiting import wait_until

TIMEOUT_S = 0.5


@pytest.fixture
def slack_with_short_timeout(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> Iterator[SlackDriver]:
    settings = make_settings(sandbox, database_url, liaison_inbox_write_timeout_seconds=TIMEOUT_S)
    with (
        serve_app(settings, engine) as served,
        SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox) as slack,
    ):
        yield slack


def _locked(engine: Engine) -> sa.Connection:
    """A connection holding a lock that keeps the inbox from taking rows."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE inbox_event IN ACCESS EXCLUSIVE MODE"))
    else:
        connection.execute(sa.text("SELECT 1"))  # BEGIN IMMEDIATE: SQLite's write lock
    return connection


def _votes(engine: Engine, asset_id: int) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT user_id, value FROM vote WHERE asset_id = :a"), {"a": asset_id}
        ).all()
    return [(str(u), str(v)) for u, v in rows]


def _inbox_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM inbox_event")).scalar_one())


def test_a_reaction_that_cannot_be_stored_is_not_acknowledged_and_its_retry_counts_once(
    slack_with_short_timeout: SlackDriver, engine: Engine
) -> None:
    slack = slack_with_short_timeout
    deck = launch(slack, engine)[0]
    body = event_callback(
        reaction_added(user="U0REP1", reaction="+1", channel=deck.channel, ts=deck.ts)
    )
    lock = _locked(engine)
    try:
        started = time.monotonic()
        refused = slack.envelope(body)
        took = time.monotonic() - started
    finally:
        lock.rollback()
        lock.close()
    # Not stored in time: an error, so Slack sends the event again (never a 200).
    assert refused.status_code == 503
    assert took < 3.0  # within Slack's 3 seconds
    # Slack's retry is stored and counted; the first delivery, if it got stored after
    # its error answer, collapses with it (one event id).
    assert slack.envelope(body, retry_num=1).status_code == 200
    wait_until(lambda: _votes(engine, deck.asset_id) == [("U0REP1", "useful")], what="the vote")
    # When the first delivery was stored and applied before the retry arrived, the retry is
    # a row of its own, which the worker drops as already processed (its event id).
    wait_until(lambda: _inbox_rows(engine) == 0, what="the inbox to drain")
    assert _votes(engine, deck.asset_id) == [("U0REP1", "useful")]
