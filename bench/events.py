"""Events benchmark: signed ``reaction_added`` events through the real app and a bare Bolt app.

Run: ``.venv/bin/python bench/events.py [--events 5000] [--rounds 3] [--clients 50]
[--quick] [--database-url URL]`` (not part of the test suite; see bench/README.md).

What it does
------------
1. **Setup.** An in-process Slack sandbox (manifest bot scopes, one public channel the bot
   and the marketer are in; it answers ``auth.test`` and the launch's posts, and nothing
   during the load) and the real app wired as ``app/demo.py`` does it (``running_app``:
   throw-away migrated SQLite in a temp dir, or a fresh database on the PostgreSQL server
   of ``--database-url``; ``create_runtime``, ``create_app``, ``start_background``, uvicorn
   from ``make_server`` on a bound loopback socket). ONE launch with M collateral lines is
   submitted as a signed ``view_submission``; once its fan-out is sent, its M asset replies
   (``AssetMessage`` rows written by the app) are the messages to vote on.
2. **Bare app.** A Bolt ``App`` built with the same options where they matter (same kind
   of signing secret, request verification on, token verification, a ``ThreadPoolExecutor``
   of ``LISTENER_THREADS`` threads as its listener executor, a client from
   ``core.slack.make_client``) whose only listener is a no-op for ``reaction_added`` (Bolt
   acks an Events API request itself before it runs the listener), served by the same
   ``create_asgi`` + ``make_server`` stack in the same process, beside the real app, with
   every request going through Bolt (``reactions_before_bolt=False``). The real app takes
   reactions in front of Bolt (``handlers.events.reactions.ReactionIntake``: read, stored
   in the inbox, answered), as ``bot.py serve`` does. Both servers live in this process,
   whose start-up heap ``running_app`` freezes (``gc.freeze()``) as ``bot.py serve`` does.
3. **Load.** U users x M assets = N ``reaction_added`` events (``+1``, ``-1``,
   ``thumbsup``, ``thumbsdown`` in turn), each in its own ``event_callback`` envelope with a
   unique ``event_id`` and every (user, asset) pair once, so each event must store exactly
   one vote. The bodies are built and signed (``sandbox.signer``) in the load process before
   its clock starts, then POSTed to ``/slack/events`` over loopback by C concurrent
   keep-alive connections (a closed loop: a connection sends its next event when the
   previous one is acknowledged). The load process is a separate (spawned) process, so it
   never shares the server's GIL. Its client is asyncio on uvloop with a minimal HTTP/1.1
   writer/reader (connections opened before the clock): about 0.05 ms of CPU a request, so
   the client stays below 15% of a core while the server saturates one. ``--client httpx``
   (``httpx.AsyncClient``) and ``--client httpx-threads`` (a thread with its own
   ``httpx.Client`` per connection) are there for comparison: on this machine both are the
   bottleneck themselves (the table's "client CPU" shows it), see bench/README.md.
4. **Rounds.** A warm-up of N/10 events (other users) goes to each app first; the real
   app's is drained. Then R rounds, each one batch of N fresh events to the bare app and
   then N to the real app, waiting after each real batch until the app has stored every
   vote, so the next bare batch never competes with the real app's leftovers.
   Interleaving the two apps cancels most of the drift caused by other load on the machine;
   the table pools the rounds and one line per round gives each round's ratio.
5. **Measures.** events/s = timed events / wall time from the first request to the last
   response; p50/p99/max latency of each request (written until its HTTP 200 is read, in
   the client). For the real app, after each batch the benchmark polls ``vote`` and
   ``processed_event`` (outside any transaction) until every event so far is recorded, or
   the counts have not moved for ``STALL_S``; at the end, lost = events sent - votes
   stored, and duplicates = votes beyond the events sent plus ``processed_event`` rows
   beyond them. "processed s" runs from a batch's first request until its last vote was
   seen: how long the app really needed (acks come first: each event is committed to the
   inbox before its 200, and the inbox workers record the votes afterwards),
   "processed/s" is the events over it, and "backlog" is how many stored events were still
   waiting in ``inbox_event`` when the last ack came back. "server
   CPU" is the benchmark process's CPU (both servers, the app's threads, the idle sandbox)
   during the timed batches, as a share of one core.

6. **SIGKILL mid-run.** A fresh database and ``bot.py serve`` as a process of its own:
   one launch, then one batch of N events; once about half of them are stored (recorded
   or in the inbox) the process is SIGKILLed, the rest of the batch fails to connect, and
   the process is started again on the same database. lost = events that were answered
   200 and never recorded (their ``processed_event`` row is missing); duplicates = votes
   beyond the recorded events. Its table row gives the events sent, how many failed
   (never acknowledged: Slack would send them again), the inbox backlog at the kill, the
   seconds the restart took to record every stored event, and the votes.

The last line is always ``result: ratio_to_bare=<x.xx> p99_ms=<ms> lost=<n>`` (the real
app's events/s over the bare app's, pooled over the rounds; the real app's p99; lost over
the rounds and the SIGKILL run together).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import multiprocessing
import secrets
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from slack_bolt import App

from app.assembly import LISTENER_THREADS, Runtime
from app.demo import running_app
from app.serve import bound_socket, make_server
from blocks.ids import Ids
from core.db import make_engine
from core.settings import Settings
from core.slack import make_client
from domain.launch import MAX_COLLATERAL_LINES
from sandbox import SlackDriver, SlackSandbox, event_callback, reaction_added, view_submission
from sandbox.signer import sign_request

try:
    from bench import fanout
except ModuleNotFoundError:  # run as a script: bench/ is on sys.path, not the repository
    import fanout  # type: ignore[no-redef]

CHANNEL = "CBENCHEV1"
REACTIONS = ("+1", "-1", "thumbsup", "thumbsdown")  # all votes, none a use
POLL_S = 0.05
STALL_S = 10.0  # counts unchanged this long: the app has finished (or given up)
SETTLE_TIMEOUT_S = 600.0


# ---------------------------------------------------------------- the events


@dataclass(frozen=True)
class Target:
    """A tracked asset message: reactions on it are votes on its asset."""

    asset_id: int
    channel: str
    ts: str


def envelopes(targets: list[Target], count: int, prefix: str) -> list[bytes]:
    """`count` event bodies, each a distinct (user, asset) pair, asset varying fastest."""
    bodies = []
    for i in range(count):
        user, target = divmod(i, len(targets))
        event = reaction_added(
            user=f"U{prefix}{user:06d}",
            reaction=REACTIONS[i % len(REACTIONS)],
            channel=targets[target].channel,
            ts=targets[target].ts,
        )
        body = event_callback(event, event_id=f"Ev{prefix}{i:07d}")
        bodies.append(json.dumps(body).encode())
    return bodies


# ---------------------------------------------------------------- the load generator


@dataclass
class Load:
    """What the client saw for one batch."""

    seconds: float
    latencies_s: list[float]
    statuses: dict[int, int]
    client_cpu_s: float
    errors: list[str] = field(default_factory=list)
    acked: list[int] = field(default_factory=list)  # raw client: indices answered 200

    @property
    def non_200(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200) + len(self.errors)


def generate_load(url: str, secret: str, bodies: list[bytes], clients: int, kind: str) -> Load:
    """Send every body once from `clients` keep-alive connections (runs in its own process)."""
    parts = urlsplit(url)
    requests = []
    for body in bodies:  # signed now: Bolt accepts a timestamp up to 5 minutes old
        headers = {"Content-Type": "application/json", **sign_request(secret, body)}
        requests.append((body, headers))
    if kind == "httpx":
        load = asyncio.run(_httpx_load(url, requests, clients))
    elif kind == "httpx-threads":
        load = _threaded_load(url, requests, clients)
    else:
        import uvloop

        load = uvloop.run(
            _raw_load(parts.hostname or "", parts.port or 80, parts.path, requests, clients)
        )
    return load


def _raw_request(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, server closes the connection) of one HTTP/1.1 response; the body is skipped."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head[:-4].split(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length, close = 0, False
    for line in header_lines:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            close = value.strip().lower() == b"close"
        elif name == b"transfer-encoding":
            raise RuntimeError("chunked responses are not expected from this server")
    if length:
        await reader.readexactly(length)
    return status, close


async def _raw_load(
    host: str, port: int, path: str, requests: list[tuple[bytes, dict[str, str]]], clients: int
) -> Load:
    raw = [_raw_request(host, port, path, body, headers) for body, headers in requests]
    latencies = [math.nan] * len(raw)
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    jobs = iter(range(len(raw)))  # shared: one event loop, so no lock is needed
    acked: list[int] = []
    connections = [await asyncio.open_connection(host, port) for _ in range(clients)]

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for i in jobs:
            start = time.perf_counter()
            try:
                writer.write(raw[i])
                status, close = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, RuntimeError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                close = True
            else:
                latencies[i] = time.perf_counter() - start
                statuses[status] += 1
                if status == 200:
                    acked.append(i)
            if close:
                writer.close()
                try:
                    reader, writer = await asyncio.open_connection(host, port)
                except OSError as exc:  # the server was killed: this connection is done
                    errors.append(f"{type(exc).__name__}: {exc}")
                    return
        writer.close()

    cpu, start = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client(r, w) for r, w in connections))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    done = [x for x in latencies if not math.isnan(x)]
    return Load(seconds, done, dict(statuses), cpu, errors, acked)


async def _httpx_load(url: str, requests: list[tuple[bytes, dict[str, str]]], clients: int) -> Load:
    latencies = [math.nan] * len(requests)
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    jobs = iter(range(len(requests)))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(http: httpx.AsyncClient) -> None:
        for i in jobs:
            body, headers = requests[i]
            start = time.perf_counter()
            try:
                response = await http.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies[i] = time.perf_counter() - start
            statuses[response.status_code] += 1

    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        cpu, start = time.process_time(), time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return Load(seconds, [x for x in latencies if not math.isnan(x)], dict(statuses), cpu, errors)


def _threaded_load(url: str, requests: list[tuple[bytes, dict[str, str]]], clients: int) -> Load:
    latencies = [math.nan] * len(requests)
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    jobs = iter(range(len(requests)))
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)

    def client() -> None:
        with httpx.Client(timeout=60) as http:
            ready.wait()
            while True:
                with lock:
                    i = next(jobs, None)
                if i is None:
                    return
                body, headers = requests[i]
                start = time.perf_counter()
                try:
                    response = http.post(url, content=body, headers=headers)
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies[i] = time.perf_counter() - start
                with lock:
                    statuses[response.status_code] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    cpu, start = time.process_time(), time.perf_counter()
    ready.wait()
    for thread in threads:
        thread.join()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return Load(seconds, [x for x in latencies if not math.isnan(x)], dict(statuses), cpu, errors)


# ---------------------------------------------------------------- the two apps


@dataclass(frozen=True)
class Plan:
    """What to send to each app: the timed batches and the warm-up before them."""

    events: int
    rounds: int
    warmup: int
    clients: int
    assets: int
    client: str


@dataclass
class Batch:
    """One timed batch against one app."""

    events: int
    load: Load
    server_cpu_s: float  # the benchmark process (server, app, idle sandbox) while it ran
    processed_s: float | None = None  # real app: first request until the last vote seen
    backlog: int | None = None  # real app: inbox rows not yet applied at the last ack

    @property
    def rate(self) -> float:
        return self.events / self.load.seconds if self.load.seconds > 0 else math.inf


def send(
    pool: ProcessPoolExecutor, url: str, secret: str, bodies: list[bytes], plan: Plan
) -> Batch:
    """Send one batch from the load process; the server's CPU is this process's."""
    cpu = time.process_time()
    load = pool.submit(generate_load, url, secret, bodies, plan.clients, plan.client).result()
    return Batch(len(bodies), load, time.process_time() - cpu)


def _noop_listener() -> None:
    """Does nothing: Bolt has already acknowledged the event when this runs."""


@contextmanager
def bare_app(sandbox: SlackSandbox, secret: str) -> Iterator[str]:
    """A Bolt app with one no-op `reaction_added` listener, on the real app's server stack."""
    executor = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    app = App(
        client=make_client(token=sandbox.BOT_TOKEN, base_url=sandbox.api_url),
        signing_secret=secret,
        request_verification_enabled=True,
        token_verification_enabled=True,
        ignoring_self_events_enabled=True,
        logger=logging.getLogger("bench.bare"),
        listener_executor=executor,
    )
    app.event("reaction_added")(_noop_listener)
    engine = sa.create_engine("sqlite://")  # only /healthz would touch it
    sock = bound_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    # make_server reads only the runtime's engine and scheduler (for /healthz) and settings.
    settings = Settings(slack_signing_secret=secret)
    runtime: Any = SimpleNamespace(engine=engine, scheduler=None, settings=settings)
    # Every request through Bolt, as a bare Bolt app has it.
    server = make_server(app, runtime, metrics_port=None, reactions_before_bolt=False)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the bare app's server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        server.should_exit = True
        thread.join(10)
        executor.shutdown(wait=True)
        engine.dispose()
        sock.close()


@dataclass
class Real:
    """The real app, served, with its tracked asset messages and a connection to poll."""

    url: str
    secret: str
    runtime: Runtime
    poll: sa.Connection
    targets: list[Target]


@contextmanager
def unpooled_engine(url: str) -> Iterator[sa.Engine]:
    """An engine that opens a connection of its own each time (no pool), disposed after."""
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def real_app(
    sandbox: SlackSandbox, secret: str, assets: int, database_url: str | None
) -> Iterator[Real]:
    """The real app as app/demo.py serves it, after one launch with `assets` assets."""
    setup = fanout.Config(channels=1, assets=assets, database_url=database_url)
    with (
        fanout.fresh_database(setup) as url,
        running_app(sandbox, url, secret) as (events_url, runtime),
        SlackDriver(events_url, secret) as driver,
        # An engine of our own, so the poll never holds one of the app's pooled connections.
        unpooled_engine(url) as engine,
        # Polled outside any transaction: on SQLite a transaction takes the write lock
        # (the app opens them with BEGIN IMMEDIATE) and would queue us before the app.
        engine.connect().execution_options(isolation_level="AUTOCOMMIT") as poll,
    ):
        yield Real(events_url, secret, runtime, poll, launch_targets(driver, poll, assets))


def launch_targets(
    driver: SlackDriver, poll: sa.Connection, assets: int, timeout_s: float = 60
) -> list[Target]:
    """Announce one launch with `assets` collateral lines; its asset replies once posted."""
    payload = view_submission(
        user_id=fanout.MARKETER,
        callback_id=Ids.LAUNCH_MODAL,
        state_values=fanout.launch_state([CHANNEL], assets),
        private_metadata=json.dumps({"campaign_id": None, "tz": fanout.TZ}),
    )
    response = driver.interactive(payload)
    if response.status_code != 200 or response.content not in (b"", b"{}"):
        raise RuntimeError(f"the launch was refused: {response.status_code} {response.text}")
    deadline = time.monotonic() + timeout_s
    while fanout.fanout_status(poll).get("sent", 0) < 1 + assets:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the launch was not posted in {timeout_s:.0f} s")
        time.sleep(POLL_S)
    rows = poll.execute(
        sa.text("SELECT asset_id, channel_id, ts FROM asset_message ORDER BY id")
    ).all()
    if len(rows) != assets:
        raise RuntimeError(f"expected {assets} asset messages, found {len(rows)}")
    return [Target(int(a), str(c), str(t)) for a, c, t in rows]


_COUNTS = sa.text("SELECT (SELECT COUNT(*) FROM vote), (SELECT COUNT(*) FROM processed_event)")


def counts(poll: sa.Connection) -> tuple[int, int]:
    """(votes, processed events) stored; the benchmark's votes are the only ones."""
    votes, processed = poll.execute(_COUNTS).one()
    return int(votes), int(processed)


def settle(poll: sa.Connection, expected: int, since: float) -> tuple[float, int]:
    """Poll until `expected` votes and events are stored, or the counts stall.

    Returns (seconds from `since` until the counts last changed, how many are missing).
    """
    last = counts(poll)
    changed = time.perf_counter()
    deadline = changed + SETTLE_TIMEOUT_S
    while min(last) < expected:
        now = time.perf_counter()
        if now - changed > STALL_S or now > deadline:
            return changed - since, expected - min(last)
        time.sleep(POLL_S)
        current = counts(poll)
        if current != last:
            last, changed = current, time.perf_counter()
    return changed - since, 0


def backlog(poll: sa.Connection) -> int:
    """Inbox rows stored and not yet applied (acknowledged votes still to record)."""
    return int(poll.execute(sa.text("SELECT COUNT(*) FROM inbox_event")).scalar_one())


def send_real(
    pool: ProcessPoolExecutor, real: Real, bodies: list[bytes], plan: Plan, expected: int
) -> tuple[Batch, int]:
    """One batch to the real app, then wait until `expected` votes in all are stored.

    Returns the batch and how many of the `expected` were missing when the wait ended.
    """
    start = time.perf_counter()
    batch = send(pool, real.url, real.secret, bodies, plan)
    batch.backlog = backlog(real.poll)
    last_change, missing = settle(real.poll, expected, start)
    batch.processed_s = max(last_change, batch.load.seconds)
    return batch, missing


# ---------------------------------------------------------------- SIGKILL mid-run


@dataclass
class Killed:
    """A batch to `bot.py serve` killed half way, then restarted on the same database."""

    events: int  # sent or attempted
    acknowledged: int  # answered 200 before the kill
    stored_at_kill: int  # votes recorded when the process died
    inbox_at_kill: int  # stored, not yet recorded
    votes: int  # after the restart
    lost: int  # acknowledged events never recorded
    duplicates: int  # votes beyond the events recorded
    resumed_s: float  # restart until every stored event was recorded


@contextmanager
def served_process(sandbox: SlackSandbox, secret: str, url: str, folder: str) -> Iterator[Any]:
    """`bot.py serve` on a free loopback port (a process of its own, so it can be killed)."""
    import os
    import subprocess

    sock = bound_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACK_BOT_TOKEN": sandbox.BOT_TOKEN,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": sandbox.api_url,
        "DATABASE_URL": url,
        "LIAISON_ALLOW_PRIVATE_URLS": "true",
        "LIAISON_METRICS_PORT": "0",
        # Rows the killed process had leased are taken over this soon.
        "LIAISON_INBOX_LEASE_SECONDS": "2",
        "LIAISON_INBOX_POLL_SECONDS": "0.5",
    }
    bot = str(Path(__file__).resolve().parent.parent / "bot.py")
    process = subprocess.Popen(
        [sys.executable, bot, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("bot.py serve exited at start")
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("bot.py serve did not become healthy in 60 s")
            time.sleep(0.1)
        yield SimpleNamespace(process=process, url=base + "/slack/events")
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def killed_run(
    pool: ProcessPoolExecutor,
    sandbox: SlackSandbox,
    secret: str,
    plan: Plan,
    database_url: str | None,
) -> Killed:
    """Send a batch to `bot.py serve`, SIGKILL it half way, restart, count what was kept."""
    import tempfile

    setup = fanout.Config(channels=1, assets=plan.assets, database_url=database_url)
    with (
        tempfile.TemporaryDirectory() as folder,
        fanout.fresh_database(setup) as url,
        unpooled_engine(url) as engine,
        engine.connect().execution_options(isolation_level="AUTOCOMMIT") as poll,
    ):
        with served_process(sandbox, secret, url, folder) as first:
            with SlackDriver(first.url, secret) as driver:
                targets = launch_targets(driver, poll, plan.assets)
            bodies = envelopes(targets, plan.events, "K")
            sending = pool.submit(generate_load, first.url, secret, bodies, plan.clients, "raw")
            # Kill once about half of the batch is stored (recorded or in the inbox).
            deadline = time.monotonic() + SETTLE_TIMEOUT_S
            while counts(poll)[0] + backlog(poll) < plan.events // 2:
                if sending.done() or time.monotonic() > deadline:
                    break
                time.sleep(0.005)
            first.process.kill()
            first.process.wait(10)
            load = sending.result()
        stored_at_kill, inbox_at_kill = counts(poll)[0], backlog(poll)
        acknowledged = {json.loads(bodies[i])["event_id"] for i in load.acked}
        with served_process(sandbox, secret, url, folder):
            restarted = time.perf_counter()
            settle(poll, len(acknowledged), restarted)
            deadline = time.monotonic() + SETTLE_TIMEOUT_S
            while backlog(poll) and time.monotonic() < deadline:
                time.sleep(POLL_S)
            resumed_s = time.perf_counter() - restarted
        votes, processed = counts(poll)
        handled = set(poll.execute(sa.text("SELECT event_id FROM processed_event")).scalars())
    return Killed(
        events=len(bodies),
        acknowledged=len(acknowledged),
        stored_at_kill=stored_at_kill,
        inbox_at_kill=inbox_at_kill,
        votes=votes,
        lost=len(acknowledged - handled),
        duplicates=max(0, votes - processed),
        resumed_s=resumed_s,
    )


# ---------------------------------------------------------------- report


@dataclass
class Row:
    """One app's batches, pooled, and (real app) what the database holds at the end."""

    name: str
    clients: int
    batches: list[Batch]
    votes: int | None = None
    processed_events: int | None = None
    sent: int | None = None  # every event sent, warm-up included
    notes: list[str] = field(default_factory=list)

    @property
    def events(self) -> int:
        return sum(b.events for b in self.batches)

    @property
    def seconds(self) -> float:
        return sum(b.load.seconds for b in self.batches)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else math.inf

    @property
    def lost(self) -> int | None:
        return None if self.votes is None or self.sent is None else max(0, self.sent - self.votes)

    @property
    def duplicates(self) -> int | None:
        if self.votes is None or self.processed_events is None or self.sent is None:
            return None
        return max(0, self.votes - self.sent) + max(0, self.processed_events - self.sent)

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(x for b in self.batches for x in b.load.latencies_s)
        if not ordered:
            return math.nan
        return 1000 * ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value) or math.isinf(value):
        return "n/a"
    return f"{value:.{digits}f}"


def blank(value: int | None) -> str:
    return "" if value is None else str(value)


def report(bare: Row, real: Row, killed: Killed | None = None) -> str:
    """The markdown table, the ratio, then one line per round and any anomalies."""
    lines = [
        "| app | events | clients | events/s | p50 ms | p99 ms | max ms | failed | server CPU "
        "| client CPU | processed s | processed/s | backlog | votes | lost | duplicates |",
        "|" + "---|" * 16,
    ]
    for row in (bare, real):
        processed = [b.processed_s for b in row.batches if b.processed_s is not None]
        processed_s = sum(processed) if processed else None
        backlogs = [b.backlog for b in row.batches if b.backlog is not None]
        slowest = max((x for b in row.batches for x in b.load.latencies_s), default=math.nan)
        server = sum(b.server_cpu_s for b in row.batches) / row.seconds
        client = sum(b.load.client_cpu_s for b in row.batches) / row.seconds
        lines.append(
            f"| {row.name} | {row.events} | {row.clients} | {fmt(row.rate, 0)} "
            f"| {fmt(row.percentile_ms(0.50))} | {fmt(row.percentile_ms(0.99))} "
            f"| {fmt(1000 * slowest)} | {sum(b.load.non_200 for b in row.batches)} "
            f"| {fmt(100 * server, 0)}% | {fmt(100 * client, 0)}% "
            f"| {fmt(processed_s, 2)} "
            f"| {fmt(row.events / processed_s, 0) if processed_s else 'n/a'} "
            f"| {blank(max(backlogs) if backlogs else None)} | {blank(row.votes)} "
            f"| {blank(row.lost)} | {blank(row.duplicates)} |"
        )
    if killed is not None:
        lines.append(
            f"| real app, SIGKILL mid-run | {killed.events} | {real.clients} | n/a | n/a | n/a "
            f"| n/a | {killed.events - killed.acknowledged} | n/a | n/a "
            f"| {fmt(killed.resumed_s, 2)} "
            f"| n/a | {killed.inbox_at_kill} | {killed.votes} | {killed.lost} "
            f"| {killed.duplicates} |"
        )
    lines += ["", f"ratio real/bare events/s: {real.rate / bare.rate:.2f}"]
    for i, (b, r) in enumerate(zip(bare.batches, real.batches, strict=True)):
        lines.append(
            f"- round {i + 1}: bare {b.rate:.0f} events/s, real {r.rate:.0f} events/s "
            f"(ratio {r.rate / b.rate:.2f}); the real app stored its last vote after "
            f"{fmt(r.processed_s, 2)} s with {blank(r.backlog)} stored votes still to record "
            "at the last ack"
        )
    lines.append(
        f"- real app: {real.votes} votes and {real.processed_events} processed_event rows "
        f"for {real.sent} events sent (warm-up included)"
    )
    if killed is not None:
        lines.append(
            f"- SIGKILL mid-run: {killed.acknowledged} of {killed.events} events acknowledged "
            f"before the kill; at the kill {killed.stored_at_kill} votes recorded and "
            f"{killed.inbox_at_kill} in the inbox; after the restart {killed.votes} votes, "
            f"every stored event recorded {killed.resumed_s:.2f} s after the restart began "
            f"(processed s); lost = acknowledged events never recorded"
        )
    for row in (bare, real):
        errors = [e for b in row.batches for e in b.load.errors]
        if errors:
            lines.append(f"- {row.name}: {len(errors)} client errors, e.g. {errors[0]}")
        odd: Counter[int] = Counter()
        for b in row.batches:
            odd.update({s: n for s, n in b.load.statuses.items() if s != 200})
        if odd:
            lines.append(f"- {row.name}: HTTP statuses other than 200: {dict(odd)}")
        lines += [f"- {row.name}: {note}" for note in row.notes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Events benchmark (see the module docstring).")
    parser.add_argument("--events", type=int, default=None, help="events per batch (5000)")
    parser.add_argument("--rounds", type=int, default=None, help="batches per app (3)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections")
    parser.add_argument(
        "--assets", type=int, default=None, help=f"assets voted on (1..{MAX_COLLATERAL_LINES})"
    )
    parser.add_argument("--quick", action="store_true", help="smoke check: 2 x 600 events")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx", "httpx-threads"),
        default="raw",
        help="load generator: asyncio (uvloop) with a minimal HTTP/1.1 client (default), "
        "httpx.AsyncClient, or one thread with its own httpx.Client per connection",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server as a SQLAlchemy URL, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres: the run creates a database "
        "of its own there and drops it afterwards (default: SQLite in a temp dir)",
    )
    args = parser.parse_args(argv)
    events = args.events or (600 if args.quick else 5000)
    rounds = args.rounds or (2 if args.quick else 3)
    assets = args.assets or (10 if args.quick else MAX_COLLATERAL_LINES)
    if not 1 <= assets <= MAX_COLLATERAL_LINES or min(events, rounds, args.clients) < 1:
        parser.error(f"--assets 1..{MAX_COLLATERAL_LINES}; --events, --rounds, --clients >= 1")
    plan = Plan(events, rounds, max(args.clients, events // 10), args.clients, assets, args.client)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"setup: {database}; {rounds} rounds of {events} events ({math.ceil(events / assets)} "
        f"users x {assets} assets) per app, bare then real, after {plan.warmup} warm-up; "
        f"{args.clients} clients ({args.client}) in a separate process",
        flush=True,
    )
    secret = secrets.token_hex(16)  # both apps verify with the same signing secret
    bare_targets = [Target(0, CHANNEL, f"1700000000.{i:06d}") for i in range(assets)]
    bare = Row("bare Bolt", args.clients, [])
    real = Row("real app", args.clients, [])
    spawn = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool,
        SlackSandbox(bot_scopes=fanout.BOT_SCOPES) as sandbox,
    ):
        pool.submit(time.sleep, 0).result()  # the load process is up before any clock runs
        sandbox.add_channel(
            CHANNEL, name="bench-events", members=[fanout.MARKETER], bot_is_member=True
        )
        with (
            bare_app(sandbox, secret) as bare_url,
            real_app(sandbox, secret, assets, args.database_url) as app,
        ):
            warm = send(pool, bare_url, secret, envelopes(bare_targets, plan.warmup, "WB"), plan)
            if warm.load.non_200:
                bare.notes.append(f"warm-up: {warm.load.non_200} requests failed")
            warm, missing = send_real(
                pool, app, envelopes(app.targets, plan.warmup, "WR"), plan, plan.warmup
            )
            if warm.load.non_200 or missing:
                real.notes.append(f"warm-up: {warm.load.non_200} failed, {missing} not stored")
            for r in range(rounds):
                bare.batches.append(
                    send(pool, bare_url, secret, envelopes(bare_targets, events, f"B{r}"), plan)
                )
                expected = plan.warmup + (r + 1) * events
                batch, missing = send_real(
                    pool, app, envelopes(app.targets, events, f"R{r}"), plan, expected
                )
                real.batches.append(batch)
                if missing:
                    real.notes.append(
                        f"after round {r + 1}: {missing} events sent so far not stored, counts "
                        f"unchanged for {STALL_S:.0f} s"
                    )
                print(
                    f"  round {r + 1}: bare {bare.batches[-1].rate:.0f} events/s, "
                    f"real {batch.rate:.0f} events/s",
                    flush=True,
                )
            real.votes, real.processed_events = counts(app.poll)
            real.sent = plan.warmup + rounds * events
            commits = app.runtime.inbox.commits
            real.notes.append(
                f"{real.sent} events stored in {commits} inbox commits "
                f"({real.sent / max(commits, 1):.1f} events per commit)"
            )
        print("  SIGKILL mid-run: bot.py serve, one batch, killed half way, restarted", flush=True)
        killed = killed_run(pool, sandbox, secret, plan, args.database_url)
    ratio = real.rate / bare.rate if bare.rate > 0 else math.nan
    lost = (real.lost or 0) + killed.lost
    print()
    print(report(bare, real, killed))
    print(f"result: ratio_to_bare={ratio:.2f} p99_ms={real.percentile_ms(0.99):.0f} lost={lost}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
