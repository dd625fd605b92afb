"""Reactions on announced assets are votes: signed Slack-shaped events through the real app."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import ProcessedEvent, Usage
from sandbox import SlackDriver, SlackSandbox, event_callback, reaction_added
from sandbox.constants import BOT_USER_ID
from tests.support.launching import Posted, launch
from tests.support.reactions import handled, react, settle, votes
from tests.support.serving import SIGNING_SECRET, Served, make_settings, serve_app
from tests.support.waiting import wait_until

REPS = ("U0REP1", "U0REP2", "U0REP3")


@pytest.fixture
def deck(slack: SlackDriver, engine: Engine) -> Posted:
    """The pricing deck's thread reply in #sales, after a real launch."""
    return launch(slack, engine)[0]


def uses(engine: Engine, asset_id: int) -> list[Usage]:
    with Session(engine) as session:
        return list(session.exec(select(Usage).where(Usage.asset_id == asset_id)).all())


def test_three_up_one_down(slack: SlackDriver, engine: Engine, deck: Posted) -> None:
    react(slack, deck, "U0REP1", "+1")
    react(slack, deck, "U0REP2", "thumbsup")
    react(slack, deck, "U0REP3", "+1::skin-tone-4")
    react(slack, deck, "U0LEAD1", "-1")
    wait_until(lambda: len(votes(engine, deck.asset_id)) == 4, what="four votes")
    assert votes(engine, deck.asset_id) == {
        "U0REP1": "useful",
        "U0REP2": "useful",
        "U0REP3": "useful",
        "U0LEAD1": "needs_work",
    }


def test_retried_delivery_counts_once(slack: SlackDriver, engine: Engine, deck: Posted) -> None:
    # A use is not idempotent by value, so a double count would show.
    first = react(slack, deck, "U0REP1", "dart")
    wait_until(lambda: handled(engine, first["event_id"]), what="the first delivery")
    for retry in (1, 2, 3):
        assert slack.envelope(first, retry_num=retry).status_code == 200
    # A vote taken back, then the old "added" event retried: it must not come back.
    added = react(slack, deck, "U0REP2", "+1")
    wait_until(lambda: handled(engine, added["event_id"]))
    removed = react(slack, deck, "U0REP2", "+1", added=False)
    settle(slack, engine, deck, removed)
    assert slack.envelope(added, retry_num=1).status_code == 200
    settle(slack, engine, deck)
    assert [u.user_id for u in uses(engine, deck.asset_id) if u.user_id != "U0MARKER"] == ["U0REP1"]
    assert "U0REP2" not in votes(engine, deck.asset_id)


def test_removing_the_reaction_removes_the_vote_and_the_use(
    slack: SlackDriver, engine: Engine, deck: Posted
) -> None:
    react(slack, deck, "U0REP1", "+1")
    react(slack, deck, "U0REP1", "dart")
    wait_until(lambda: "U0REP1" in votes(engine, deck.asset_id) and uses(engine, deck.asset_id))
    settle(
        slack,
        engine,
        deck,
        react(slack, deck, "U0REP1", "+1", added=False),
        react(slack, deck, "U0REP1", "dart", added=False),
    )
    assert "U0REP1" not in votes(engine, deck.asset_id)
    assert [u for u in uses(engine, deck.asset_id) if u.user_id == "U0REP1"] == []


def test_changed_vote_latest_wins(slack: SlackDriver, engine: Engine, deck: Posted) -> None:
    up = react(slack, deck, "U0REP1", "+1")
    down = react(slack, deck, "U0REP1", "-1")
    settle(slack, engine, deck, up, down)
    assert votes(engine, deck.asset_id) == {"U0REP1": "needs_work"}
    # Taking back the older 👍 leaves the later 👎 in place.
    taken_back = react(slack, deck, "U0REP1", "+1", added=False)
    settle(slack, engine, deck, taken_back)
    assert votes(engine, deck.asset_id) == {"U0REP1": "needs_work"}
    # An event that happened earlier but arrived late does not override the latest vote.
    late = react(slack, deck, "U0REP1", "thumbsup", event_ts=f"{time.time() - 120:.6f}")
    settle(slack, engine, deck, late)
    assert votes(engine, deck.asset_id) == {"U0REP1": "needs_work"}


def test_ignored_reactions(
    slack: SlackDriver, engine: Engine, sandbox: SlackSandbox, deck: Posted
) -> None:
    react(slack, deck, BOT_USER_ID, "+1")  # the bot's own reaction
    react(slack, deck, "U0REP1", "tada")  # not a vote
    react(slack, deck, "U0REP2", "thumbsup_all")  # looks like one, is not
    untracked = Posted(deck.asset_id, deck.handle, deck.title, deck.channel, "1700000000.000100")
    react(slack, untracked, "U0REP3", "+1")  # a message Liaison does not track
    announcement = sandbox.messages(deck.channel)[0]
    assert announcement["ts"] != deck.ts
    on_announcement = Posted(0, "", "", deck.channel, announcement["ts"])
    react(slack, on_announcement, "U0REP3", "-1")
    settle(slack, engine, deck)
    assert votes(engine, deck.asset_id) == {}


HOSTILE_EVENTS: list[dict[str, Any]] = [
    {"type": "reaction_added"},
    {"type": "reaction_added", "user": "U0REP1", "reaction": "+1"},
    {"type": "reaction_added", "user": "U0REP1", "reaction": "+1", "item": "C0SALES"},
    {"type": "reaction_added", "user": ["U0REP1"], "reaction": "+1", "item": {}},
    {"type": "reaction_added", "user": "U0REP1", "reaction": 7, "item": {"type": "message"}},
    {
        "type": "reaction_added",
        "user": "U0REP1",
        "reaction": "+1",
        "item": {"type": "file", "file": "F123"},
    },
    {
        "type": "reaction_added",
        "user": "<!channel>" * 1000,
        "reaction": "+1" * 10_000,
        "item": {"type": "message", "channel": "C" * 5000, "ts": "1.2.3"},
    },
    {
        "type": "reaction_removed",
        "user": "U0REP1",
        "reaction": "+1",
        "item": {"type": "message", "channel": "C0SALES", "ts": "'; DROP TABLE vote; --"},
    },
]


@pytest.mark.parametrize("event", HOSTILE_EVENTS)
def test_malformed_reaction_events_are_acknowledged_and_ignored(
    slack: SlackDriver, engine: Engine, deck: Posted, event: dict[str, Any]
) -> None:
    response = slack.event(event)
    assert response.status_code == 200
    react(slack, deck, "U0REP1", "+1")
    wait_until(lambda: votes(engine, deck.asset_id) == {"U0REP1": "useful"})


def test_oversized_event_id_is_handled(slack: SlackDriver, engine: Engine, deck: Posted) -> None:
    body = event_callback(
        reaction_added(user="U0REP1", reaction="+1", channel=deck.channel, ts=deck.ts),
        event_id="Ev" + "9" * 5000,
    )
    assert slack.envelope(body).status_code == 200
    wait_until(lambda: votes(engine, deck.asset_id) == {"U0REP1": "useful"})


def test_concurrent_deliveries_of_one_event_count_once(
    slack: SlackDriver, engine: Engine, deck: Posted
) -> None:
    body = event_callback(
        reaction_added(user="U0REP1", reaction="dart", channel=deck.channel, ts=deck.ts)
    )
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def deliver(retry: int) -> None:
        with SlackDriver(slack.app_url, SIGNING_SECRET) as driver:
            barrier.wait()
            statuses.append(driver.envelope(body, retry_num=retry or None).status_code)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    settle(slack, engine, deck)
    assert len([u for u in uses(engine, deck.asset_id) if u.user_id == "U0REP1"]) == 1


@pytest.fixture
def second_instance(
    sandbox: SlackSandbox, engine: Engine, database_url: str, served: Served
) -> Iterator[SlackDriver]:
    """Another app process's worth of app on the same database (as two instances would be)."""
    with (
        serve_app(make_settings(sandbox, database_url), engine, background=False) as other,
        SlackDriver(other.events_url, SIGNING_SECRET, sandbox=sandbox) as driver,
    ):
        yield driver


def test_two_instances_receiving_one_event_count_it_once(
    slack: SlackDriver, engine: Engine, deck: Posted, second_instance: SlackDriver
) -> None:
    bodies = [
        event_callback(reaction_added(user=rep, reaction="dart", channel=deck.channel, ts=deck.ts))
        for rep in REPS
    ]
    barrier = threading.Barrier(2)

    def deliver(driver: SlackDriver, retry: int | None) -> None:
        with SlackDriver(driver.app_url, SIGNING_SECRET) as own:
            barrier.wait()
            for body in bodies:
                assert own.envelope(body, retry_num=retry).status_code == 200

    one = threading.Thread(target=deliver, args=(slack, None))
    two = threading.Thread(target=deliver, args=(second_instance, 1))
    one.start()
    two.start()
    one.join()
    two.join()
    for body in bodies:
        wait_until(lambda body=body: handled(engine, body["event_id"]))  # type: ignore[misc]
    settle(slack, engine, deck)
    counted = sorted(u.user_id for u in uses(engine, deck.asset_id) if u.user_id in REPS)
    assert counted == sorted(REPS)


def test_votes_show_in_collateral_counts(
    slack: SlackDriver, engine: Engine, sandbox: SlackSandbox, deck: Posted
) -> None:
    from tests.support.factories import reply_text

    settle(
        slack,
        engine,
        deck,
        react(slack, deck, "U0REP1", "+1"),
        react(slack, deck, "U0REP2", "-1"),
        react(slack, deck, "U0REP3", "dart"),
    )
    text = reply_text(
        slack.command("/collateral", deck.handle and "search pricing"), slack, sandbox
    )
    assert f"`{deck.handle}`" in text and "👍 1 · 👎 1 · 🎯 2 used" in text  # marker's 🎯 too


def test_processed_events_are_kept_by_id(slack: SlackDriver, engine: Engine, deck: Posted) -> None:
    body = react(slack, deck, "U0REP1", "+1")
    wait_until(lambda: handled(engine, body["event_id"]))
    with Session(engine) as session:
        row = session.get(ProcessedEvent, body["event_id"])
        assert row is not None and row.team_id == json.loads(json.dumps(body))["team_id"]
        assert session.exec(select(col(ProcessedEvent.event_id))).all()


@pytest.mark.parametrize(
    ("team", "event_ts"),
    [(["T0SANDBOX"], None), ({"id": "T0SANDBOX"}, None), (None, "999999999999.999999")],
)
def test_reactions_with_unreadable_team_or_time_never_crash(
    slack: SlackDriver,
    engine: Engine,
    deck: Posted,
    caplog: pytest.LogCaptureFixture,
    team: Any,
    event_ts: str | None,
) -> None:
    # Found by tests/fuzz: a team id that is no string reached the database, and an
    # event_ts past the year 9999 raised in the listener. An unreadable team never
    # reaches it now: a single-workspace install counts the vote for its own workspace.
    body = event_callback(
        reaction_added(
            user="U0REP2", reaction="+1", channel=deck.channel, ts=deck.ts, event_ts=event_ts
        )
    )
    if team is not None:
        body["team_id"] = team
        body["authorizations"][0]["team_id"] = team
    assert slack.envelope(body).status_code == 200
    react(slack, deck, "U0REP1", "+1")
    expected = {"U0REP1": "useful", "U0REP2": "useful"}
    wait_until(lambda: votes(engine, deck.asset_id) == expected, what=str(expected))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
