"""SIGTERM mid fan-out: posts in flight finish and are recorded, the process exits within
15 s, nothing is left `sending`, and a restart posts exactly what is still missing."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import make_engine
from sandbox import SlackDriver, SlackSandbox
from tests.support.launching import state, submit
from tests.support.outbox import posted_ids
from tests.support.processes import bot_serve
from tests.support.serving import SIGNING_SECRET
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

CHANNELS = [f"C0TERM{i}" for i in range(8)]
ASSETS = 3
EXPECTED = len(CHANNELS) * (1 + ASSETS)
LATENCY_S = 1.0  # each post takes this long, so SIGTERM always finds posts in flight


def _rows(engine: sa.Engine) -> dict[str, int]:
    # AUTOCOMMIT: a plain read, which on SQLite takes no write lock from the app's writers.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        rows = connection.execute(
            # The channel messages of the fan-out (not the marketer's private summary).
            sa.text(
                "SELECT status, count(*) FROM outbox_message"
                " WHERE kind IN ('announcement', 'asset_reply') GROUP BY status"
            )
        ).all()
    return {str(status): int(count) for status, count in rows}


def test_sigterm_finishes_posts_in_flight_and_a_restart_posts_the_rest_once(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    for channel in CHANNELS:
        sandbox.add_channel(channel, name=channel.lower(), bot_is_member=True)
    sandbox.set_latency("chat.postMessage", LATENCY_S)
    collateral = "\n".join(f"Asset {i} | https://example.com/{i}" for i in range(ASSETS))
    engine = make_engine(database_url)
    with bot_serve(sandbox, database_url, tmp_path) as (process, base):
        with SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack:
            assert submit(slack, state(channels=CHANNELS, collateral=collateral)).status_code == 200
        wait_until(lambda: _rows(engine).get("sending", 0) > 0, 30, "posts in flight")
        in_flight = _rows(engine)["sending"]
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(20)
        took = time.monotonic() - stopped_at
    assert process.returncode == 0
    assert took < 15, f"SIGTERM took {took:.1f} s"
    rows = _rows(engine)
    # Every post that was in flight finished and was recorded: none is left to check.
    assert rows.get("sending", 0) == 0, rows
    assert rows.get("sent", 0) >= in_flight
    assert rows.get("sent", 0) == len(posted_ids(sandbox, CHANNELS))
    assert rows.get("sent", 0) < EXPECTED

    sandbox.set_latency("chat.postMessage", 0)
    with bot_serve(sandbox, database_url, tmp_path):
        wait_until(lambda: _rows(engine).get("sent", 0) == EXPECTED, 30, "the rest of the fan-out")
    engine.dispose()
    after = posted_ids(sandbox, CHANNELS)
    assert len(after) == EXPECTED and len(set(after)) == EXPECTED
