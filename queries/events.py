"""Processed Events API events: the mark that makes a retried delivery count once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import ProcessedEvent
from queries.prepared import Prepared, column_length, upsert_into

_EVENT: sa.Table = ProcessedEvent.__table__  # type: ignore[attr-defined]
# Longer ids are cut to what the column holds (Slack's are far shorter).
EVENT_ID_LENGTH = column_length(_EVENT.c.event_id)


def _claim(dialect: str) -> sa.Insert:
    # RETURNING, not rowcount: drivers disagree on rowcount after ON CONFLICT DO NOTHING.
    return (
        upsert_into(dialect, _EVENT)
        .values(
            event_id=sa.bindparam("b_event_id"),
            team_id=sa.bindparam("b_team_id"),
            received_at=sa.bindparam("b_received_at"),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(_EVENT.c.event_id)
    )


_CLAIM = Prepared(_claim)


# Slack-keyed: processed event ids are Slack's, per team.
def claim_event(session: Session, *, event_id: str, team_id: str, at: datetime) -> bool:
    """Mark an event handled at `at`; False when it already was (by any instance)."""
    row = session.execute(
        _CLAIM.on(session),
        {"b_event_id": event_id[:EVENT_ID_LENGTH], "b_team_id": team_id, "b_received_at": at},
    ).first()
    return row is not None
