"""One person's flood of commands never makes another person's command miss Slack's 3 s.

A real `bot.py serve` process on SQLite and on PostgreSQL: user A sends 200 signed
`/feedback` votes as fast as several connections allow while user B sends 20; every one
of B's is answered (its vote saved) within 3 seconds.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from core.db import make_engine
from sandbox import SlackDriver, SlackSandbox
from tests.conftest import SIGNING_SECRET
from tests.factories import reply_text
from tests.processes import bot_serve

pytestmark = pytest.mark.slow

FLOOD = 200
OTHER = 20
CONNECTIONS = 48  # A's concurrent connections: more than the listener threads
OTHER_CONNECTIONS = 4
SLACK_S = 3.0
# A link whose page takes this long to answer: each such /collateral add holds a
# listener thread after its ack while the title is fetched.
SLOW_PAGE_S = 0.5
FLOODER, OTHER_USER = "U0FLOOD", "U0OTHER"


def _timed(slack: SlackDriver, text: str, user_id: str) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = slack.command("/feedback", text, user_id=user_id)
    return time.perf_counter() - started, response


def test_a_flood_from_one_person_does_not_delay_another_persons_commands(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    with bot_serve(sandbox, database_url, tmp_path) as (_process, base):
        url = base + "/slack/events"
        with SlackDriver(url, SIGNING_SECRET, sandbox=sandbox) as slack:
            added = slack.command("/collateral", "add https://example.com/deck Pricing deck")
            assert "`PD-1`" in reply_text(added, slack, sandbox)
        # Every one of A's commands writes: half are votes with a comment, half add a link
        # from a slow site (the title is fetched after the ack, then the asset stored).
        pages = [
            sandbox.set_page(f"slow-{n}", body=f"<title>Slow {n}</title>", delay=SLOW_PAGE_S)
            for n in range(FLOOD // 2)
        ]
        commands = [
            ("/feedback", f"PD-1 {'up' if n % 2 else 'down'} the pricing slide {n} is unclear")
            if n % 2
            else ("/collateral", f"add {pages[n // 2]}")
            for n in range(FLOOD)
        ]
        sent = threading.Semaphore(0)

        def flood(index: int) -> list[int]:
            with SlackDriver(url, SIGNING_SECRET, sandbox=sandbox, timeout=120) as slack:
                statuses = []
                for command, text in commands[index::CONNECTIONS]:
                    sent.release()
                    statuses.append(slack.command(command, text, user_id=FLOODER).status_code)
                return statuses

        def other(index: int) -> list[tuple[float, httpx.Response]]:
            with SlackDriver(url, SIGNING_SECRET, sandbox=sandbox, timeout=120) as slack:
                return [
                    _timed(slack, f"PD-1 {value}", OTHER_USER)
                    for value in (["up", "down"] * OTHER)[: OTHER // OTHER_CONNECTIONS]
                ]

        with ThreadPoolExecutor(CONNECTIONS + OTHER_CONNECTIONS) as pool:
            floods = [pool.submit(flood, i) for i in range(CONNECTIONS)]
            for _ in range(CONNECTIONS):  # every one of A's connections has a command out
                assert sent.acquire(timeout=10)
            others = [pool.submit(other, i) for i in range(OTHER_CONNECTIONS)]
            answered = [timed for f in others for timed in f.result()]
            # B's commands were answered while A's flood was still being served.
            still_flooding = not all(f.done() for f in floods)
            flooded = [status for f in floods for status in f.result()]
    latencies = sorted(elapsed for elapsed, _ in answered)
    print(f"\nother person's latencies (ms): {[round(x * 1000) for x in latencies]}")
    assert still_flooding
    assert len(flooded) == FLOOD and set(flooded) == {200}
    assert len(answered) == OTHER
    assert all(response.status_code == 200 for _, response in answered)
    assert all("Recorded" in response.json()["text"] for _, response in answered)
    assert latencies[-1] < SLACK_S, latencies
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            voters = connection.execute(sa.text("SELECT DISTINCT user_id FROM vote")).all()
    finally:
        engine.dispose()
    assert {row[0] for row in voters} == {FLOODER, OTHER_USER}
