from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.db import alembic_config, make_engine, migrate
from models import Asset, Vote, VoteValue, Workspace
from models.enums import Source


def test_migrations_match_the_models(database_url: str) -> None:
    # `alembic check` fails when the models hold something no migration creates.
    command.check(alembic_config(database_url))


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
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


def test_health_check_is_not_blocked_by_a_writer(tmp_path) -> None:  # type: ignore[no-untyped-def]
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
