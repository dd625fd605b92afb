"""Prometheus metrics: process counters kept here, queue and digest gauges read at scrape time.

Counters and histograms count what this process saw (HTTP requests, Slack acks, Slack Web
API responses). Outbox and digest figures come from the database when /metrics is scraped,
so every instance on one database reports the same, correct numbers: from counters that
triggers keep in the same transactions as the rows (tally_total plus the few tally_delta
rows not folded yet), never by counting the rows, so a scrape costs the same at 1M rows.
Labels are fixed
vocabularies (routes, request kinds, API method names, statuses): never a team, user or
channel.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from models import InboxEvent, OutboxMessage, TallyDelta, TallyTotal, as_utc, utcnow
from models.enums import DigestStatus, OutboxStatus

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Kind = Literal["counter", "gauge", "histogram"]
Labels = tuple[tuple[str, str], ...]

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
_METHOD = re.compile(r"^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$")


@dataclass
class Family:
    """One metric family as exposed: its samples are (name, labels, value)."""

    name: str
    help: str
    kind: Kind
    samples: list[tuple[str, Labels, float]] = field(default_factory=list)


def _key(name: str, names: tuple[str, ...], labels: dict[str, str]) -> tuple[str, ...]:
    if len(labels) != len(names) or not all(n in labels for n in names):
        raise ValueError(f"{name} takes labels {names}, got {sorted(labels)}")
    return tuple(labels[n] for n in names)


class Counter:
    """A monotonically increasing count per label set; safe to use from any thread."""

    def __init__(self, name: str, help: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help, self.labels = name, help, tuple(labels)
        self._values: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        """Add `amount` to the count for these label values."""
        key = _key(self.name, self.labels, labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        """The current count for these label values (0 when never incremented)."""
        key = _key(self.name, self.labels, labels)
        with self._lock:
            return self._values.get(key, 0.0)

    def collect(self) -> Family:
        """A snapshot of every label set counted so far."""
        with self._lock:
            items = sorted(self._values.items())
        return Family(
            self.name,
            self.help,
            "counter",
            [(self.name, tuple(zip(self.labels, key, strict=True)), v) for key, v in items],
        )


class Histogram:
    """Observed durations in cumulative buckets per label set; safe to use from any thread."""

    def __init__(
        self, name: str, help: str, labels: Sequence[str] = (), *, buckets: Sequence[float]
    ) -> None:
        self.name, self.help, self.labels = name, help, tuple(labels)
        self.buckets = tuple(sorted(buckets))
        # Per label set: a count per bucket (not cumulative), then the sum and the count.
        self._values: dict[tuple[str, ...], tuple[list[int], float, int]] = {}
        self._lock = threading.Lock()

    def observe(self, amount: float, **labels: str) -> None:
        """Record one observation for these label values."""
        key = _key(self.name, self.labels, labels)
        index = next((i for i, b in enumerate(self.buckets) if amount <= b), len(self.buckets))
        with self._lock:
            counts, total, n = self._values.get(key) or ([0] * (len(self.buckets) + 1), 0.0, 0)
            counts[index] += 1
            self._values[key] = (counts, total + amount, n + 1)

    def collect(self) -> Family:
        """A snapshot in Prometheus' cumulative `_bucket`, `_sum`, `_count` form."""
        with self._lock:
            items = sorted((k, (list(c), s, n)) for k, (c, s, n) in self._values.items())
        family = Family(self.name, self.help, "histogram")
        for key, (counts, total, n) in items:
            labels = tuple(zip(self.labels, key, strict=True))
            running = 0
            for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
                running += count
                family.samples.append(
                    (f"{self.name}_bucket", (*labels, ("le", _number(bound))), running)
                )
            family.samples.append((f"{self.name}_sum", labels, total))
            family.samples.append((f"{self.name}_count", labels, n))
        return family


# ---------------------------------------------------------------- this process's metrics

HTTP_REQUESTS = Counter(
    "liaison_http_requests_total",
    "HTTP requests received, by route and status.",
    ("route", "status"),
)
SLACK_REQUESTS = Counter(
    "liaison_slack_requests_total",
    "Requests from Slack answered (acknowledged or refused), by kind and HTTP status.",
    ("kind", "status"),
)
SLACK_ACK_SECONDS = Histogram(
    "liaison_slack_ack_seconds",
    "Time from receiving a Slack request to answering it (Slack allows 3 s), by kind.",
    ("kind",),
    buckets=ACK_BUCKETS,
)
SLACK_API_REQUESTS = Counter(
    "liaison_slack_api_requests_total",
    "Slack Web API HTTP requests made (each retry counts), by method and outcome "
    "(ok, error, rate_limited, server_error, http_error, network).",
    ("method", "outcome"),
)
SLACK_API_RATE_LIMITED = Counter(
    "liaison_slack_api_rate_limited_total",
    "HTTP 429 responses received from the Slack Web API, by method.",
    ("method",),
)
SLACK_UNVERIFIED = Counter(
    "liaison_slack_unverified_total",
    "Requests to /slack/events refused before their body was read or parsed, by reason "
    "(signature, timestamp, size, slow, busy).",
    ("reason",),
)
PROCESS_METRICS: tuple[Counter | Histogram, ...] = (
    HTTP_REQUESTS,
    SLACK_REQUESTS,
    SLACK_UNVERIFIED,
    SLACK_ACK_SECONDS,
    SLACK_API_REQUESTS,
    SLACK_API_RATE_LIMITED,
)
STARTED_AT = time.time()


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
        SLACK_API_RATE_LIMITED.inc(method=method)
    elif ok is False and error in RATE_LIMITED_ERRORS:
        outcome = "rate_limited"
    elif status >= 500:
        outcome = "server_error"
    elif status >= 400:
        outcome = "http_error"
    else:
        outcome = "error" if ok is False else "ok"
    SLACK_API_REQUESTS.inc(method=method, outcome=outcome)


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


def database_families(state: DatabaseState) -> list[Family]:
    """The database's gauges; every known status is present, with 0 when it has no rows."""
    up = Family("liaison_database_up", "1 when the database answered this scrape.", "gauge")
    up.samples.append(("liaison_database_up", (), 1.0 if state.up else 0.0))
    if not state.up:
        return [up]
    depth = Family(
        "liaison_outbox_messages", "Rows in the outbox (messages for Slack), by status.", "gauge"
    )
    for outbox_status in OutboxStatus:
        n = sum(rows for (s, _), rows in state.outbox.items() if s == outbox_status.value)
        depth.samples.append(("liaison_outbox_messages", (("status", outbox_status.value),), n))
    by_kind = Family(
        "liaison_outbox_messages_by_kind",
        "Rows in the outbox by status and kind (announcement, asset_reply, digest, ...).",
        "gauge",
    )
    for (status, kind), n in sorted(state.outbox.items()):
        by_kind.samples.append(
            ("liaison_outbox_messages_by_kind", (("status", status), ("kind", kind)), n)
        )
    oldest = Family(
        "liaison_outbox_oldest_due_seconds",
        "How long the oldest due, unsent outbox message has waited (0 when none).",
        "gauge",
    )
    oldest.samples.append(("liaison_outbox_oldest_due_seconds", (), state.oldest_due_s or 0.0))
    runs = Family("liaison_digest_runs", "Scheduled digest periods claimed, by status.", "gauge")
    for run_status in DigestStatus:
        n = state.digest_runs.get(run_status.value, 0)
        runs.samples.append(("liaison_digest_runs", (("status", run_status.value),), n))
    families = [up, depth, by_kind, oldest, runs]
    if state.inbox is not None:
        inbox = Family(
            "liaison_inbox_events",
            "Events stored before their ack: waiting to be applied, or parked after their"
            " last attempt (bot.py inbox).",
            "gauge",
        )
        inbox.samples.append(("liaison_inbox_events", (("state", "waiting"),), state.inbox.waiting))
        inbox.samples.append(("liaison_inbox_events", (("state", "parked"),), state.inbox.parked))
        inbox_oldest = Family(
            "liaison_inbox_oldest_waiting_seconds",
            "How long the oldest stored, unapplied event has waited (0 when none).",
            "gauge",
        )
        inbox_oldest.samples.append(
            ("liaison_inbox_oldest_waiting_seconds", (), state.inbox.oldest_waiting_s or 0.0)
        )
        families += [inbox, inbox_oldest]
    return families


def scheduler_family(running: bool | None) -> list[Family]:
    """`liaison_scheduler_running` (absent when this server has no scheduler)."""
    if running is None:
        return []
    family = Family("liaison_scheduler_running", "1 when the job scheduler is running.", "gauge")
    family.samples.append(("liaison_scheduler_running", (), 1.0 if running else 0.0))
    return [family]


def process_families() -> list[Family]:
    """This process's counters and histograms, and its start time."""
    families = [metric.collect() for metric in PROCESS_METRICS]
    start = Family(
        "process_start_time_seconds", "Start time of the process, in Unix seconds.", "gauge"
    )
    start.samples.append(("process_start_time_seconds", (), STARTED_AT))
    return [*families, start]


# ---------------------------------------------------------------- exposition


def render(families: Iterable[Family]) -> str:
    """The Prometheus text exposition format (version 0.0.4)."""
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for name, labels, value in family.samples:
            if labels:
                pairs = ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels)
                lines.append(f"{name}{{{pairs}}} {_number(value)}")
            else:
                lines.append(f"{name} {_number(value)}")
    return "\n".join(lines) + "\n"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return str(int(value)) if float(value).is_integer() else repr(float(value))
