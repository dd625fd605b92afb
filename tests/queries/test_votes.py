"""The reaction path's statements: tracked messages, votes latest-wins, reaction memory."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Asset, Source, Vote, VoteValue
from queries.votes import (
    StoredReactions,
    TrackedMessage,
    clear_reaction_vote,
    lock_person_on_asset,
    store_reactions,
    stored_reactions,
    tracked_message,
    upsert_vote,
)
from sandbox.constants import TEAM_ID
from tests.support.inbox import CHANNEL, T0, TS, add_tracked_asset


def _workspace_of(engine: Engine, asset_id: int) -> int:
    with Session(engine) as session:
        asset = session.get(Asset, asset_id)
        assert asset is not None
        return asset.workspace_id


def _votes(engine: Engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        return [(v.user_id, v.value, v.source) for v in session.exec(select(Vote)).all()]


def test_a_tracked_message_names_its_asset_and_owner(engine: Engine) -> None:
    asset_id = add_tracked_asset(engine)
    workspace_id = _workspace_of(engine, asset_id)
    with Session(engine) as session:
        found = tracked_message(session, team_id=TEAM_ID, channel_id=CHANNEL, ts=TS)
        assert found == TrackedMessage(workspace_id, asset_id, "U0MKT1")
        assert tracked_message(session, team_id=TEAM_ID, channel_id=CHANNEL, ts="1.0") is None
        assert tracked_message(session, team_id="T0OTHER", channel_id=CHANNEL, ts=TS) is None


def test_the_latest_vote_wins(engine: Engine) -> None:
    asset_id = add_tracked_asset(engine)
    workspace_id = _workspace_of(engine, asset_id)
    with Session(engine) as session:
        ids = [
            upsert_vote(
                session,
                workspace_id=workspace_id,
                asset_id=asset_id,
                user_id="U1",
                value=value,
                source=source,
                at=at,
            )
            for value, source, at in (
                (VoteValue.USEFUL, Source.REACTION, T0),
                (VoteValue.NEEDS_WORK, Source.BUTTON, T0 + timedelta(minutes=2)),
                (VoteValue.USEFUL, Source.REACTION, T0 + timedelta(minutes=1)),  # older: kept out
            )
        ]
        session.commit()
    assert isinstance(ids[0], int)
    assert ids[1] == ids[0]  # the same row, updated
    assert ids[2] is None
    assert _votes(engine) == [("U1", "needs_work", "button")]


def test_only_an_older_reaction_vote_is_cleared(engine: Engine) -> None:
    asset_id = add_tracked_asset(engine)
    workspace_id = _workspace_of(engine, asset_id)
    with Session(engine) as session:
        for user, source in (("U1", Source.REACTION), ("U2", Source.BUTTON)):
            upsert_vote(
                session,
                workspace_id=workspace_id,
                asset_id=asset_id,
                user_id=user,
                value=VoteValue.USEFUL,
                source=source,
                at=T0,
            )
        lock_person_on_asset(session, asset_id=asset_id, user_id="U1")
        earlier = T0 - timedelta(seconds=1)
        assert not clear_reaction_vote(session, asset_id=asset_id, user_id="U1", at=earlier)
        assert not clear_reaction_vote(session, asset_id=asset_id, user_id="U2", at=T0)
        assert clear_reaction_vote(session, asset_id=asset_id, user_id="U1", at=T0)
        session.commit()
    assert _votes(engine) == [("U2", "useful", "button")]


def test_reaction_memory_is_stored_and_replaced(engine: Engine) -> None:
    asset_id = add_tracked_asset(engine)
    workspace_id = _workspace_of(engine, asset_id)
    first = StoredReactions("useful", T0, "[]", used=False, used_at=None)
    removals = json.dumps([["needs_work", T0.isoformat()]])
    second = StoredReactions(None, None, removals, used=True, used_at=T0 + timedelta(hours=1))
    with Session(engine) as session:
        assert stored_reactions(session, asset_id=asset_id, user_id="U1") is None
        for reactions in (first, second):
            store_reactions(
                session,
                workspace_id=workspace_id,
                asset_id=asset_id,
                user_id="U1",
                reactions=reactions,
                now=T0,
            )
        session.commit()
    with Session(engine) as session:
        found = stored_reactions(session, asset_id=asset_id, user_id="U1")
        assert stored_reactions(session, asset_id=asset_id, user_id="U2") is None
    assert found is not None
    assert (found.vote, found.vote_at, found.removals, found.used) == (None, None, removals, True)
    assert found.used_at is not None
    assert found.used_at.replace(tzinfo=None) == (T0 + timedelta(hours=1)).replace(tzinfo=None)
