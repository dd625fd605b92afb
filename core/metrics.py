"""Prometheus metrics: process counters kept here, queue and digest gauges read at scrape time.

Counters and histograms count what this process saw (HTTP requests, Slack acks, Slack Web
API responses). Outbox and digest figures come from the database when /metrics is scraped,
so every instance on one database reports the same, correct numbers: from counters that
triggers keep in the same transactions as the rows (tally_total plus the few tally_delta
rows not folded yet), never by counting the rows, so a scrape costs the same at 1M rows.
Labels are fixed vocabularies (routes, request kinds, API method names, statuses): never a
team, user or channel. prometheus_client keeps the counts and writes the exposition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from sqlalchemy.engine import Engine
from sqlmodel import col

from models import InboxEvent, OutboxMessage, TallyDelta, TallyTotal, as_utc, utcnow
from models.enums import DigestStatus, OutboxStatus

# The text format /metrics has always served; the library's newest (1.0.0) would make
# scrapers that pin 0.0.4 fall back.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
_METHOD = re.compile(r"^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$")

# No `_created` gauge beside every counter and histogram: the exposed names stay the ones
# the README lists, and Prometheus' text format has no use for them.
disable_created_metrics()  # type: ignore[no-untyped-call]

# ---------------------------------------------------------------- this process's metrics

# Registered in no registry here: each app's registry (app_registry) takes them, so every
# app built in one process (tests) shows the same process-wide counts without clashing.
HTTP_REQUESTS = Counter(
    "liaison_http_requests_total",
    "HTTP requests received, by route and status.",
    ("route", "status"),
    registry=None,
)
SLACK_REQUESTS = Counter(
    "liaison_slack_requests_total",
    "Requests from Slack answered (acknowledged or refused), by kind and HTTP status.",
    ("kind", "status"),
    registry=None,
)
SLACK_ACK_SECONDS = Histogram(
    "liaison_slack_ack_seconds",
    "Time from receiving a Slack request to answering it (Slack allows 3 s), by kind.",
    ("kind",),
    buckets=ACK_BUCKETS,
    registry=None,
)
SLACK_API_REQUESTS = Counter(
    "liaison_slack_api_requests_total",
    "Slack Web API HTTP requests made (each retry counts), by method and outcome "
    "(ok, error, rate_limited, server_error, http_error, network).",
    ("method", "outcome"),
    registry=None,
)
SLACK_API_RATE_LIMITED = Counter(
    "liaison_slack_api_rate_limited_total",
    "HTTP 429 responses received from the Slack Web API, by method.",
    ("method",),
    registry=None,
)
SLACK_UNVERIFIED = Counter(
    "liaison_slack_unverified_total",
    "Requests to /slack/events refused before their body was read or parsed, by reason "
    "(signature, timestamp, size, slow, busy).",
    ("reason",),
    registry=None,
)
PROCESS_METRICS = (
    HTTP_REQUESTS,
    SLACK_REQUESTS,
    SLACK_UNVERIFIED,
    SLACK_ACK_SECONDS,
    SLACK_API_REQUESTS,
    SLACK_API_RATE_LIMITED,
    # process_* (CPU, memory, open files, start time: read from /proc, so on Linux only)
    ProcessCollector(registry=None),
    # python_info
    PlatformCollector(registry=None),
)


def api_method(url: str) -> str:
    """The Web API method a request URL names (`chat.postMessage`), else `other`."""
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return name if len(name) <= 64 and _METHOD.match(name) else "other"


# Slack's documented `rate_limited` error arrives as an HTTP 200 body (`ratelimited` too).
RATE_LIMITED_ERRORS = frozenset({"rate_limited", "ratelimited"})


def record_slack_api_response(
    *, url: str, status: int | None, ok: bool | None, error: str | None = None
) -> None:
    """Count one Slack Web API response (status None: the connection failed; `error` the
    body's error code)."""
    method = api_method(url)
    if status is None:
        outcome = "network"
    elif status == 429:
        outcome = "rate_limited"
        SLACK_API_RATE_LIMITED.labels(method=method).inc()
    elif ok is False and error in RATE_LIMITED_ERRORS:
        outcome = "rate_limited"
    elif status >= 500:
        outcome = "server_error"
    elif status >= 400:
        outcome = "http_error"
    else:
        outcome = "error" if ok is False else "ok"
    SLACK_API_REQUESTS.labels(method=method, outcome=outcome).inc()


def slack_request_kind(body: Any) -> str:
    """What a parsed Slack request body is: command, event, action, view, options, shortcut."""
    if not isinstance(body, dict):
        return "other"
    if "command" in body:
        return "command"
    kind = body.get("type")
    if kind in ("event_callback", "url_verification", "app_rate_limited"):
        return "event"
    if kind in ("block_actions", "interactive_message"):
        return "action"
    if kind in ("view_submission", "view_closed"):
        return "view"
    if kind in ("block_suggestion", "dialog_suggestion"):
        return "options"
    if kind in ("shortcut", "message_action"):
        return "shortcut"
    return "other"


# ---------------------------------------------------------------- scrape-time gauges


@dataclass(frozen=True)
class InboxState:
    """What the inbox holds: stored events not yet applied, and parked ones."""

    waiting: int
    parked: int
    oldest_waiting_s: float | None


def inbox_state(connection: sa.Connection, *, now: datetime) -> InboxState:
    """Count the inbox: unlike the outbox it is counted row by row, because its rows are
    deleted as they are applied, so it holds only the backlog and the parked rows."""
    parked = col(InboxEvent.parked_at).is_not(None)
    waiting, parked_n, oldest = connection.execute(
        sa.select(
            sa.func.count().filter(~parked),
            sa.func.count().filter(parked),
            sa.func.min(col(InboxEvent.received_at)).filter(~parked),
        )
    ).one()
    oldest_s = None if oldest is None else max(0.0, (now - as_utc(oldest)).total_seconds())
    return InboxState(int(waiting or 0), int(parked_n or 0), oldest_s)


@dataclass(frozen=True)
class DatabaseState:
    """What the database says at scrape time; `up` False when it did not answer."""

    up: bool
    outbox: dict[tuple[str, str], int] = field(default_factory=dict)  # (status, kind) -> rows
    oldest_due_s: float | None = None
    digest_runs: dict[str, int] = field(default_factory=dict)
    inbox: InboxState | None = None


def oldest_due_seconds(connection: sa.Connection, *, now: datetime) -> float | None:
    """How long the oldest due, pending outbox message has waited (None: nothing is due)."""
    due_at = col(OutboxMessage.next_attempt_at)
    oldest = connection.execute(
        sa.select(sa.func.min(due_at)).where(
            col(OutboxMessage.status) == OutboxStatus.PENDING.value, due_at <= now
        )
    ).scalar()
    return max(0.0, (now - as_utc(oldest)).total_seconds()) if oldest is not None else None


_TOTAL: sa.Table = TallyTotal.__table__  # type: ignore[attr-defined]
_DELTA: sa.Table = TallyDelta.__table__  # type: ignore[attr-defined]


def _tallies_query() -> sa.Select[Any]:
    # One statement, so a fold (deltas deleted and added to totals in one transaction)
    # is seen whole or not at all.
    both = sa.union_all(
        sa.select(_TOTAL.c.subject, _TOTAL.c.status, _TOTAL.c.kind, _TOTAL.c.n),
        sa.select(_DELTA.c.subject, _DELTA.c.status, _DELTA.c.kind, _DELTA.c.n),
    ).subquery()
    return sa.select(both.c.subject, both.c.status, both.c.kind, sa.func.sum(both.c.n)).group_by(
        both.c.subject, both.c.status, both.c.kind
    )


_TALLIES = _tallies_query()


def read_database(engine: Engine, *, now: datetime | None = None) -> DatabaseState:
    """Read the outbox and digest-run counters; a database that does not answer gives up=False."""
    now = now or utcnow()
    try:
        # AUTOCOMMIT: plain reads, no transaction (SQLite would otherwise take its write lock).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            tallies = connection.execute(_TALLIES).all()
            oldest_due_s = oldest_due_seconds(connection, now=now)
            inbox = inbox_state(connection, now=now)
    except sa.exc.SQLAlchemyError:
        return DatabaseState(up=False)
    outbox: dict[tuple[str, str], int] = {}
    runs: dict[str, int] = {}
    for subject, status, kind, n in tallies:
        if not n:
            continue  # every such row is gone
        if subject == "outbox_message":
            outbox[(str(status), str(kind))] = int(n)
        elif subject == "digest_run":
            runs[str(status)] = int(n)
    return DatabaseState(
        up=True, outbox=outbox, oldest_due_s=oldest_due_s, digest_runs=runs, inbox=inbox
    )


def _gauge(name: str, help: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, help, value=value)


def _gauges(
    name: str, help: str, labels: tuple[str, ...], samples: Iterable[tuple[tuple[str, ...], float]]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, help, labels=labels)
    for values, value in samples:
        family.add_metric(values, value)
    return family


def database_families(state: DatabaseState) -> list[Metric]:
    """The database's gauges; every known status is present, with 0 when it has no rows."""
    up = _gauge("liaison_database_up", "1 when the database answered this scrape.", float(state.up))
    if not state.up:
        return [up]
    depth = [
        ((s.value,), sum(n for (status, _), n in state.outbox.items() if status == s.value))
        for s in OutboxStatus
    ]
    families: list[Metric] = [
        up,
        _gauges(
            "liaison_outbox_messages",
            "Rows in the outbox (messages for Slack), by status.",
            ("status",),
            depth,
        ),
        _gauges(
            "liaison_outbox_messages_by_kind",
            "Rows in the outbox by status and kind (announcement, asset_reply, digest, ...).",
            ("status", "kind"),
            sorted(state.outbox.items()),
        ),
        _gauge(
            "liaison_outbox_oldest_due_seconds",
            "How long the oldest due, unsent outbox message has waited (0 when none).",
            state.oldest_due_s or 0.0,
        ),
        _gauges(
            "liaison_digest_runs",
            "Scheduled digest periods claimed, by status.",
            ("status",),
            [((s.value,), state.digest_runs.get(s.value, 0)) for s in DigestStatus],
        ),
    ]
    if state.inbox is not None:
        families += [
            _gauges(
                "liaison_inbox_events",
                "Events stored before their ack: waiting to be applied, or parked after their"
                " last attempt (bot.py inbox).",
                ("state",),
                [(("waiting",), state.inbox.waiting), (("parked",), state.inbox.parked)],
            ),
            _gauge(
                "liaison_inbox_oldest_waiting_seconds",
                "How long the oldest stored, unapplied event has waited (0 when none).",
                state.inbox.oldest_waiting_s or 0.0,
            ),
        ]
    return families


def scheduler_family(running: bool | None) -> list[Metric]:
    """`liaison_scheduler_running` (absent when this server has no scheduler)."""
    if running is None:
        return []
    return [
        _gauge("liaison_scheduler_running", "1 when the job scheduler is running.", float(running))
    ]


class DatabaseCollector:
    """The database's and the scheduler's gauges, read afresh on every scrape."""

    def __init__(self, engine: Engine, scheduler_running: Callable[[], bool | None]) -> None:
        self.engine, self.scheduler_running = engine, scheduler_running

    def collect(self) -> Iterator[Metric]:
        """Read the counters (blocking: scrape from a worker thread, not the event loop)."""
        yield from database_families(read_database(self.engine))
        yield from scheduler_family(self.scheduler_running())


def app_registry(engine: Engine, scheduler_running: Callable[[], bool | None]) -> CollectorRegistry:
    """One app's registry: this process's metrics, and the gauges of its database and
    scheduler (`scheduler_running` returns None when this app runs no scheduler)."""
    registry = CollectorRegistry()
    for metric in (*PROCESS_METRICS, DatabaseCollector(engine, scheduler_running)):
        registry.register(metric)
    return registry
