"""Slack's side of Socket Mode for the sandbox: a stdlib WebSocket server (RFC 6455).

``apps.connections.open`` hands out one-time ``ws://127.0.0.1:<port>/link/?ticket=...``
URLs from ``issue_url()``. A client that opens one gets Slack's ``hello`` message, then the
envelopes tests push with ``send()``; its acks (``{"envelope_id": ..., "payload": ...}``)
are collected for ``wait_ack()``. Shapes follow Slack's Socket Mode guide and the envelopes
in ``slackapi/python-slack-sdk``'s tests.

Only what a Socket Mode client needs is implemented: the opening handshake, masked client
frames (fragmented or not), text frames, ping/pong and the closing handshake. No TLS and no
extensions: the builtin ``slack_sdk`` client speaks plain ``ws://`` to any port but 443.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import itertools
import json
import socket
import struct
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

__all__ = ["SocketModeServer", "accept_key", "encode_frame"]

JsonDict = dict[str, Any]

# RFC 6455 section 1.3: the fixed GUID hashed with the client's key.
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA
_DATA_OPCODES = frozenset({OP_TEXT, OP_BINARY})
_CONTROL_OPCODES = frozenset({OP_CLOSE, OP_PING, OP_PONG})

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_INVALID_DATA = 1007
CLOSE_TOO_BIG = 1009

_MAX_HANDSHAKE_LINE = 8 * 1024
_MAX_HANDSHAKE_LINES = 100
# Acks carry at most a message or a view; anything near this is a runaway client.
_MAX_MESSAGE = 4 * 1024 * 1024
_HANDSHAKE_TIMEOUT_S = 5.0


class ProtocolError(Exception):
    """The client broke RFC 6455; ``code`` is the close status to answer with."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def accept_key(key: str) -> str:
    """Return the ``Sec-WebSocket-Accept`` value for a ``Sec-WebSocket-Key``."""
    digest = hashlib.sha1((key + WEBSOCKET_GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def _xor_mask(data: bytes, key: bytes) -> bytes:
    # Whole-buffer XOR through big integers: far faster than a byte loop for large acks.
    if not data:
        return data
    stream = (key * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def encode_frame(
    opcode: int, payload: bytes = b"", *, fin: bool = True, mask: bytes | None = None
) -> bytes:
    """Return one frame; servers send unmasked frames, clients pass a 4-byte ``mask``."""
    head = bytes([(0x80 if fin else 0) | opcode])
    mask_bit = 0x80 if mask is not None else 0
    length = len(payload)
    if length <= 125:
        head += bytes([mask_bit | length])
    elif length <= 0xFFFF:
        head += bytes([mask_bit | 126]) + struct.pack("!H", length)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", length)
    if mask is None:
        return head + payload
    if len(mask) != 4:
        raise ValueError("a frame mask is exactly 4 bytes")
    return head + mask + _xor_mask(payload, mask)


def _read_exact(reader: BinaryIO, size: int) -> bytes:
    data = reader.read(size)
    if len(data) != size:
        raise EOFError("the client closed the connection")
    return data


def read_frame(reader: BinaryIO) -> tuple[bool, int, bytes]:
    """Read one client frame: (fin, opcode, unmasked payload); raises ProtocolError, EOFError."""
    first, second = _read_exact(reader, 2)
    fin = bool(first & 0x80)
    if first & 0x70:
        # No extension was negotiated, so every RSV bit must be zero (RFC 6455 5.2).
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, "reserved bits set")
    opcode = first & 0x0F
    if opcode not in _DATA_OPCODES | _CONTROL_OPCODES | {OP_CONTINUATION}:
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, f"unknown opcode {opcode:#x}")
    if not second & 0x80:
        # RFC 6455 5.1: a server must close the connection on an unmasked client frame.
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, "client frames must be masked")
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", _read_exact(reader, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", _read_exact(reader, 8))
    if opcode in _CONTROL_OPCODES and (length > 125 or not fin):
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, "control frames are short and unfragmented")
    if length > _MAX_MESSAGE:
        raise ProtocolError(CLOSE_TOO_BIG, "frame too large")
    key = _read_exact(reader, 4)
    return fin, opcode, _xor_mask(_read_exact(reader, length), key)


@dataclass(eq=False)
class _Connection:
    """One accepted client, from handshake to close."""

    id: int
    sock: socket.socket
    reader: BinaryIO
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    open: bool = True
    hello_sent: bool = False
    close_sent: bool = False

    def send_frame(self, opcode: int, payload: bytes = b"") -> None:
        """Send one unmasked frame; raises OSError when the socket is gone."""
        with self.send_lock:
            if opcode == OP_CLOSE:
                if self.close_sent:
                    return
                self.close_sent = True
            self.sock.sendall(encode_frame(opcode, payload))

    def close(self, code: int | None = None, reason: str = "") -> None:
        """Send a close frame (when ``code`` is given) and drop the TCP connection."""
        if code is not None:
            with contextlib.suppress(OSError):
                self.send_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode()[:120])
        self.open = False
        # shutdown() wakes the reader thread blocked in recv; close() alone may not.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class SocketModeServer:
    """Slack's Socket Mode endpoint on 127.0.0.1: hello, envelopes out, acks in."""

    def __init__(self, *, app_id: str) -> None:
        self.app_id = app_id
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._connections: list[_Connection] = []
        self._tickets: set[str] = set()
        self._envelopes: dict[str, JsonDict] = {}
        self._acks: dict[str, JsonDict] = {}
        self.port = 0

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Listen on a free loopback port and accept clients in a daemon thread."""
        if self._listener is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        # A timeout lets the accept loop notice stop(): closing a socket does not wake accept().
        listener.settimeout(0.2)
        self._listener = listener
        self.port = int(listener.getsockname()[1])
        self._stopping.clear()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"slack-sandbox-socket-{self.port}", daemon=True
        )
        self._accept_thread.start()

    def stop(self) -> None:
        """Close every connection (status 1001) and the listening socket."""
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self._stopping.set()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5)
            self._accept_thread = None
        listener.close()
        self._drop_connections()

    def reset(self) -> None:
        """Forget tickets, envelopes and acks, and close live connections, like a fresh Slack."""
        self._drop_connections()
        with self._lock:
            self._tickets.clear()
            self._envelopes.clear()
            self._acks.clear()

    def _drop_connections(self) -> None:
        with self._changed:
            connections, self._connections = self._connections, []
            self._changed.notify_all()
        for conn in connections:
            conn.close(CLOSE_GOING_AWAY, "sandbox reset")

    # ------------------------------------------------------------ public API

    def issue_url(self) -> str:
        """Return a fresh one-time WebSocket URL, as ``apps.connections.open`` does."""
        if self._listener is None:
            raise RuntimeError("the Socket Mode server is not running")
        ticket = str(uuid.uuid4())
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def connected(self) -> bool:
        """Tell whether an open connection has received its ``hello``."""
        with self._lock:
            return any(c.open and c.hello_sent for c in self._connections)

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
            live = [c for c in self._connections if c.open and c.hello_sent]
            if not live:
                raise AssertionError("no Socket Mode client is connected to the sandbox")
            target = live[-1]
            self._envelopes[envelope_id] = envelope
        try:
            target.send_frame(OP_TEXT, json.dumps(envelope).encode("utf-8"))
        except OSError as exc:
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

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            try:
                sock, _addr = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(
                target=self._serve, args=(sock,), name="slack-sandbox-socket-conn", daemon=True
            ).start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(_HANDSHAKE_TIMEOUT_S)
        reader: BinaryIO = sock.makefile("rb")
        conn = _Connection(next(self._ids), sock, reader)
        try:
            if not self._handshake(conn):
                conn.close()
                return
            sock.settimeout(None)
            with self._changed:
                if self._stopping.is_set():
                    conn.close(CLOSE_GOING_AWAY, "sandbox stopping")
                    return
                self._connections.append(conn)
            self._greet(conn)
            self._read_messages(conn)
        except ProtocolError as exc:
            conn.close(exc.code, exc.reason)
        except (EOFError, OSError, ValueError):
            conn.close()
        finally:
            reader.close()
            self._forget(conn)

    def _handshake(self, conn: _Connection) -> bool:
        """Answer the opening handshake; True once 101 was sent."""
        try:
            request_line = conn.reader.readline(_MAX_HANDSHAKE_LINE).decode("latin-1").strip()
            headers: dict[str, str] = {}
            for _ in range(_MAX_HANDSHAKE_LINES):
                line = conn.reader.readline(_MAX_HANDSHAKE_LINE).decode("latin-1")
                if line in ("\r\n", "\n", ""):
                    break
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        except (OSError, ValueError):
            return False
        parts = request_line.split(" ")
        if len(parts) != 3 or parts[0] != "GET" or not parts[2].startswith("HTTP/1."):
            self._refuse(conn, "400 Bad Request")
            return False
        target = urlsplit(parts[1])
        ticket = parse_qs(target.query).get("ticket", [""])[0]
        with self._lock:
            known = target.path in ("/link", "/link/") and ticket in self._tickets
            # Tickets are single-use, as Slack's are: a reconnect needs apps.connections.open.
            self._tickets.discard(ticket)
        if not known:
            self._refuse(conn, "401 Unauthorized")
            return False
        key = headers.get("sec-websocket-key", "")
        try:
            key_ok = len(base64.b64decode(key, validate=True)) == 16
        except ValueError:
            key_ok = False
        upgrade_ok = headers.get("upgrade", "").lower() == "websocket" and "upgrade" in {
            t.strip().lower() for t in headers.get("connection", "").split(",")
        }
        if headers.get("sec-websocket-version") != "13":
            # RFC 6455 4.4: name the version this server speaks.
            self._refuse(conn, "426 Upgrade Required", {"Sec-WebSocket-Version": "13"})
            return False
        if not (key_ok and upgrade_ok):
            self._refuse(conn, "400 Bad Request")
            return False
        response = (
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
        )
        with conn.send_lock:
            conn.sock.sendall(response.encode("ascii"))
        return True

    def _refuse(
        self, conn: _Connection, status: str, headers: dict[str, str] | None = None
    ) -> None:
        body = status.encode()
        lines = [f"HTTP/1.1 {status}", "Content-Type: text/plain", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        with contextlib.suppress(OSError):
            conn.sock.sendall(("\r\n".join([*lines, "", ""])).encode("ascii") + body)

    def _greet(self, conn: _Connection) -> None:
        with self._lock:
            count = sum(1 for c in self._connections if c.open)
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
        conn.send_frame(OP_TEXT, json.dumps(hello).encode("utf-8"))
        with self._changed:
            conn.hello_sent = True
            self._changed.notify_all()

    def _read_messages(self, conn: _Connection) -> None:
        opcode_in_progress: int | None = None
        parts: list[bytes] = []
        size = 0
        while conn.open:
            fin, opcode, payload = read_frame(conn.reader)
            if opcode == OP_PING:
                conn.send_frame(OP_PONG, payload)
                continue
            if opcode == OP_PONG:
                continue
            if opcode == OP_CLOSE:
                if len(payload) == 1:
                    raise ProtocolError(CLOSE_PROTOCOL_ERROR, "truncated close status")
                # Echo the status to finish the closing handshake (RFC 6455 5.5.1).
                code = struct.unpack("!H", payload[:2])[0] if payload else CLOSE_NORMAL
                conn.close(code)
                return
            if opcode == OP_CONTINUATION:
                if opcode_in_progress is None:
                    raise ProtocolError(CLOSE_PROTOCOL_ERROR, "continuation without a message")
            elif opcode_in_progress is not None:
                raise ProtocolError(CLOSE_PROTOCOL_ERROR, "new message inside a fragmented one")
            else:
                opcode_in_progress = opcode
            size += len(payload)
            if size > _MAX_MESSAGE:
                raise ProtocolError(CLOSE_TOO_BIG, "message too large")
            parts.append(payload)
            if not fin:
                continue
            data, kind = b"".join(parts), opcode_in_progress
            opcode_in_progress, parts, size = None, [], 0
            if kind == OP_TEXT:
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ProtocolError(CLOSE_INVALID_DATA, "text frame is not UTF-8") from exc
                self._on_text(text)

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

    def _forget(self, conn: _Connection) -> None:
        with self._changed:
            conn.open = False
            if conn in self._connections:
                self._connections.remove(conn)
            self._changed.notify_all()
