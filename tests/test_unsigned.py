"""Requests Slack did not sign, sent as an attacker would, to a real `bot.py serve` on loopback.

Each malformed, missing, stale or forged signature or timestamp is a plain 401, refused
before the body is read: no outbound call to the `response_url` it names, no ERROR line.
Slow senders are cut off at their deadline without costing memory, and a flood of
unsigned requests never delays a signed command.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from app.serve import BODY_DEADLINE_S, HEADERS_DEADLINE_S
from sandbox import SlackDriver, SlackSandbox, sign_request, slash_command
from tests.support.factories import reply_text
from tests.support.processes import bot_serve
from tests.support.serving import SIGNING_SECRET

FORM = "application/x-www-form-urlencoded"
ARABIC = "".join(chr(0x0660 + d) for d in range(10))  # Arabic-Indic digits
WIDE = "".join(chr(0xFF10 + d) for d in range(10))  # full-width digits


class Trap:
    """A loopback listener that records every connection and never answers one."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self._held:
            conn.close()
        self.sock.close()


@pytest.fixture
def trap() -> Iterator[Trap]:
    listener = Trap()
    yield listener
    listener.close()


@contextmanager
def serving(
    sandbox: SlackSandbox, database_url: str, cwd: Path
) -> Iterator[tuple[int, str, list[str]]]:
    """`bot.py serve`; yields its pid, base URL and the log lines collected so far."""
    log: list[str] = []
    with bot_serve(sandbox, database_url, cwd, log=log) as (process, base):
        yield process.pid, base, log


def errors_in(log: list[str]) -> list[str]:
    records = []
    for line in log:
        try:
            records.append(json.loads(line))
        except ValueError:
            records.append({"level": "ERROR", "message": line})  # not our JSON: a traceback
    return [f"{r['level']}: {r['message']}" for r in records if r["level"] in ("ERROR", "CRITICAL")]


def command_body(response_url: str, text: str = "add https://example.com/x Forged") -> bytes:
    fields = slash_command("/collateral", text, user_id="U0MKT1", response_url=response_url)
    return urlencode(fields).encode()


def _mac(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def variants(body: bytes) -> dict[str, list[tuple[str, str]]]:
    """Header sets a forger might send: (name, value) pairs, repeats allowed."""
    now = str(int(time.time()))
    good = _mac(body, now)
    ts, sig = "X-Slack-Request-Timestamp", "X-Slack-Signature"

    def both(timestamp: str, signature: str) -> list[tuple[str, str]]:
        return [(ts, timestamp), (sig, signature)]

    return {
        "no headers": [],
        "no timestamp": [(sig, good)],
        "no signature": [(ts, now)],
        "empty timestamp": both("", good),
        "letters": both("abc", good),
        "exponent": both("1e9", _mac(body, "1e9")),
        "400 digits": both("4" * 400, _mac(body, "4" * 400)),
        "negative": both("-" + now, _mac(body, "-" + now)),
        "plus sign": both("+" + now, _mac(body, "+" + now)),
        "leading space": both(" " + now, _mac(body, " " + now)),
        "decimal": both(now + ".5", _mac(body, now + ".5")),
        "hex": both(hex(int(now)), _mac(body, hex(int(now)))),
        "arabic digits": both(now.translate(str.maketrans("0123456789", ARABIC)), good),
        "full-width digits": both(now.translate(str.maketrans("0123456789", WIDE)), good),
        "zero": both("0", _mac(body, "0")),
        "stale by 6 minutes": both(str(int(now) - 360), _mac(body, str(int(now) - 360))),
        "future by 6 minutes": both(str(int(now) + 360), _mac(body, str(int(now) + 360))),
        "far future": both("9" * 12, _mac(body, "9" * 12)),
        "13 digits": both("1" + now + "0", _mac(body, "1" + now + "0")),
        "two timestamps": [(ts, now), (ts, now), (sig, good)],
        "two signatures": [(ts, now), (sig, good), (sig, good)],
        "empty signature": both(now, ""),
        "bare v0=": both(now, "v0="),
        "63 hex": both(now, good[:-1]),
        "65 hex": both(now, good + "0"),
        "upper-case hex": both(now, "v0=" + good[3:].upper()),
        "v1 scheme": both(now, "v1=" + good[3:]),
        "not hex": both(now, "v0=" + "g" * 64),
        "all zeros": both(now, "v0=" + "0" * 64),
        "wrong secret": both(now, _mac(body, now, "not-the-signing-secret")),
        "another timestamp's signature": both(now, _mac(body, str(int(now) - 1))),
        "another body's signature": both(now, _mac(body + b"&x=1", now)),
        "signature with a suffix": both(now, good + "0x"),
        "non-ascii signature": both(now, "v0=" + "é" * 64),
        "signature of an empty body": both(now, _mac(b"", now)),
    }


@dataclass(frozen=True)
class Answer:
    status_code: int
    text: str


def send(base: str, body: bytes, headers: list[tuple[str, str]]) -> Answer:
    """POST over a raw socket: header values no well-behaved client would send go as-is."""
    port = int(base.rsplit(":", 1)[1])
    lines = [
        "POST /slack/events HTTP/1.1",
        "Host: 127.0.0.1",
        f"Content-Type: {FORM}",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in headers),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return Answer(int(head.split(b" ")[1]), rest.decode("utf-8", "replace"))


def test_malformed_signatures_and_timestamps_get_401_and_no_outbound_call(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path, trap: Trap
) -> None:
    with serving(sandbox, database_url, tmp_path) as (_, base, log):
        for url in (trap.url, sandbox.new_response_url()):
            body = command_body(url)
            cases = variants(body)
            assert len(cases) >= 30
            for name, headers in cases.items():
                response = send(base, body, headers)
                assert response.status_code == 401, (name, response.status_code, response.text)
                assert response.text.startswith("invalid request"), name
        time.sleep(0.5)  # anything a refused request set off would have happened by now
        assert trap.connections == 0
        assert sandbox.responses() == []
        assert not [c for c in sandbox.calls() if c.method != "auth.test"]
        # The same body, signed by Slack's secret, is accepted: only the headers differed.
        with SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack:
            fine = slack.raw(command_body(sandbox.new_response_url()), content_type=FORM)
            assert "`FO-1`" in reply_text(fine, slack, sandbox)
        time.sleep(0.3)
    assert errors_in(log) == []
    refusals = [json.loads(line) for line in log if "refused a request" in line]
    assert len(refusals) == 2 * len(variants(b""))
    assert all(r["level"] == "INFO" and "Forged" not in r["message"] for r in refusals)


def test_a_signed_request_naming_a_response_url_not_slacks_never_reaches_it(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path, trap: Trap
) -> None:
    with (
        serving(sandbox, database_url, tmp_path) as (_, base, _log),
        SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack,
    ):
        # Signed (a leaked secret, or a bug upstream): the reply still stays away from it.
        for url in (trap.url, "https://hooks.slack.com.evil.example/x", "file:///etc/passwd"):
            body = command_body(url, text="add https://example.com/y Y deck")
            answer = slack.raw(body, content_type=FORM)
            assert answer.status_code == 200
        time.sleep(2)
    assert trap.connections == 0


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def slow_sockets(port: int, count: int, *, phase: str) -> list[socket.socket]:
    """Connections that send a request one byte at a time, from `phase` on."""
    now = str(int(time.time()))
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: " + FORM + "\r\n"
        "Content-Length: 900000\r\nX-Slack-Request-Timestamp: " + now + "\r\n"
        "X-Slack-Signature: v0=" + "0" * 64 + "\r\n\r\n"
    ).encode()
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        if phase == "body":
            sock.sendall(head)  # whole headers at once, then a trickle of body
        elif phase == "big body":
            sock.sendall(head + b"a" * 899_999)  # all but the last byte, then nothing
        sockets.append(sock)
    return sockets


def closed(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        data = sock.recv(65536)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return data == b"" or data.startswith(b"HTTP/1.1 4") or data.startswith(b"HTTP/1.1 5")


@pytest.mark.slow
def test_300_slow_unsigned_connections_cost_little_and_close_while_signed_commands_flow(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    with serving(sandbox, database_url, tmp_path) as (pid, base, log):
        port = int(base.rsplit(":", 1)[1])
        with SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack:
            reply_text(slack.command("/collateral", "help"), slack, sandbox)  # warm up
            before = rss_kb(pid)
            started = time.monotonic()
            sockets = (
                slow_sockets(port, 100, phase="headers")
                + slow_sockets(port, 100, phase="body")
                + slow_sockets(port, 100, phase="big body")
            )
            peak = rss_kb(pid)
            timings = []
            open_ones = list(sockets)
            deadline = started + HEADERS_DEADLINE_S + BODY_DEADLINE_S + 5
            while open_ones and time.monotonic() < deadline:
                for sock in open_ones[:200]:
                    with suppress(OSError):
                        sock.send(b"a")  # one byte each round
                t0 = time.monotonic()
                answered = slack.command("/collateral", "help")
                assert answered.status_code == 200
                timings.append(time.monotonic() - t0)
                peak = max(peak, rss_kb(pid))
                open_ones = [s for s in open_ones if not closed(s)]
                time.sleep(0.5)
            still_open = len(open_ones)
            for sock in sockets:
                sock.close()
    assert still_open == 0, f"{still_open} slow connections outlived their deadline"
    assert (peak - before) < 50 * 1024, f"grew by {(peak - before) / 1024:.0f} MB"
    assert max(timings) < 3.0, timings
    assert errors_in(log) == []


@pytest.mark.slow
def test_50_unsigned_requests_at_a_silent_url_never_delay_a_signed_command(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path, trap: Trap
) -> None:
    with serving(sandbox, database_url, tmp_path) as (_, base, log):
        body = command_body(trap.url)
        forged = variants(body)["letters"]
        results: list[int] = []

        def attack() -> None:
            results.append(send(base, body, forged).status_code)

        attackers = [threading.Thread(target=attack) for _ in range(50)]
        for thread in attackers:
            thread.start()
        with SlackDriver(base + "/slack/events", SIGNING_SECRET, sandbox=sandbox) as slack:
            t0 = time.monotonic()
            answered = slack.command("/collateral", "help")
            elapsed = time.monotonic() - t0
            assert reply_text(answered, slack, sandbox)
        for thread in attackers:
            thread.join(10)
    assert elapsed < 1.0, elapsed
    assert results == [401] * 50
    assert trap.connections == 0
    assert errors_in(log) == []


def test_a_body_longer_or_shorter_than_declared_is_refused(
    sandbox: SlackSandbox, database_url: str, tmp_path: Path
) -> None:
    with serving(sandbox, database_url, tmp_path) as (_, base, _log):
        body = command_body(sandbox.new_response_url())
        headers = sign_request(SIGNING_SECRET, body)
        port = int(base.rsplit(":", 1)[1])
        for declared in (len(body) + 10, len(body) - 10):
            with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
                request = (
                    f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n"
                    f"Content-Length: {declared}\r\n"
                    + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                    + "\r\n"
                ).encode() + body
                sock.sendall(request)
                answer = sock.recv(4096)
                assert answer.split(b" ")[1] in (b"400", b"401", b"408"), answer[:80]
        assert sandbox.responses() == []
