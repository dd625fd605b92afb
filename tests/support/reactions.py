"""Reactions on announced assets sent into the served app, and the votes they leave."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import ProcessedEvent, Vote
from sandbox import SlackDriver, event_callback, reaction_added, reaction_removed
from tests.support.launching import Posted
from tests.support.waiting import wait_until


def votes(engine: Engine, asset_id: int) -> dict[str, str]:
    """Each person's vote on an asset."""
    with Session(engine) as session:
        rows = session.exec(select(Vote).where(Vote.asset_id == asset_id)).all()
    return {v.user_id: v.value for v in rows}


def handled(engine: Engine, event_id: str) -> bool:
    """Whether the event with this id was processed."""
    with Session(engine) as session:
        return session.get(ProcessedEvent, event_id) is not None


def react(
    slack: SlackDriver,
    posted: Posted,
    user: str,
    reaction: str,
    *,
    added: bool = True,
    event_ts: str | None = None,
) -> dict[str, Any]:
    """Send one reaction event; returns the full body (to replay it as a retry)."""
    make = reaction_added if added else reaction_removed
    body = event_callback(
        make(user=user, reaction=reaction, channel=posted.channel, ts=posted.ts, event_ts=event_ts)
    )
    response = slack.envelope(body)
    assert response.status_code == 200, response.text
    return body


def settle(slack: SlackDriver, engine: Engine, posted: Posted, *sent: dict[str, Any]) -> None:
    """Wait until the events sent so far have been processed (events run after the ack).

    Events that change something are waited for by id; ignored ones leave no trace, so a
    marker event sent after them, plus a short grace, stands in for them.
    """
    marker = react(slack, posted, "U0MARKER", "dart")
    for body in (*sent, marker):
        wait_until(
            lambda body=body: handled(engine, body["event_id"]),  # type: ignore[misc]
            what="the events to be processed",
        )
    time.sleep(0.3)
