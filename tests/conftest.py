"""Shared fixtures: the Slack sandbox, a migrated database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), and the real app served over HTTP by uvicorn."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from slack_bolt import App
from sqlalchemy.engine import Engine, make_url

from app.assembly import Runtime, create_app, create_runtime
from app.serve import bound_socket, make_server
from core.db import make_engine, migrate
from core.settings import Settings
from sandbox import SlackDriver, SlackSandbox

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())
MANIFEST_BOT_SCOPES = tuple(MANIFEST["oauth_config"]["scopes"]["bot"])
ENV_PREFIXES = ("SLACK_", "DATABASE_URL", "PORT", "LIAISON_")


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


def _truncate(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        if tables:
            quoted = ", ".join(f'"{t}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database: SQLite always, PostgreSQL when configured."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'liaison.db'}"
        migrate(url)
        return url
    url = request.getfixturevalue("postgres_migrated")
    _truncate(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database."""
    engine = make_engine(database_url)
    yield engine
    settle_connections(engine)
    engine.dispose()


def settle_connections(engine: Engine, timeout_s: float = 10.0) -> None:
    """Wait for the connections a test's threads still hold to come back to the pool.

    A listener still running past its ack, a scheduled job or a worker finishing its row
    may hold one when the test ends. Disposed under them, the engine would leave that
    connection to the garbage collector, whose ResourceWarning (psycopg: "deleted while
    still open") then failed whichever later test was running.
    """
    checked_out = getattr(engine.pool, "checkedout", None)
    if checked_out is None:  # pools that keep no count (SQLite's NullPool)
        return
    deadline = time.monotonic() + timeout_s
    while checked_out() and time.monotonic() < deadline:
        time.sleep(0.02)


def make_settings(sandbox: SlackSandbox, database_url: str, **overrides: object) -> Settings:
    """Settings that point the app at the sandbox and the test database."""
    values: dict[str, object] = {
        "slack_bot_token": sandbox.BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": sandbox.api_url,
        "database_url": database_url,
        "liaison_allow_private_urls": True,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class Served:
    """The app running over real HTTP."""

    url: str
    app: App
    runtime: Runtime
    # The loopback listener that serves /metrics (as `serve` opens on LIAISON_METRICS_PORT).
    metrics_url: str

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"


@contextmanager
def serve_app(settings: Settings, engine: Engine, *, background: bool = True) -> Iterator[Served]:
    """Run the real Bolt app behind uvicorn on a free loopback port.

    `background` also starts the delivery worker and the scheduler, as `serve` does.
    """
    runtime = create_runtime(settings, engine)
    app = create_app(runtime)
    if background:
        runtime.start_background()
    sock = bound_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    metrics_sock = bound_socket("127.0.0.1", 0)
    metrics_port = metrics_sock.getsockname()[1]
    server = make_server(app, runtime, metrics_port=metrics_port)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock, metrics_sock]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield Served(
            url=f"http://127.0.0.1:{port}",
            app=app,
            runtime=runtime,
            metrics_url=f"http://127.0.0.1:{metrics_port}/metrics",
        )
    finally:  # a failed test stops its app too, rather than leave its threads to the next
        server.should_exit = True
        thread.join(10)
        runtime.stop_background()
        runtime.executor.shutdown(wait=True)
        runtime.http.close()
        sock.close()
        metrics_sock.close()
        settle_connections(engine)


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
