"""The /metrics registry: this process's metrics and the gauges read at scrape time.

Outbox and digest figures come from the database when /metrics is scraped, so every
instance on one database reports the same, correct numbers: from counters that triggers
keep in the same transactions as the rows (tally_total plus the few tally_delta rows not
folded yet), never by counting the rows, so a scrape costs the same at 1M rows. The
process's own counters and histograms are in core/metrics.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from sqlalchemy.engine import Engine
from sqlmodel import col

from core.metrics import PROCESS_METRICS
from models import InboxEvent, OutboxMessage, TallyDelta, TallyTotal, as_utc, utcnow
from models.enums import DigestStatus, OutboxStatus


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
