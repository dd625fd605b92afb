"""Votes on assets and what a person's reactions on an asset left: the reaction path's SQL.

Every statement here runs once per reaction event, so each is built once per dialect
(queries.prepared) and bound per call.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from models import (
    Asset,
    AssetMessage,
    Campaign,
    PersonReactions,
    Source,
    Vote,
    VoteValue,
    Workspace,
)
from queries.prepared import Prepared, dialect_of, upsert_into

_VOTE: sa.Table = Vote.__table__  # type: ignore[attr-defined]
_STATE: sa.Table = PersonReactions.__table__  # type: ignore[attr-defined]


class TrackedMessage(NamedTuple):
    """A message Liaison posted for an asset: reactions on it are votes on that asset."""

    workspace_id: int
    asset_id: int
    owner_id: str  # the campaign's marketer, else whoever added the asset


class StoredReactions(NamedTuple):
    """One person's reaction memory on one asset, as stored (`removals` is JSON)."""

    vote: str | None
    vote_at: datetime | None
    removals: str
    used: bool
    used_at: datetime | None


def _tracked(_dialect: str) -> sa.Select[int, int, str]:
    return (
        sa.select(
            col(AssetMessage.workspace_id),
            col(AssetMessage.asset_id),
            sa.func.coalesce(col(Campaign.marketer_id), col(Asset.added_by)),
        )
        .join(Workspace, col(Workspace.id) == col(AssetMessage.workspace_id))
        .join(Asset, col(Asset.id) == col(AssetMessage.asset_id))
        .outerjoin(Campaign, col(Campaign.id) == col(Asset.campaign_id))
        .where(
            col(Workspace.team_id) == sa.bindparam("b_team_id"),
            col(AssetMessage.channel_id) == sa.bindparam("b_channel_id"),
            col(AssetMessage.ts) == sa.bindparam("b_ts"),
        )
    )


def _lock(_dialect: str) -> sa.Select[None]:
    return sa.select(
        sa.func.pg_advisory_xact_lock(
            sa.func.hashtextextended(sa.bindparam("b_key", type_=sa.Text), 0)
        )
    )


def _memory(
    _dialect: str,
) -> sa.Select[str | None, datetime | None, str, bool, datetime | None]:
    state = _STATE
    return sa.select(
        state.c.vote, state.c.vote_at, state.c.removals, state.c.used, state.c.used_at
    ).where(
        state.c.asset_id == sa.bindparam("b_asset_id"),
        state.c.user_id == sa.bindparam("b_user_id"),
    )


def _remember(dialect: str) -> sa.Insert:
    state = _STATE
    at_type = state.c.updated_at.type
    values = upsert_into(dialect, state).values(
        workspace_id=sa.bindparam("b_workspace_id"),
        asset_id=sa.bindparam("b_asset_id"),
        user_id=sa.bindparam("b_user_id"),
        vote=sa.bindparam("b_vote"),
        vote_at=sa.bindparam("b_vote_at", type_=at_type),
        removals=sa.bindparam("b_removals"),
        used=sa.bindparam("b_used", type_=sa.Boolean),
        used_at=sa.bindparam("b_used_at", type_=at_type),
        updated_at=sa.bindparam("b_now", type_=at_type),
    )
    return values.on_conflict_do_update(
        index_elements=["asset_id", "user_id"],
        set_={
            name: getattr(values.excluded, name)
            for name in ("vote", "vote_at", "removals", "used", "used_at", "updated_at")
        },
    )


def _vote(dialect: str) -> sa.Insert:
    values = upsert_into(dialect, _VOTE).values(
        workspace_id=sa.bindparam("b_workspace_id"),
        asset_id=sa.bindparam("b_asset_id"),
        user_id=sa.bindparam("b_user_id"),
        value=sa.bindparam("b_value"),
        source=sa.bindparam("b_source"),
        created_at=sa.bindparam("b_at", type_=_VOTE.c.created_at.type),
    )
    return values.on_conflict_do_update(
        index_elements=["asset_id", "user_id"],
        set_={
            "value": values.excluded.value,
            "source": values.excluded.source,
            "created_at": values.excluded.created_at,
        },
        where=_VOTE.c.created_at <= values.excluded.created_at,
    ).returning(_VOTE.c.id)


def _clear(_dialect: str) -> sa.Delete:
    return sa.delete(_VOTE).where(
        _VOTE.c.asset_id == sa.bindparam("b_asset_id"),
        _VOTE.c.user_id == sa.bindparam("b_user_id"),
        _VOTE.c.source == Source.REACTION.value,
        _VOTE.c.created_at <= sa.bindparam("b_at", type_=_VOTE.c.created_at.type),
    )


_TRACKED = Prepared(_tracked)
_LOCK = Prepared(_lock)
_MEMORY = Prepared(_memory)
_REMEMBER = Prepared(_remember)
_VOTE_UPSERT = Prepared(_vote)
_CLEAR = Prepared(_clear)


# Slack-keyed: a reaction names its message by team, channel and ts (one prepared query).
def tracked_message(
    session: Session, *, team_id: str, channel_id: str, ts: str
) -> TrackedMessage | None:
    """The asset a message of this workspace was posted for, if Liaison posted it."""
    row = session.execute(
        _TRACKED.on(session), {"b_team_id": team_id, "b_channel_id": channel_id, "b_ts": ts}
    ).first()
    return TrackedMessage(int(row[0]), int(row[1]), str(row[2])) if row is not None else None


def lock_person_on_asset(session: Session, *, asset_id: int, user_id: str) -> None:
    """Serialise one person's reactions on one asset across instances until commit.

    PostgreSQL takes a transaction-scoped advisory lock on the pair; SQLite needs none,
    its transactions take its single write lock up front (BEGIN IMMEDIATE).
    """
    if dialect_of(session) == "postgresql":
        session.execute(_LOCK.on(session), {"b_key": f"vote:{asset_id}:{user_id}"})


def stored_reactions(session: Session, *, asset_id: int, user_id: str) -> StoredReactions | None:
    """What this person's earlier reactions on the asset left (one row, however many)."""
    row = session.execute(
        _MEMORY.on(session), {"b_asset_id": asset_id, "b_user_id": user_id}
    ).first()
    if row is None:
        return None
    return StoredReactions(row[0], row[1], row[2], bool(row[3]), row[4])


def store_reactions(
    session: Session,
    *,
    workspace_id: int,
    asset_id: int,
    user_id: str,
    reactions: StoredReactions,
    now: datetime,
) -> None:
    """Insert or replace this person's reaction memory on the asset."""
    session.execute(
        _REMEMBER.on(session),
        {
            "b_workspace_id": workspace_id,
            "b_asset_id": asset_id,
            "b_user_id": user_id,
            "b_vote": reactions.vote,
            "b_vote_at": reactions.vote_at,
            "b_removals": reactions.removals,
            "b_used": reactions.used,
            "b_used_at": reactions.used_at,
            "b_now": now,
        },
    )


def upsert_vote(
    session: Session,
    *,
    workspace_id: int,
    asset_id: int,
    user_id: str,
    value: VoteValue,
    source: Source,
    at: datetime,
) -> int | None:
    """Store a person's vote on an asset unless a later one is stored; the vote's id, or
    None when a later vote stood.

    One statement (INSERT … ON CONFLICT DO UPDATE … WHERE older), so two instances racing
    on one person's vote leave exactly one row holding the latest verdict.
    """
    row = session.execute(
        _VOTE_UPSERT.on(session),
        {
            "b_workspace_id": workspace_id,
            "b_asset_id": asset_id,
            "b_user_id": user_id,
            "b_value": value.value,
            "b_source": source.value,
            "b_at": at,
        },
    ).first()
    return int(row[0]) if row is not None else None


def clear_reaction_vote(session: Session, *, asset_id: int, user_id: str, at: datetime) -> bool:
    """Delete the person's reaction vote on the asset if it is no newer than `at`."""
    result = session.execute(
        _CLEAR.on(session), {"b_asset_id": asset_id, "b_user_id": user_id, "b_at": at}
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
