"""The delivery outbox seen from outside: its open rows, and the posts it left in Slack."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import OutboxMessage, OutboxStatus
from sandbox import SlackSandbox


def delivered(engine: Engine) -> bool:
    """Whether nothing is left to send and the marketer's summary is queued or sent."""
    with Session(engine) as session:
        open_rows = session.exec(
            select(sa.func.count())
            .where(sa.column("status").in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
            .select_from(OutboxMessage)
        ).one()
        summaries = session.exec(
            select(sa.func.count())
            .where(OutboxMessage.kind == "summary")
            .select_from(OutboxMessage)
        ).one()
    return open_rows == 0 and summaries > 0


def outbox(engine: Engine) -> list[OutboxMessage]:
    """Every outbox row, in the order they were queued."""
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def open_rows(engine: Engine) -> int:
    """How many outbox rows are still pending or being sent."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT count(*) FROM outbox_message WHERE status IN ('pending', 'sending')"
                )
            ).scalar_one()
        )


def thread_replies(sandbox: SlackSandbox, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    """Liaison's replies in a thread, oldest first (not the parent)."""
    found = sandbox.find_messages(channel, event_type="liaison_outbox", thread_ts=thread_ts)
    return [m for m in found if m["ts"] != thread_ts]


def posted_ids(sandbox: SlackSandbox, channels: list[str]) -> list[int]:
    """Outbox ids of every announcement and thread reply in `channels`."""
    ids: list[int] = []
    for channel in channels:
        for parent in sandbox.find_messages(channel, event_type="liaison_outbox"):
            ids.append(parent["metadata"]["event_payload"]["id"])
            for reply in thread_replies(sandbox, channel, parent["ts"]):
                ids.append(reply["metadata"]["event_payload"]["id"])
    return ids
