"""A fan-out killed mid-way (SIGKILL) resumes on restart and posts each message exactly once."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import make_engine
from sandbox import SlackDriver, SlackSandbox
from tests.conftest import SIGNING_SECRET
from tests.handlers.test_launch import state, submit
from tests.processes import bot_serve

pytestmark = pytest.mark.slow

CHANNELS = [f"C0FAN{i}" for i in range(8)]
ASSETS = 3
EXPECTED = len(CHANNELS) * (1 + ASSETS)


def posted(sandbox: SlackSandbox, channels: list[str] = CHANNELS) -> list[int]:
    """Outbox ids of every announcement and thread reply in the fan-out channels."""
    ids: list[int] = []
    for channel in channels:
        for parent in sandbox.find_messages(channel, event_type="liaison_outbox"):
            ids.append(parent["metadata"]["event_payload"]["id"])
            for reply in replies(sandbox, channel, parent["ts"]):
                ids.append(reply["metadata"]["event_payload"]["id"])
    return ids


def replies(sandbox: SlackSandbox, channel: str, thread_ts: str) -> list[dict]:  # type: ignore[type-arg]
    """Liaison's replies in a thread, oldest first (not the parent)."""
    found = sandbox.find_messages(channel, event_type="liaison_outbox", thread_ts=thread_ts)
    return [m for m in found if m["ts"] != thread_ts]


def wait_for(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


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
        wait_for(lambda: len(posted(sandbox)) >= 6, 30, "the first posts")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    time.sleep(0.5)  # posts the sandbox was already serving land now
    before = posted(sandbox)
    assert 0 < len(before) < EXPECTED, len(before)
    calls_before = len([c for c in sandbox.calls("chat.postMessage") if c.ok])

    sandbox.set_latency("chat.postMessage", 0)
    with bot_serve(sandbox, database_url, tmp_path, LIAISON_DELIVERY_LOCK_SECONDS="2"):
        wait_for(lambda: len(posted(sandbox)) >= EXPECTED, 60, "the rest of the fan-out")
        engine = make_engine(database_url)
        wait_for(lambda: open_rows(engine) == 0, 30, "every outbox row to be settled")
        engine.dispose()

    after = posted(sandbox)
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
            for r in replies(sandbox, channel, parent["ts"])
        ]
        assert order == list(range(ASSETS))


def open_rows(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT count(*) FROM outbox_message WHERE status IN ('pending', 'sending')"
                )
            ).scalar_one()
        )
