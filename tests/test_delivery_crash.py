"""A fan-out killed mid-way (SIGKILL) resumes on restart and posts each message exactly once."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from core.db import make_engine
from sandbox import SlackDriver, SlackSandbox
from tests.support.launching import state, submit
from tests.support.outbox import open_rows, posted_ids, thread_replies
from tests.support.processes import bot_serve
from tests.support.serving import SIGNING_SECRET
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

CHANNELS = [f"C0FAN{i}" for i in range(8)]
ASSETS = 3
EXPECTED = len(CHANNELS) * (1 + ASSETS)


def test_killed_fanout_resumes_and_posts_the_missing_messages_exactly_once(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    for channel in CHANNELS:
        sandbox.add_channel(channel, name=channel.lower(), bot_is_member=True)
    # Slow posts down so the kill lands in the middle of the fan-out.
    sandbox.set_latency("chat.postMessage", 0.25)
    collateral = "\n".join(f"Asset {i} | https://example.com/{i}" for i in range(ASSETS))
    with bot_serve(sandbox, database_url, tmp_path, LIAISON_DELIVERY_LOCK_SECONDS="2") as (
        process,
        base,
    ):
        with SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack:
            assert submit(slack, state(channels=CHANNELS, collateral=collateral)).status_code == 200
        wait_until(lambda: len(posted_ids(sandbox, CHANNELS)) >= 6, 30, "the first posts")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    time.sleep(0.5)  # posts the sandbox was already serving land now
    before = posted_ids(sandbox, CHANNELS)
    assert 0 < len(before) < EXPECTED, len(before)
    calls_before = len([c for c in sandbox.calls("chat.postMessage") if c.ok])

    sandbox.set_latency("chat.postMessage", 0)
    with bot_serve(sandbox, database_url, tmp_path, LIAISON_DELIVERY_LOCK_SECONDS="2"):
        wait_until(
            lambda: len(posted_ids(sandbox, CHANNELS)) >= EXPECTED, 60, "the rest of the fan-out"
        )
        engine = make_engine(database_url)
        wait_until(lambda: open_rows(engine) == 0, 30, "every outbox row to be settled")
        engine.dispose()

    after = posted_ids(sandbox, CHANNELS)
    assert len(after) == EXPECTED
    assert len(set(after)) == EXPECTED, "a message was posted twice"
    new_posts = [
        c
        for c in sandbox.calls("chat.postMessage")[calls_before:]
        if c.ok and c.params.get("channel") in CHANNELS
    ]
    # The restart posted exactly the N - K messages that were missing.
    assert len(new_posts) == EXPECTED - len(before)
    for channel in CHANNELS:
        [parent] = sandbox.find_messages(channel, event_type="liaison_outbox")
        # Thread replies keep the order the marketer listed the assets in.
        order = [
            next(i for i in range(ASSETS) if f"Asset {i}" in r["text"])
            for r in thread_replies(sandbox, channel, parent["ts"])
        ]
        assert order == list(range(ASSETS))
