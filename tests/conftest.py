"""Shared fixtures: the Slack sandbox, a migrated database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), and the real app served over HTTP by uvicorn."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from core.db import make_engine, migrate
from core.settings import Settings
from sandbox import SlackDriver, SlackSandbox
from tests.support.databases import truncate_postgres
from tests.support.serving import (
    ENV_PREFIXES,
    MANIFEST_BOT_SCOPES,
    SIGNING_SECRET,
    Served,
    make_settings,
    serve_app,
    settle_connections,
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's Slack settings or a stray .env file."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SlackSandbox]:
    """One sandbox for the session; it enforces exactly the scopes manifest.yml grants."""
    with SlackSandbox(bot_scopes=MANIFEST_BOT_SCOPES) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_server: SlackSandbox) -> SlackSandbox:
    """The sandbox, reset to its seeded workspace for this test."""
    sandbox_server.reset()
    return sandbox_server


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    """A database of this test session's own on TEST_DATABASE_URL's server, migrated once.

    Its own database, so two runs against one server (a developer and CI) never meet.
    """
    given = _postgres_url()
    if not given:
        pytest.skip("PostgreSQL tests run when TEST_DATABASE_URL is set")
    server = make_url(Settings(database_url=given).database_url)
    name = f"liaison_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    migrate(url)
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database: SQLite always, PostgreSQL when configured."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'liaison.db'}"
        migrate(url)
        return url
    url = request.getfixturevalue("postgres_migrated")
    truncate_postgres(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database."""
    engine = make_engine(database_url)
    yield engine
    settle_connections(engine)
    engine.dispose()


@pytest.fixture
def served(sandbox: SlackSandbox, engine: Engine, database_url: str) -> Iterator[Served]:
    """The app served for this test, talking to the sandbox and the test database."""
    with serve_app(make_settings(sandbox, database_url), engine) as served:
        yield served


@pytest.fixture
def slack(served: Served, sandbox: SlackSandbox) -> Iterator[SlackDriver]:
    """Signed requests into the served app, shaped as Slack sends them."""
    driver = SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox)
    yield driver
    close = getattr(driver, "close", None)
    if close is not None:
        close()
