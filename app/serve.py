"""Running the app: HTTP on uvicorn, or Socket Mode, with a bounded graceful shutdown."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType

import uvicorn
from slack_bolt import App
from starlette.routing import BaseRoute
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.assembly import Runtime
from app.oauth_routes import oauth_routes
from app.server import create_asgi
from core.settings import HELP, SettingsError
from handlers.events.reactions import ReactionIntake

logger = logging.getLogger(__name__)

# uvicorn gets this long to finish open requests; the listener pool gets DRAIN_S more.
GRACEFUL_S = 8
DRAIN_S = 5
# A connection must send its request line and headers this soon after it opens (or after
# its previous answer), and its body this soon after the headers, or it is closed. Slack
# sends a whole request at once; a slow sender only holds a socket for this long.
HEADERS_DEADLINE_S = 5.0
BODY_DEADLINE_S = 10.0


class DeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing connections that dawdle over a request.

    uvicorn times out idle keep-alive connections but not one that sends its headers or
    its body a byte at a time; such connections held sockets (and memory) indefinitely.
    """

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm(HEADERS_DEADLINE_S)

    def on_message_begin(self) -> None:
        """A request starts (on a new or a kept-alive connection): its headers are due."""
        super().on_message_begin()
        if self._deadline is None:
            self._arm(HEADERS_DEADLINE_S)

    def on_headers_complete(self) -> None:
        """The headers are in: the body is due."""
        self._arm(BODY_DEADLINE_S)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        """The request is complete: no deadline until the next one begins."""
        self._disarm()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the clock with the connection."""
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def freeze_startup_heap() -> None:
    """Keep what start-up built out of the garbage collector's full passes.

    What is alive once the app is built (modules, Bolt's app, SQLAlchemy's metadata, the
    blame-free lexicons and model) lives as long as the process, and each full collection
    walked all of it: 70-100 ms during which no request was answered (bench/events.py).
    Garbage is collected first, so only live objects are set aside. Once per process,
    by what serves (never by a test that builds many apps in one process).
    """
    gc.collect()
    gc.freeze()


def make_server(
    app: App,
    runtime: Runtime,
    *,
    metrics_port: int | None,
    routes: Sequence[BaseRoute] = (),
    reactions_before_bolt: bool = True,
) -> uvicorn.Server:
    """A uvicorn server for the app (not Bolt's development server); `routes` adds routes.

    `reactions_before_bolt`: reactions are stored in the runtime's inbox and answered
    before Bolt (handlers.events.reactions); False sends every request through Bolt.

    Run it with `server.run(sockets=[...])`: the public socket, and the metrics socket
    whose port is `metrics_port` when metrics have a listener of their own.
    """
    settings = runtime.settings
    config = uvicorn.Config(
        create_asgi(
            app,
            engine=runtime.engine,
            scheduler=runtime.scheduler,
            signing_secret=settings.slack_signing_secret,
            # /slack/install and /slack/oauth_redirect when OAuth is configured.
            routes=[*oauth_routes(app), *routes],
            metrics_token=settings.liaison_metrics_token,
            metrics_port=metrics_port,
            per_person=settings.liaison_listeners_per_person,
            # Reactions are stored before Bolt sees them (durable before acknowledged).
            intake=ReactionIntake(runtime.inbox) if reactions_before_bolt else None,
        ),
        http=DeadlineProtocol,
        # None: uvicorn's records go to the root logger (JSON, redacted), not its own stderr.
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_S,
        lifespan="off",
    )
    return uvicorn.Server(config)


def serve_http(app: App, runtime: Runtime, *, host: str, port: int) -> None:
    """Serve HTTP until SIGTERM or SIGINT, then drain and exit within 15 s."""
    settings = runtime.settings
    sockets = [_listen("PORT", host, port)]
    metrics_port = None
    if settings.liaison_metrics_port:
        metrics_host = settings.liaison_metrics_host
        sockets.append(_listen("LIAISON_METRICS_PORT", metrics_host, settings.liaison_metrics_port))
        metrics_port = settings.liaison_metrics_port
    server = make_server(app, runtime, metrics_port=metrics_port)
    # uvicorn re-raises the signal it caught once it has shut down; with the default
    # handler that would kill the process before drain() lets listeners finish.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _note_signal)
    logger.info("Liaison listening on http://%s:%d/slack/events", host, port)
    if metrics_port is not None:
        logger.info("metrics on http://%s:%d/metrics", settings.liaison_metrics_host, metrics_port)
    server.run(sockets=sockets)
    drain(runtime)


def _note_signal(signum: int, _frame: FrameType | None) -> None:
    logger.info("received signal %d: shutting down", signum)


def serve_socket_mode(app: App, runtime: Runtime, *, app_token: str) -> None:
    """Connect over Socket Mode until SIGTERM or SIGINT."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("received signal %d: closing the Socket Mode connection", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    handler.connect()  # type: ignore[no-untyped-call]
    logger.info("Liaison connected over Socket Mode")
    stop.wait()
    # Listeners ack over the socket, so it stays open until they are done.
    drain(runtime, then=handler.close)


def drain(runtime: Runtime, *, then: Callable[[], object] | None = None) -> None:
    """Let running listeners finish for up to DRAIN_S, run `then`, and exit regardless."""
    deadline = time.monotonic() + DRAIN_S
    # Messages in flight finish; queued ones stay in the outbox for the next start.
    runtime.stop_background(timeout=DRAIN_S / 2)
    runtime.executor.shutdown(wait=False, cancel_futures=True)
    busy = [t for t in threading.enumerate() if t.name.startswith(("listener", "delivery"))]
    for thread in busy:
        thread.join(max(0.0, deadline - time.monotonic()))
    left = [t for t in busy if t.is_alive()]
    if then is not None:
        then()
    runtime.http.close()
    runtime.engine.dispose()
    if left:
        # Unfinished work is left to resume on the next start; never hang past the deadline.
        logger.warning("exiting with %d listener(s) still running", len(left))
        logging.shutdown()
        os._exit(0)


def bound_socket(host: str, port: int) -> socket.socket:
    """A listening socket on `host` (IPv4 or IPv6; port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=128)


def _listen(setting: str, host: str, port: int) -> socket.socket:
    try:
        return bound_socket(host, port)
    except OSError as exc:
        raise SettingsError(
            f"{setting}: cannot listen on {host}:{port} ({exc.strerror or exc}); "
            f"choose a free port ({HELP})."
        ) from None
