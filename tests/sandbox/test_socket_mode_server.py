"""The sandbox's Socket Mode: apps.connections.open, the WebSocket server and its envelopes."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.frames import Close, Frame, Opcode
from websockets.utils import accept_key

from sandbox import SlackSandbox, app_home_opened


def _wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.fixture
def socket_client(sandbox: SlackSandbox) -> Iterator[tuple[SocketModeClient, list[dict[str, Any]]]]:
    """slack_sdk's builtin client, connected; acks slash commands with an echo of their text."""
    client = SocketModeClient(
        app_token=SlackSandbox.APP_TOKEN,
        web_client=WebClient(base_url=sandbox.api_url),
        auto_reconnect_enabled=False,
    )
    messages: list[dict[str, Any]] = []
    client.message_listeners.append(lambda _c, message, _raw: messages.append(message))

    def answer(c: BaseSocketModeClient, req: SocketModeRequest) -> None:
        payload = {"text": f"got {req.payload['text']}"} if req.type == "slash_commands" else None
        c.send_socket_mode_response(SocketModeResponse(req.envelope_id, payload))

    client.socket_mode_request_listeners.append(answer)
    client.connect()
    yield client, messages
    # Hang up first: the client's close() otherwise waits out its 3 s receive timeout.
    sandbox.reset()
    client.close()


def test_builtin_client_gets_hello_and_a_command_and_its_ack_comes_back(
    sandbox: SlackSandbox, socket_client: tuple[SocketModeClient, list[dict[str, Any]]]
) -> None:
    _client, messages = socket_client
    assert sandbox.socket_connected(timeout=5)
    _wait_until(lambda: messages)
    hello = messages[0]
    assert hello["type"] == "hello" and hello["num_connections"] == 1
    assert hello["connection_info"] == {"app_id": SlackSandbox.APP_ID}

    envelope_id = sandbox.socket_send_command("/collateral", "search pricing")
    ack = sandbox.socket_ack(envelope_id)
    assert ack == {"envelope_id": envelope_id, "payload": {"text": "got search pricing"}}

    sent = sandbox.socket_envelope(envelope_id)
    assert sent["type"] == "slash_commands" and sent["accepts_response_payload"] is True
    payload = sent["payload"]
    assert payload["command"] == "/collateral" and payload["user_id"] == "U0REP1"
    assert payload["channel_id"] == "C0SALES" and payload["channel_name"] == "sales"
    assert payload["response_url"].startswith(sandbox.base_url + "response/")
    assert messages[-1] == sent  # what the client received is exactly what was sent

    [call] = sandbox.calls("apps.connections.open")
    assert call.ok and call.headers["authorization"] == f"Bearer {SlackSandbox.APP_TOKEN}"
    url = urlsplit(call.response["url"])
    assert url.scheme == "ws" and url.hostname == "127.0.0.1" and url.path == "/link/"
    assert "ticket=" in url.query


def test_events_api_envelope_wraps_a_full_event_callback_and_acks_empty(
    sandbox: SlackSandbox, socket_client: tuple[SocketModeClient, list[dict[str, Any]]]
) -> None:
    assert sandbox.socket_connected(timeout=5)
    envelope_id = sandbox.socket_send_event(app_home_opened("U0REP1"))
    assert sandbox.socket_ack(envelope_id) == {"envelope_id": envelope_id}
    sent = sandbox.socket_envelope(envelope_id)
    assert sent["type"] == "events_api" and sent["accepts_response_payload"] is False
    assert sent["retry_attempt"] == 0 and sent["retry_reason"] == ""
    body = sent["payload"]
    assert body["type"] == "event_callback" and body["api_app_id"] == SlackSandbox.APP_ID
    assert body["event"]["type"] == "app_home_opened" and body["event"]["user"] == "U0REP1"
    assert body["authorizations"][0]["user_id"] == SlackSandbox.BOT_USER_ID


def test_reset_and_close_disconnect_clients(
    sandbox: SlackSandbox, socket_client: tuple[SocketModeClient, list[dict[str, Any]]]
) -> None:
    client, _messages = socket_client
    assert sandbox.socket_connected(timeout=5)
    sandbox.reset()
    assert not sandbox.socket_connected(timeout=0.1)
    with pytest.raises(AssertionError, match="no Socket Mode client"):
        sandbox.socket_send_event(app_home_opened("U0REP1"))
    _wait_until(lambda: not client.is_connected())


def test_apps_connections_open_takes_only_an_app_level_token(sandbox: SlackSandbox) -> None:
    for token, error in [
        (SlackSandbox.BOT_TOKEN, "not_allowed_token_type"),
        ("xoxp-user-token", "not_allowed_token_type"),
        ("made-up", "invalid_auth"),
    ]:
        with pytest.raises(SlackApiError) as err:
            WebClient(base_url=sandbox.api_url).apps_connections_open(app_token=token)
        assert err.value.response["error"] == error
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=sandbox.api_url).api_call("apps.connections.open")
    assert err.value.response["error"] == "not_authed"
    assert [c.ok for c in sandbox.calls("apps.connections.open")] == [False] * 4
    assert not sandbox.socket_connected(timeout=0.1)


# ---------------------------------------------------------------- the protocol, byte by byte


def _open_url(sandbox: SlackSandbox) -> str:
    url = WebClient(base_url=sandbox.api_url).apps_connections_open(app_token="xapp-1-x")["url"]
    return str(url)


def _handshake(url: str, *, version: str = "13") -> tuple[socket.socket, str, bytes]:
    """Open a raw WebSocket; returns the socket, the status line and any bytes after headers."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: {version}\r\n\r\n"
    )
    sock.sendall(request.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    if lines[0].startswith("HTTP/1.1 101"):
        headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        assert headers["sec-websocket-accept"] == accept_key(key)
        assert headers["upgrade"].lower() == "websocket"
    return sock, lines[0], rest


class _Reader:
    """Reads server frames off a raw socket."""

    def __init__(self, sock: socket.socket, buffered: bytes) -> None:
        self.sock = sock
        self.buffer = buffered

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.sock.recv(4096)
            assert chunk, "server closed the connection"
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def frame(self) -> tuple[int, bytes]:
        first, second = self._take(2)
        assert first & 0x80 and not second & 0x80  # server frames: final and never masked
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._take(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._take(8))
        return first & 0x0F, self._take(length)


def _frame(opcode: Opcode, data: bytes = b"", *, fin: bool = True, masked: bool = True) -> bytes:
    """One client frame, masked with a fresh random key unless told otherwise."""
    return Frame(opcode, data, fin=fin).serialize(mask=masked)


def test_rfc6455_sample_accept_key() -> None:
    # The worked example of RFC 6455 section 1.3.
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_raw_websocket_hello_ping_fragmented_ack_and_close(sandbox: SlackSandbox) -> None:
    sock, status, rest = _handshake(_open_url(sandbox))
    with sock:
        assert status == "HTTP/1.1 101 Switching Protocols"
        reader = _Reader(sock, rest)
        opcode, data = reader.frame()
        assert opcode == Opcode.TEXT and json.loads(data)["type"] == "hello"
        assert sandbox.socket_connected(timeout=5)

        sock.sendall(_frame(Opcode.PING, b"are you there"))
        assert reader.frame() == (Opcode.PONG, b"are you there")

        envelope_id = sandbox.socket_send_command("/liaison", "help", user_id="UADMIN")
        opcode, data = reader.frame()
        assert opcode == Opcode.TEXT and json.loads(data)["envelope_id"] == envelope_id
        # A long ack in three fragments, with a ping between them (allowed by RFC 6455 5.4).
        ack = json.dumps({"envelope_id": envelope_id, "payload": {"text": "x" * 70_000}}).encode()
        sock.sendall(_frame(Opcode.TEXT, ack[:10], fin=False))
        sock.sendall(_frame(Opcode.PING))
        sock.sendall(_frame(Opcode.CONT, ack[10:60_000], fin=False))
        sock.sendall(_frame(Opcode.CONT, ack[60_000:]))
        assert reader.frame() == (Opcode.PONG, b"")
        assert sandbox.socket_ack(envelope_id)["payload"]["text"] == "x" * 70_000

        sock.sendall(_frame(Opcode.CLOSE, Close(1000, "bye").serialize()))
        # The server echoes the close frame it got (RFC 6455 5.5.1) and hangs up.
        assert reader.frame() == (Opcode.CLOSE, Close(1000, "bye").serialize())
    _wait_until(lambda: not sandbox.socket_connected(timeout=0))


def test_unmasked_client_frame_is_a_protocol_error(sandbox: SlackSandbox) -> None:
    sock, status, rest = _handshake(_open_url(sandbox))
    assert status.startswith("HTTP/1.1 101")
    with sock:
        reader = _Reader(sock, rest)
        assert reader.frame()[0] == Opcode.TEXT  # hello
        sock.sendall(_frame(Opcode.TEXT, b'{"envelope_id": "e1"}', masked=False))
        opcode, data = reader.frame()
        assert opcode == Opcode.CLOSE and Close.parse(data).code == 1002  # protocol error
    _wait_until(lambda: not sandbox.socket_connected(timeout=0))


def test_tickets_are_single_use_and_version_13_is_required(sandbox: SlackSandbox) -> None:
    url = _open_url(sandbox)
    sock, status, _ = _handshake(url)
    sock.close()
    assert status.startswith("HTTP/1.1 101")
    again, status, _ = _handshake(url)
    again.close()
    assert status == "HTTP/1.1 401 Unauthorized"
    made_up = url.split("ticket=")[0] + "ticket=made-up"
    bad, status, _ = _handshake(made_up)
    bad.close()
    assert status == "HTTP/1.1 401 Unauthorized"
    old, status, _ = _handshake(_open_url(sandbox), version="8")
    old.close()
    assert status == "HTTP/1.1 426 Upgrade Required"
