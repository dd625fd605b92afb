"""`python bot.py serve` as a real process, for tests that start, kill and restart it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from sandbox import SlackSandbox
from tests.support.serving import SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _drain(process: subprocess.Popen[str], log: list[str]) -> threading.Thread:
    """Read the process's output as it comes, so a chatty run never fills the pipe and stalls."""

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line)

    thread = threading.Thread(target=read, name=f"serve-log-{process.pid}", daemon=True)
    thread.start()
    return thread


@contextmanager
def bot_serve(
    sandbox: SlackSandbox,
    database_url: str,
    cwd: Path,
    *,
    log: list[str] | None = None,
    **extra_env: str,
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start `bot.py serve` against the sandbox; yields the process and its base URL.

    With `log`, the process's output is collected there line by line while it runs (for
    runs that log a lot, and for tests that look for errors in it).
    """
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACK_BOT_TOKEN": sandbox.BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": sandbox.api_url,
        "DATABASE_URL": database_url,
        "LIAISON_ALLOW_PRIVATE_URLS": "true",
        # Its own loopback metrics listener: processes started together must not collide.
        "LIAISON_METRICS_PORT": str(free_port()),
        **extra_env,
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    reader = _drain(process, log) if log is not None else None

    def output() -> str:
        if reader is not None:
            reader.join(5)
            return "".join(log or [])
        return process.stdout.read() if process.stdout else ""

    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, output()
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not become healthy in 30 s"
            time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        if reader is not None:
            reader.join(5)
        if process.stdout:
            process.stdout.close()
