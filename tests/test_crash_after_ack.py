"""SIGKILL right after the last 200 of a vote burst: a restart counts every acknowledged
vote exactly once (issue 13, durable before acknowledged).

A burst of reaction_added events from distinct people on one launched asset, over several
connections at once, with a few of Slack's retries mixed in; the server is killed the
moment the last acknowledgement arrives, and started again on the same database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.db import make_engine
from sandbox import SlackDriver, SlackSandbox, event_callback, reaction_added
from tests.support.launching import launch
from tests.support.processes import bot_serve
from tests.support.serving import SIGNING_SECRET

pytestmark = pytest.mark.slow

VOTERS = 1200
CONNECTIONS = 12
RETRIED = 6  # events Slack sends again (X-Slack-Retry-Num), during and after the crash
# Rows a dead process had leased are taken over this soon after the restart.
ENV = {"LIAISON_INBOX_LEASE_SECONDS": "2", "LIAISON_INBOX_POLL_SECONDS": "0.5"}


def _scalar(engine: Engine, sql: str, **params: Any) -> int:
    # AUTOCOMMIT: a plain read that takes no write lock from the app's writers on SQLite.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return int(connection.execute(sa.text(sql), params).scalar_one())


def _votes(engine: Engine, asset_id: int) -> dict[str, tuple[str, int]]:
    """Each voter's stored vote on the asset, and how many rows it has (must be 1)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        rows = connection.execute(
            sa.text(
                "SELECT user_id, min(value), count(*) FROM vote"
                " WHERE asset_id = :a GROUP BY user_id"
            ),
            {"a": asset_id},
        ).all()
    return {str(user): (str(value), int(n)) for user, value, n in rows}


def _wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_votes_acknowledged_before_a_sigkill_are_counted_once_after_restart(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    voters = [f"U0CRASH{n:05d}" for n in range(VOTERS)]
    acknowledged: list[str] = []  # users whose event got a 200
    refused: list[int] = []
    lock = threading.Lock()
    first_log: list[str] = []
    with bot_serve(sandbox, database_url, tmp_path, log=first_log, **ENV) as (process, base):
        with SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack:
            (asset,) = launch(slack, engine, collateral="Pricing deck | https://example.com/p")
        bodies = {
            user: event_callback(
                reaction_added(user=user, reaction="+1", channel=asset.channel, ts=asset.ts)
            )
            for user in voters
        }
        retried = voters[:: VOTERS // RETRIED][:RETRIED]
        # Slack's retries of some events arrive amid the burst, on other connections.
        sends: list[tuple[str, int | None]] = [(user, None) for user in voters]
        sends += [(user, 1) for user in retried]
        total = len(sends)
        killed_at: list[float] = []

        def sender(share: list[tuple[str, int | None]]) -> None:
            with SlackDriver(base + "/slack/events", SIGNING_SECRET, timeout=30) as own:
                for user, retry_num in share:
                    status = own.envelope(bodies[user], retry_num=retry_num).status_code
                    with lock:
                        if status == 200:
                            acknowledged.append(user)
                        else:
                            refused.append(status)
                        if len(acknowledged) + len(refused) == total:
                            # The last acknowledgement is in: kill at once, no SIGTERM grace.
                            process.kill()
                            killed_at.append(time.monotonic())

        started = time.monotonic()
        threads = [
            threading.Thread(target=sender, args=(sends[i::CONNECTIONS],))
            for i in range(CONNECTIONS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert killed_at, "".join(first_log[-40:])
        burst_s = killed_at[0] - started
        process.wait(10)
    assert refused == []
    assert sorted(set(acknowledged)) == sorted(voters)
    counted_at_kill = len(_votes(engine, asset.asset_id))
    left_at_kill = _scalar(engine, "SELECT count(*) FROM inbox_event")
    # What the killed process had not applied yet is in the inbox, nothing is elsewhere.
    assert counted_at_kill + left_at_kill >= VOTERS
    # Workers let acknowledgements go first, so a burst leaves work for the restart.
    assert left_at_kill > 0, "nothing was left at the kill: the restart would prove nothing"

    log: list[str] = []
    with bot_serve(sandbox, database_url, tmp_path, log=log, **ENV) as (_, base):
        restarted = time.monotonic()
        _wait_for(
            lambda: (
                _scalar(engine, "SELECT count(*) FROM inbox_event") == 0
                and len(_votes(engine, asset.asset_id)) == VOTERS
            ),
            45,
            "the restarted process to record the rest",
        )
        resumed_s = time.monotonic() - restarted
        # Slack retries a few events again after the restart: still one vote each.
        with SlackDriver(base + "/slack/events", SIGNING_SECRET) as slack:
            for n, user in enumerate(retried):
                assert slack.envelope(bodies[user], retry_num=2 + n % 2).status_code == 200
        _wait_for(
            lambda: _scalar(engine, "SELECT count(*) FROM inbox_event") == 0,
            15,
            "the retries to be handled",
        )
    votes = _votes(engine, asset.asset_id)
    assert votes == {user: ("useful", 1) for user in voters}
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        handled = set(connection.execute(sa.text("SELECT event_id FROM processed_event")).scalars())
    assert {str(b["event_id"]) for b in bodies.values()} <= handled
    engine.dispose()
    print(
        f"\n{VOTERS} votes acknowledged in {burst_s:.1f} s; at the kill {counted_at_kill} "
        f"counted and {left_at_kill} in the inbox; all counted {resumed_s:.1f} s after restart"
    )
