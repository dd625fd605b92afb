"""Migration 0008: a reaction log becomes per-person state that means the same, both ways."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.gauges import read_database
from core.db import alembic_config, migrate
from domain.votes import (
    LoggedReaction,
    ReactionMemory,
    ReactionState,
    Verdict,
    fold_reactions,
    remembered_state,
)
from models import (
    DigestRun,
    DigestStatus,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Workspace,
    as_utc,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PEOPLE = [f"U0PERSON{n}" for n in range(12)]


def _seed_old_schema(engine: Engine) -> dict[tuple[int, str], list[LoggedReaction]]:
    """Two assets, a dozen people, random reaction histories stored in random order."""
    chance = random.Random(13)
    logged: dict[tuple[int, str], list[LoggedReaction]] = {}
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO workspace (team_id, name, digest_weekday, "
                "digest_time, timezone, launch_policy, next_asset_number, created_at, updated_at, "
                "digest_shared_allowed) VALUES ('T0MIGRATE', '', 0, '09:00', 'UTC', 'everyone', 3, "
                ":now, :now, false)"
            ),
            {"now": T0},
        )
        workspace_id = connection.execute(sa.text("SELECT id FROM workspace")).scalar_one()
        assets = []
        for number in (1, 2):
            connection.execute(
                sa.text(
                    "INSERT INTO asset (workspace_id, number, handle, title, url, url_key, "
                    "added_by, created_at) VALUES (:w, :n, :h, 'Deck', 'https://e.com', :k, "
                    "'U0MKT', :now)"
                ),
                {"w": workspace_id, "n": number, "h": f"PD-{number}", "k": f"k{number}", "now": T0},
            )
        assets = list(connection.execute(sa.text("SELECT id FROM asset ORDER BY id")).scalars())
        rows = []
        for asset_id in assets:
            for person in PEOPLE:
                events = [
                    (chance.choice(list(Verdict)), chance.random() < 0.6, chance.randrange(8))
                    for _ in range(chance.randrange(0, 10))
                ]
                for verdict, added, seconds in events:
                    rows.append((asset_id, person, verdict, added, T0 + timedelta(seconds=seconds)))
        chance.shuffle(rows)
        for seq, (asset_id, person, verdict, added, at) in enumerate(rows):
            connection.execute(
                sa.text(
                    "INSERT INTO reaction_log (asset_id, user_id, verdict, added, at) "
                    "VALUES (:a, :u, :v, :added, :at)"
                ),
                {"a": asset_id, "u": person, "v": verdict.value, "added": added, "at": at},
            )
            logged.setdefault((asset_id, person), []).append(
                LoggedReaction(verdict, added, at, seq=seq)
            )
    return logged


def _states(engine: Engine) -> dict[tuple[int, str], ReactionState]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT asset_id, user_id, vote, vote_at, removals, used, used_at "
                "FROM reaction_state"
            ).columns(vote_at=sa.DateTime(), used_at=sa.DateTime())
        ).all()
    states = {}
    for asset_id, user, vote, vote_at, removals, used, used_at in rows:
        memory = ReactionMemory(
            vote=Verdict(vote) if vote else None,
            vote_at=as_utc(vote_at) if vote_at else None,
            removals=tuple(
                (Verdict(v), datetime.fromisoformat(at)) for v, at in json.loads(removals)
            ),
            used=bool(used),
            used_at=as_utc(used_at) if used_at else None,
        )
        states[(asset_id, user)] = remembered_state(memory)
    return states


def _folded_log(engine: Engine) -> dict[tuple[int, str], ReactionState]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT asset_id, user_id, verdict, added, at, id FROM reaction_log").columns(
                at=sa.DateTime()
            )
        ).all()
    logged: dict[tuple[int, str], list[LoggedReaction]] = {}
    for asset_id, user, verdict, added, at, seq in rows:
        logged.setdefault((asset_id, user), []).append(
            LoggedReaction(Verdict(verdict), bool(added), as_utc(at), seq=seq)
        )
    return {key: fold_reactions(events) for key, events in logged.items()}


def test_the_reaction_log_is_folded_into_state_that_replays_the_same(
    engine: Engine, database_url: str
) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0006")
    try:
        logged = _seed_old_schema(engine)
        migrate(database_url)
        expected = {key: fold_reactions(events) for key, events in logged.items()}
        assert _states(engine) == expected
        assert len(expected) > 20
        with engine.connect() as connection:
            assert not sa.inspect(connection).has_table("reaction_log")
        # Down again: a log whose replay is the same state.
        command.downgrade(config, "0006")
        assert _folded_log(engine) == expected
    finally:
        migrate(database_url)


def test_counts_start_from_the_rows_there_and_posted_digests_leave_claimed(
    engine: Engine, database_url: str
) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0006")
    try:
        start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        with Session(engine) as session:
            workspace = Workspace(team_id="T0OLD")
            session.add(workspace)
            session.flush()
            assert workspace.id is not None
            for week, status in ((0, OutboxStatus.SENT), (1, OutboxStatus.PENDING)):
                period = start + timedelta(weeks=week)
                session.add(
                    DigestRun(
                        workspace_id=workspace.id,
                        period_start=period,
                        period_end=period + timedelta(weeks=1),
                    )
                )
                session.add(
                    OutboxMessage(
                        workspace_id=workspace.id,
                        dedupe_key=f"digest:{workspace.id}:{period.isoformat()}",
                        kind=OutboxKind.DIGEST,
                        channel_id="C0LEADS",
                        payload="{}",
                        status=status,
                        ts="1.5" if status is OutboxStatus.SENT else None,
                        sent_at=period if status is OutboxStatus.SENT else None,
                    )
                )
            session.commit()
        migrate(database_url)
        with Session(engine) as session:
            runs = session.exec(select(DigestRun).order_by(col(DigestRun.period_start))).all()
        assert [(r.status, r.ts) for r in runs] == [
            (DigestStatus.POSTED, "1.5"),
            (DigestStatus.CLAIMED, None),
        ]
        state = read_database(engine)
        assert state.outbox == {("sent", "digest"): 1, ("pending", "digest"): 1}
        assert state.digest_runs == {"posted": 1, "claimed": 1}
    finally:
        migrate(database_url)
