"""The real app served over HTTP by uvicorn, with settings that point it at the sandbox."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from slack_bolt import App
from sqlalchemy.engine import Engine

from app.assembly import Runtime, create_app, create_runtime
from app.serve import bound_socket, make_server
from core.settings import Settings
from sandbox import SlackSandbox

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())
MANIFEST_BOT_SCOPES = tuple(MANIFEST["oauth_config"]["scopes"]["bot"])
# The environment variables the app reads; no test sees the developer's.
ENV_PREFIXES = ("SLACK_", "DATABASE_URL", "PORT", "LIAISON_")


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
    # Failing here names the test whose threads kept a connection, not a later one.
    assert not checked_out(), f"{checked_out()} connection(s) still held after {timeout_s} s"


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
