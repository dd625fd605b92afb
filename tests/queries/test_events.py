"""Claiming an Events API event: once only, whoever asks."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import ProcessedEvent
from queries.events import EVENT_ID_LENGTH, claim_event

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_event_is_claimed_once(engine: Engine) -> None:
    with Session(engine) as session:
        assert claim_event(session, event_id="Ev1", team_id="T1", at=AT) is True
        assert claim_event(session, event_id="Ev1", team_id="T1", at=AT) is False
        assert claim_event(session, event_id="Ev2", team_id="T1", at=AT) is True
        session.commit()
    with Session(engine) as session:
        assert claim_event(session, event_id="Ev1", team_id="T2", at=AT) is False


def test_a_long_event_id_is_cut_to_the_column(engine: Engine) -> None:
    long_id = "E" * (EVENT_ID_LENGTH + 10)
    with Session(engine) as session:
        assert claim_event(session, event_id=long_id, team_id="T1", at=AT) is True
        assert (
            claim_event(session, event_id=long_id[:EVENT_ID_LENGTH], team_id="T1", at=AT) is False
        )
        session.commit()
        [stored] = session.exec(select(ProcessedEvent)).all()
    assert stored.event_id == long_id[:EVENT_ID_LENGTH]
    assert stored.team_id == "T1"
