"""Reactions are stored in front of Bolt when Slack names their installation, through
Bolt otherwise: both doors must count the same votes (handlers.events.reactions)."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sandbox import SlackDriver, event_callback, reaction_added, reaction_removed
from sandbox.constants import BOT_USER_ID
from tests.support.launching import Posted, launch
from tests.support.reactions import handled, votes
from tests.support.waiting import wait_until

# (user, reaction, added): votes, a change of mind, a removal, what is no vote.
SEQUENCE = [
    ("U0REP1", "+1", True),
    ("U0REP2", "-1", True),
    ("U0REP2", "-1", False),
    ("U0REP2", "+1", True),
    ("U0REP3", "tada", True),
    (BOT_USER_ID, "+1", True),
    ("U0REP4", "-1", True),
    ("U0REP4", "+1", True),
]


def _send(slack: SlackDriver, posted: Posted, *, through_bolt: bool) -> list[dict[str, Any]]:
    sent = []
    for user, reaction, added in SEQUENCE:
        make = reaction_added if added else reaction_removed
        body = event_callback(
            make(user=user, reaction=reaction, channel=posted.channel, ts=posted.ts)
        )
        if through_bolt:
            # Without Slack's word on the installation, Bolt's authorization decides.
            del body["authorizations"]
        response = slack.envelope(body)
        assert response.status_code == 200, response.text
        assert response.text == ""
        sent.append(body)
    return sent


def test_both_doors_count_the_same_votes(slack: SlackDriver, engine: Engine) -> None:
    deck, battlecard = launch(slack, engine)[:2]
    in_front = _send(slack, deck, through_bolt=False)
    through_bolt = _send(slack, battlecard, through_bolt=True)
    expected = {"U0REP1": "useful", "U0REP2": "useful", "U0REP4": "useful"}
    for posted in (deck, battlecard):
        wait_until(lambda p=posted: votes(engine, p.asset_id) == expected, what="the votes")  # type: ignore[misc]
    # Each vote change was stored and applied once, whichever door it came through.
    for body in (*in_front, *through_bolt):
        if body["event"]["reaction"] != "tada" and body["event"]["user"] != BOT_USER_ID:
            wait_until(lambda b=body: handled(engine, b["event_id"]), what="the event")  # type: ignore[misc]


def test_a_retry_through_the_other_door_counts_once(slack: SlackDriver, engine: Engine) -> None:
    deck = launch(slack, engine)[0]
    body = event_callback(
        reaction_added(user="U0REP1", reaction="-1", channel=deck.channel, ts=deck.ts)
    )
    assert slack.envelope(body).status_code == 200
    retry = dict(body)
    del retry["authorizations"]
    assert slack.envelope(retry, retry_num=1).status_code == 200
    wait_until(lambda: votes(engine, deck.asset_id) == {"U0REP1": "needs_work"}, what="the vote")
    with engine.connect() as connection:
        events = connection.execute(
            sa.text("SELECT count(*) FROM processed_event WHERE event_id = :e"),
            {"e": body["event_id"]},
        ).scalar_one()
    assert events == 1


@pytest.mark.parametrize(
    "raw",
    [
        # Nested past any parser's patience, with the intake's marker in it.
        '{"type": "event_callback", "event": {"type": "reaction_added"}, "x": '
        + "[" * 100_000
        + "]" * 100_000
        + "}",
        # The marker, in a body that is not an object.
        '["reaction_added", "reaction_removed"]',
        # Not JSON at all, marker included.
        '{"type": "event_callback", "event": {"type": "reaction_added"',
        # The marker only in a string.
        json.dumps(
            {"type": "event_callback", "event": {"type": "message", "text": '"reaction_added"'}}
        ),
    ],
)
def test_odd_bodies_with_the_intakes_marker_get_a_plain_answer(
    slack: SlackDriver, engine: Engine, raw: str, caplog: pytest.LogCaptureFixture
) -> None:
    deck = launch(slack, engine)[0]
    with caplog.at_level(logging.INFO):
        response = slack.raw(raw, content_type="application/json")
    assert response.status_code in (200, 400, 404), response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The app still takes votes.
    body = event_callback(
        reaction_added(user="U0REP1", reaction="+1", channel=deck.channel, ts=deck.ts)
    )
    assert slack.envelope(body).status_code == 200
    wait_until(lambda: votes(engine, deck.asset_id) == {"U0REP1": "useful"}, what="the vote")


def test_a_form_encoded_reaction_is_never_taken_as_json(slack: SlackDriver, engine: Engine) -> None:
    deck = launch(slack, engine)[0]
    body = event_callback(
        reaction_added(user="U0REP1", reaction="+1", channel=deck.channel, ts=deck.ts)
    )
    response = slack.raw(
        urlencode({"body": json.dumps(body)}), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code < 500
    # Nothing was stored from it: only a real event counts.
    real = event_callback(
        reaction_added(user="U0REP2", reaction="-1", channel=deck.channel, ts=deck.ts)
    )
    assert slack.envelope(real).status_code == 200
    wait_until(lambda: votes(engine, deck.asset_id) == {"U0REP2": "needs_work"}, what="the vote")
