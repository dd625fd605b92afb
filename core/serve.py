"""Running the app: HTTP on uvicorn, or Socket Mode, with a bounded graceful shutdown."""

from __future__ import annotations

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

from core.app import Runtime
from core.oauth_routes import oauth_routes
from core.server import create_asgi

logger = logging.getLogger(__name__)

# uvicorn gets this long to finish open requests; the listener pool gets DRAIN_S more.
GRACEFUL_S = 8
DRAIN_S = 5


def make_server(
    app: App, runtime: Runtime, *, host: str, port: int, routes: Sequence[BaseRoute] = ()
) -> uvicorn.Server:
    """A uvicorn server for the app (not Bolt's development server); `routes` adds routes."""
    config = uvicorn.Config(
        create_asgi(
            app,
            engine=runtime.engine,
            scheduler=runtime.scheduler,
            # /slack/install and /slack/oauth_redirect when OAuth is configured.
            routes=[*oauth_routes(app), *routes],
            metrics_token=runtime.settings.liaison_metrics_token,
        ),
        host=host,
        port=port,
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
    server = make_server(app, runtime, host=host, port=port)
    # uvicorn re-raises the signal it caught once it has shut down; with the default
    # handler that would kill the process before drain() lets listeners finish.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _note_signal)
    logger.info("Liaison listening on http://%s:%d/slack/events", host, port)
    server.run()
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
    """A listening socket (port 0 picks a free one), for tests and the demo."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock
