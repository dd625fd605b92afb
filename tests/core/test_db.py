from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.db import alembic_config, begin_read, make_engine, migrate, session_scope_for
from models import Asset, Vote, VoteValue, Workspace
from models.enums import Source


def test_migrations_match_the_models(database_url: str) -> None:
    # `alembic check` fails when the models hold something no migration creates.
    command.check(alembic_config(database_url))


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/p.db")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_downgrade_and_upgrade_again(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    migrate(database_url)
    command.check(config)


def _workspace_with_asset(session: Session) -> tuple[int, int]:
    workspace = Workspace(team_id="T1")
    session.add(workspace)
    session.flush()
    assert workspace.id is not None
    asset = Asset(
        workspace_id=workspace.id,
        number=1,
        handle="PD-1",
        title="t",
        url="https://e/",
        url_key="k",
        added_by="U1",
    )
    session.add(asset)
    session.flush()
    assert asset.id is not None
    return workspace.id, asset.id


def test_one_vote_per_person_per_asset(engine: Engine) -> None:
    with Session(engine) as session:
        workspace_id, asset_id = _workspace_with_asset(session)
        for _ in range(2):
            session.add(
                Vote(
                    workspace_id=workspace_id,
                    asset_id=asset_id,
                    user_id="U1",
                    value=VoteValue.USEFUL,
                    source=Source.REACTION,
                )
            )
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(
            Vote(
                workspace_id=999,
                asset_id=999,
                user_id="U1",
                value=VoteValue.USEFUL,
                source=Source.REACTION,
            )
        )
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()


def test_times_come_back_as_utc(engine: Engine) -> None:
    with Session(engine) as session:
        _workspace_with_asset(session)
        session.commit()
    with Session(engine) as session:
        asset = session.exec(sa.select(Asset)).scalar_one()  # type: ignore[call-overload]
        assert asset.created_at.utcoffset() is not None
        assert asset.created_at.utcoffset().total_seconds() == 0


def test_health_check_is_not_blocked_by_a_writer(tmp_path: Path) -> None:
    from core.db import ping

    url = f"sqlite:///{tmp_path}/lock.db"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        session.add(Workspace(team_id="T1"))
        session.flush()  # holds SQLite's write lock until commit
        assert ping(engine)
        session.commit()
    engine.dispose()


def test_sqlite_commits_survive_power_loss(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/p.db")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()


def test_a_reader_never_waits_for_sqlites_write_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/p.db"
    migrate(url)
    engine = make_engine(url)
    write, read = session_scope_for(engine), session_scope_for(engine, read_only=True)
    try:
        with write() as writer:
            _workspace_with_asset(writer)  # holds the write lock until the commit below
            started = time.perf_counter()
            with read() as reader:
                # The snapshot before the writer's commit: nothing yet, and no waiting.
                assert reader.execute(sa.select(sa.func.count()).select_from(Asset)).scalar() == 0
            assert time.perf_counter() - started < 1  # busy_timeout is 15 s
            # A second writer, by contrast, cannot begin while the first holds the lock.
            blocked = engine.raw_connection()
            try:
                blocked.driver_connection.execute("PRAGMA busy_timeout=50")  # type: ignore[union-attr]
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    blocked.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
            finally:
                blocked.close()
            writer.commit()
        with read() as reader:
            assert reader.execute(sa.select(sa.func.count()).select_from(Asset)).scalar() == 1
    finally:
        engine.dispose()


def test_a_read_scope_refuses_writes_on_postgresql(postgres_migrated: str) -> None:
    engine = make_engine(postgres_migrated)
    read = session_scope_for(engine, read_only=True)
    try:
        with read() as reader, pytest.raises(sa.exc.InternalError, match="read-only"):
            _workspace_with_asset(reader)
    finally:
        engine.dispose()


def test_begin_read_covers_one_transaction_then_writes_take_the_lock_again(
    engine: Engine,
) -> None:
    write = session_scope_for(engine)
    with write() as session:
        begin_read(session)
        assert session.execute(sa.select(sa.func.count()).select_from(Workspace)).scalar() == 0
        with pytest.raises(RuntimeError):
            begin_read(session)  # only at the start of a transaction
        session.rollback()
        workspace_id, _ = _workspace_with_asset(session)  # a write transaction again
        session.commit()
    with write() as session:
        assert session.get(Workspace, workspace_id) is not None
