"""The unit-of-work helpers of core/db.py: writing, reading, writing_or_joining, unit_of_work."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import (
    make_engine,
    migrate,
    reading,
    session_scope_for,
    unit_of_work,
    writing,
    writing_or_joining,
)
from models import Workspace


class Boom(Exception):
    pass


def _teams(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Workspace.team_id).order_by(Workspace.team_id)).all())


def test_writing_commits_when_the_block_ends(engine: Engine) -> None:
    with session_scope_for(engine)() as session:
        with writing(session):
            session.add(Workspace(team_id="T1"))
        assert not session.in_transaction()
    assert _teams(engine) == ["T1"]


def test_writing_rolls_back_when_the_block_raises(engine: Engine) -> None:
    with session_scope_for(engine)() as session:
        with pytest.raises(Boom), writing(session):
            session.add(Workspace(team_id="T1"))
            session.flush()
            raise Boom
        assert not session.in_transaction()
        with writing(session):  # the session is usable again
            session.add(Workspace(team_id="T2"))
    assert _teams(engine) == ["T2"]


def test_writing_rolls_back_a_commit_that_fails(engine: Engine) -> None:
    with unit_of_work(session_scope_for(engine)) as session:
        session.add(Workspace(team_id="T1"))
    with session_scope_for(engine)() as session:
        with pytest.raises(sa.exc.IntegrityError), writing(session):
            session.add(Workspace(team_id="T1"))  # fails at the commit: team ids are unique
        assert not session.in_transaction()
        with writing(session):  # the session is usable again
            session.add(Workspace(team_id="T2"))
    assert _teams(engine) == ["T1", "T2"]


def test_unit_of_work_commits_or_rolls_back_a_new_session(engine: Engine) -> None:
    scope = session_scope_for(engine)
    with unit_of_work(scope) as session:
        session.add(Workspace(team_id="T1"))
    with pytest.raises(Boom), unit_of_work(scope) as session:
        session.add(Workspace(team_id="T2"))
        session.flush()
        raise Boom
    assert _teams(engine) == ["T1"]


def test_reading_holds_no_transaction_after_the_block(engine: Engine) -> None:
    with unit_of_work(session_scope_for(engine)) as session:
        session.add(Workspace(team_id="T1"))
    with session_scope_for(engine)() as session:
        with reading(session):
            assert session.exec(select(Workspace.team_id)).all() == ["T1"]
            assert session.in_transaction()
        assert not session.in_transaction()


def test_reading_keeps_the_callers_open_work(engine: Engine) -> None:
    with session_scope_for(engine)() as session:
        session.add(Workspace(team_id="T1"))
        session.flush()
        with reading(session):
            assert session.exec(select(Workspace.team_id)).all() == ["T1"]
        assert not session.in_transaction()
    assert _teams(engine) == ["T1"]


def test_reading_rolls_back_when_the_block_raises(engine: Engine) -> None:
    with session_scope_for(engine)() as session:
        session.add(Workspace(team_id="T1"))
        session.flush()
        with pytest.raises(Boom), reading(session):
            raise Boom
        assert not session.in_transaction()
    assert _teams(engine) == []


def test_sqlite_reading_takes_no_write_lock_and_frees_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/p.db"
    migrate(url)
    engine = make_engine(url)
    other = engine.raw_connection()
    try:
        other.driver_connection.execute("PRAGMA busy_timeout=50")  # type: ignore[union-attr]
        with session_scope_for(engine)() as session:
            with reading(session):
                session.exec(select(Workspace.id)).all()
                # A reader's transaction leaves the write lock free for others.
                other.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
                other.driver_connection.execute("ROLLBACK")  # type: ignore[union-attr]
            # After the block the session holds no transaction: another connection may write.
            assert not session.in_transaction()
            other.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
            other.driver_connection.execute("ROLLBACK")  # type: ignore[union-attr]
            with writing(session):
                session.add(Workspace(team_id="T1"))
                session.flush()
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
    finally:
        other.close()
        engine.dispose()


def test_steps_do_not_nest_on_one_session(engine: Engine) -> None:
    with session_scope_for(engine)() as session:
        with pytest.raises(RuntimeError, match="reading inside writing"), writing(session):
            session.add(Workspace(team_id="T1"))
            with reading(session):
                pass
        with (
            pytest.raises(RuntimeError, match="writing inside reading"),
            reading(session),
            writing(session),
        ):
            pass
        with writing(session):  # refused steps leave the session usable
            session.add(Workspace(team_id="T2"))
    assert _teams(engine) == ["T2"]


def test_writing_refuses_nothing_across_sessions(engine: Engine) -> None:
    scope = session_scope_for(engine)
    with unit_of_work(scope) as first, unit_of_work(scope) as second:
        assert first is not second
        first.add(Workspace(team_id="T1"))
    assert _teams(engine) == ["T1"]


def test_writing_or_joining_commits_alone(engine: Engine) -> None:
    with session_scope_for(engine)() as session:
        with writing_or_joining(session, commit=True):
            session.add(Workspace(team_id="T1"))
        assert not session.in_transaction()
    assert _teams(engine) == ["T1"]


def test_writing_or_joining_joins_the_callers_step(engine: Engine) -> None:
    with session_scope_for(engine)() as session:
        with pytest.raises(Boom), writing(session):
            with writing_or_joining(session, commit=False):
                session.add(Workspace(team_id="T1"))
            assert session.in_transaction()  # the joined work waits for the caller's step
            raise Boom  # the caller's step fails: the joined work is rolled back with it
        with writing(session):
            with writing_or_joining(session, commit=False):
                session.add(Workspace(team_id="T2"))
            session.add(Workspace(team_id="T3"))
    assert _teams(engine) == ["T2", "T3"]


def test_writing_or_joining_refuses_to_join_no_step(engine: Engine) -> None:
    with session_scope_for(engine)() as session:
        refused = pytest.raises(RuntimeError, match="joining needs a writing step")
        with refused, writing_or_joining(session, commit=False):
            session.add(Workspace(team_id="T1"))
        refused = pytest.raises(RuntimeError, match="joining needs a writing step")
        with refused, reading(session), writing_or_joining(session, commit=False):
            pass
    assert _teams(engine) == []


def test_writing_or_joining_alone_rolls_back_when_the_block_raises(engine: Engine) -> None:
    with session_scope_for(engine)() as session:
        with pytest.raises(Boom), writing_or_joining(session, commit=True):
            session.add(Workspace(team_id="T1"))
            session.flush()
            raise Boom
        assert not session.in_transaction()
    assert _teams(engine) == []
