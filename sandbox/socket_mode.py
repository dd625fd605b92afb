"""Slack's side of Socket Mode for the sandbox, served by the ``websockets`` library.

``apps.connections.open`` hands out one-time ``ws://127.0.0.1:<port>/link/?ticket=...``
URLs from ``issue_url()``. A client that opens one gets Slack's ``hello`` message, then the
envelopes tests push with ``send()``; its acks (``{"envelope_id": ..., "payload": ...}``)
are collected for ``wait_ack()``. Shapes follow Slack's Socket Mode guide and the envelopes
in ``slackapi/python-slack-sdk``'s tests.

The WebSocket protocol itself (handshake, framing, masking, fragments, ping/pong, closing
handshake, size limit) is the library's threading server; this module only admits tickets
and speaks Slack's messages. No TLS and no extensions: the builtin ``slack_sdk`` client
speaks plain ``ws://`` to any port but 443.
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
import uuid
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.sync.server import Server, ServerConnection, serve

__all__ = ["SocketModeServer"]

JsonDict = dict[str, Any]

CLOSE_GOING_AWAY = 1001

# Acks carry at most a message or a view; anything near this is a runaway client.
_MAX_MESSAGE = 4 * 1024 * 1024
_HANDSHAKE_TIMEOUT_S = 5.0
# A hung-up client may never answer our close frame; reset() must not wait long for it.
_CLOSE_TIMEOUT_S = 1.0


class SocketModeServer:
    """Slack's Socket Mode endpoint on 127.0.0.1: hello, envelopes out, acks in."""

    def __init__(self, *, app_id: str) -> None:
        self.app_id = app_id
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        # Greeted connections, oldest first; send() writes to the newest.
        self._connections: list[ServerConnection] = []
        self._tickets: set[str] = set()
        self._envelopes: dict[str, JsonDict] = {}
        self._acks: dict[str, JsonDict] = {}
        self.port = 0

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Listen on a free loopback port and accept clients in a daemon thread."""
        if self._server is not None:
            return
        self._server = serve(
            self._serve,
            "127.0.0.1",
            0,
            process_request=self._admit,
            # Slack's server pings; the sandbox never did, and raw-frame tests rely on it.
            ping_interval=None,
            compression=None,
            open_timeout=_HANDSHAKE_TIMEOUT_S,
            close_timeout=_CLOSE_TIMEOUT_S,
            max_size=_MAX_MESSAGE,
        )
        self.port = int(self._server.socket.getsockname()[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name=f"slack-sandbox-socket-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Close every connection (status 1001) and the listening socket."""
        server, self._server = self._server, None
        if server is None:
            return
        with self._changed:
            self._connections.clear()
            self._changed.notify_all()
        server.shutdown(code=CLOSE_GOING_AWAY, reason="sandbox stopping")
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self) -> None:
        """Forget tickets, envelopes and acks, and close live connections, like a fresh Slack."""
        self._drop_connections()
        with self._lock:
            self._tickets.clear()
            self._envelopes.clear()
            self._acks.clear()

    def _drop_connections(self) -> None:
        with self._changed:
            self._connections.clear()
            self._changed.notify_all()
        server = self._server
        if server is None:
            return
        # The server's own set also holds clients not yet greeted.
        for conn in server.connections:
            conn.close(CLOSE_GOING_AWAY, "sandbox reset")

    # ------------------------------------------------------------ public API

    def issue_url(self) -> str:
        """Return a fresh one-time WebSocket URL, as ``apps.connections.open`` does."""
        if self._server is None:
            raise RuntimeError("the Socket Mode server is not running")
        ticket = str(uuid.uuid4())
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def connected(self) -> bool:
        """Tell whether an open connection has received its ``hello``."""
        with self._lock:
            return any(c.state is State.OPEN for c in self._connections)

    def wait_connected(self, timeout: float = 10.0) -> bool:
        """Block until a client is connected and greeted; False on timeout."""
        with self._changed:
            return self._changed.wait_for(self.connected, timeout)

    def send(self, kind: str, payload: JsonDict, *, accepts_response_payload: bool) -> str:
        """Push one envelope to the newest greeted connection; returns its ``envelope_id``."""
        envelope_id = str(uuid.uuid4())
        envelope: JsonDict = {
            "envelope_id": envelope_id,
            "payload": copy.deepcopy(payload),
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            # First delivery; Slack counts redeliveries of unacknowledged events here.
            envelope["retry_attempt"] = 0
            envelope["retry_reason"] = ""
        with self._lock:
            live = [c for c in self._connections if c.state is State.OPEN]
            if not live:
                raise AssertionError("no Socket Mode client is connected to the sandbox")
            target = live[-1]
            self._envelopes[envelope_id] = envelope
        try:
            target.send(json.dumps(envelope))
        except ConnectionClosed as exc:
            self._forget(target)
            raise AssertionError(f"the Socket Mode client went away: {exc}") from exc
        return envelope_id

    def envelope(self, envelope_id: str) -> JsonDict:
        """Return a copy of an envelope sent with ``send()``."""
        with self._lock:
            return copy.deepcopy(self._envelopes[envelope_id])

    def acks(self) -> list[JsonDict]:
        """Return every ack received, in arrival order."""
        with self._lock:
            return [copy.deepcopy(a) for a in self._acks.values()]

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> JsonDict:
        """Block until the client acks ``envelope_id``; returns the ack message."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self._acks, timeout):
                raise AssertionError(
                    f"no ack for envelope {envelope_id} within {timeout}s; "
                    f"acked so far: {list(self._acks)}"
                )
            return copy.deepcopy(self._acks[envelope_id])

    # ------------------------------------------------------------ connections

    def _admit(self, conn: ServerConnection, request: Request) -> Response | None:
        """Let only a known ticket through, once; None hands over to the library's handshake."""
        target = urlsplit(request.path)
        ticket = parse_qs(target.query).get("ticket", [""])[0]
        with self._lock:
            known = target.path in ("/link", "/link/") and ticket in self._tickets
            # Tickets are single-use, as Slack's are: a reconnect needs apps.connections.open.
            self._tickets.discard(ticket)
        if not known:
            return conn.respond(HTTPStatus.UNAUTHORIZED, "401 Unauthorized")
        if request.headers.get("Sec-WebSocket-Version") != "13":
            # RFC 6455 4.4 asks for a 426 naming the version spoken; the library answers 400.
            response = conn.respond(HTTPStatus.UPGRADE_REQUIRED, "426 Upgrade Required")
            response.headers["Sec-WebSocket-Version"] = "13"
            return response
        return None

    def _serve(self, conn: ServerConnection) -> None:
        """Greet one client, then collect its acks until it or the sandbox hangs up."""
        try:
            self._greet(conn)
            for message in conn:
                if isinstance(message, str):
                    self._on_text(message)
        except ConnectionClosed:
            # A protocol error or a dropped socket; the library already closed it.
            pass
        finally:
            self._forget(conn)

    def _greet(self, conn: ServerConnection) -> None:
        with self._lock:
            count = 1 + sum(1 for c in self._connections if c.state is State.OPEN)
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": {
                "host": f"applink-sandbox-{self.port}",
                "build_number": 1,
                # Slack refreshes connections after about this many seconds; the sandbox never does.
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }
        conn.send(json.dumps(hello))
        with self._changed:
            self._connections.append(conn)
            self._changed.notify_all()

    def _on_text(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            # Slack ignores what it cannot parse; so does the sandbox.
            return
        if isinstance(message, dict) and isinstance(message.get("envelope_id"), str):
            with self._changed:
                self._acks[message["envelope_id"]] = message
                self._changed.notify_all()

    def _forget(self, conn: ServerConnection) -> None:
        with self._changed, contextlib.suppress(ValueError):
            self._connections.remove(conn)
            self._changed.notify_all()
