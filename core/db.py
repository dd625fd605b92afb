"""Database engine, session scope and migrations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.util import CommandError as AlembicError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from core.settings import HELP, SettingsError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

SessionScope = Callable[[], AbstractContextManager[Session]]


# Every thread that may hold a session at once: 16 listener threads, the delivery
# dispatcher, the home refresher, scheduler jobs and the link checks. A smaller pool made
# listeners wait 30 s for a connection and fail after Slack's ack (a vote lost).
POOL_SIZE = 24
POOL_OVERFLOW = 16

# An execution option: transactions on a connection carrying it only read. On SQLite they
# begin DEFERRED (a WAL snapshot that never takes, nor waits for, the write lock); on
# PostgreSQL they are READ ONLY (a write in one fails loudly).
READ_ONLY = "liaison_read_only"


def conflict_insert(dialect: str) -> Any:
    """The dialect's `insert()` that knows ON CONFLICT (SQLite and PostgreSQL both do)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 15}, **kwargs
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    # A database that stops answering must fail health checks, not hang them.
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    engine = sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    if url.startswith("postgresql"):
        sa.event.listen(engine, "begin", _postgresql_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event open transactions itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers (healthz, App Home) run while a writer holds the lock.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    # FULL: a commit we acknowledged survives a power cut, not only a crash of the process
    # (NORMAL in WAL mode may lose the last commits on power loss). Measured: see README.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    options = connection.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return  # plain reads such as the health check take no lock at all
    if options.get(READ_ONLY):
        # A reader: WAL gives it a snapshot; it never queues behind (nor blocks) a writer.
        connection.exec_driver_sql("BEGIN DEFERRED")
        return
    # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
    # writes fails at once with "database is locked" when another writer got in between,
    # which busy_timeout cannot retry.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _postgresql_begin(connection: sa.Connection) -> None:
    if connection.get_execution_options().get(READ_ONLY):
        # The first statement of the transaction psycopg has just begun.
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")


def session_scope_for(engine: Engine, *, read_only: bool = False) -> SessionScope:
    """Return a factory of session scopes bound to one engine.

    `read_only`: every transaction of these sessions only reads (see READ_ONLY): for
    paths that only look things up, so that they never wait for a writer on SQLite.
    """
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine

    @contextmanager
    def scope() -> Iterator[Session]:
        session = Session(bind, expire_on_commit=False)
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    return scope


def begin_read(session: Session) -> None:
    """Begin the session's next transaction as a read only (no write lock on SQLite).

    For a unit of work that writes a little and then reads a lot (a digest): call it when
    no transaction is open, read, then end the transaction (rollback or commit).
    """
    if session.in_transaction():
        raise RuntimeError("begin_read needs a session with no transaction open")
    session.connection(execution_options={READ_ONLY: True})


# Set in `session.info` while a `writing` or `reading` block runs on that session.
_IN_STEP = "liaison_unit_of_work"


@contextmanager
def writing(session: Session) -> Iterator[Session]:
    """One unit of work on this session: committed when the block ends, rolled back if it raises.

    Blocks do not nest on one session: an inner block's commit would end the outer's
    transaction halfway.
    """
    _enter(session, "writing")
    try:
        yield session
        session.commit()  # inside: a commit that fails (a unique key taken) is rolled back too
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_IN_STEP, None)


@contextmanager
def reading(session: Session) -> Iterator[Session]:
    """Reads whose transaction ends with the block, so no transaction spans what follows.

    For "read, then call Slack or the web, then write": the network call comes after the
    block, holding nothing. With no transaction open, the block's begins read only (no
    write lock on SQLite); one the caller had open is committed at the end, not dropped.
    """
    _enter(session, "reading")
    try:
        if not session.in_transaction():
            begin_read(session)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_IN_STEP, None)


@contextmanager
def writing_or_joining(session: Session, *, commit: bool) -> Iterator[Session]:
    """A `writing` step (commit=True), or work that joins the writing step the caller has open.

    For a use case that is a whole unit of work alone but part of a larger one elsewhere
    (a launch prepared and its "scheduled for" note queued in one transaction). Joining
    with no writing step open is refused: nothing would commit the work.
    """
    if commit:
        with writing(session):
            yield session
        return
    if session.info.get(_IN_STEP) != "writing":
        raise RuntimeError("joining needs a writing step open on the same session")
    yield session


@contextmanager
def unit_of_work(scope: SessionScope) -> Iterator[Session]:
    """A new session from `scope` whose work is committed at the end (see `writing`)."""
    with scope() as session, writing(session):
        yield session


def _enter(session: Session, step: str) -> None:
    running = session.info.get(_IN_STEP)
    if running is not None:
        raise RuntimeError(f"{step} inside {running} on the same session")
    session.info[_IN_STEP] = step


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at our migrations folder and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser treats % as interpolation; URLs may contain escaped characters.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def migrate_or_explain(url: str) -> None:
    """Apply migrations; a database that cannot be used becomes one SettingsError line."""
    try:
        migrate(url)
    except (SQLAlchemyError, AlembicError, OSError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise SettingsError(
            f"DATABASE_URL could not be used: {type(exc).__name__}: {first} ({HELP})."
        ) from None


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False
