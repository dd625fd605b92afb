"""history: reactions folded into a per-person state; tallies for metrics; retention indexes

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-06 04:00:00

`reaction_log` (every reaction event ever) becomes `reaction_state` (one row per person
and asset: the latest 👍/👎 put, the removals made after it, the latest 🎯 event), filled
by replaying each person's logged events in event-time order. The replay rules are
written out here rather than imported, so this migration keeps meaning what it meant.

`tally_delta` / `tally_total` hold the outbox's and digest runs' row counts, kept by
triggers in the transactions that change those tables, so /metrics reads counters
instead of counting rows; the counts start from the rows already there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
MAX_REMOVALS = 16

_LOG = sa.table(
    "reaction_log",
    sa.column("id", sa.Integer),
    sa.column("asset_id", sa.Integer),
    sa.column("user_id", sa.String),
    sa.column("verdict", sa.String),
    sa.column("added", sa.Boolean),
    sa.column("at", sa.DateTime(timezone=True)),
)
_STATE = sa.table(
    "reaction_state",
    sa.column("workspace_id", sa.Integer),
    sa.column("asset_id", sa.Integer),
    sa.column("user_id", sa.String),
    sa.column("vote", sa.String),
    sa.column("vote_at", sa.DateTime(timezone=True)),
    sa.column("removals", sa.Text),
    sa.column("used", sa.Boolean),
    sa.column("used_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_ASSET = sa.table("asset", sa.column("id", sa.Integer), sa.column("workspace_id", sa.Integer))

# (table, kind column or None) whose row counts the tallies keep.
_TALLIED = (("outbox_message", "kind"), ("digest_run", None))


def upgrade() -> None:
    op.create_table(
        "reaction_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("vote", sa.String(length=16), nullable=True),
        sa.Column("vote_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removals", sa.Text(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("asset_id", "user_id"),
    )
    _fold_log_into_state()
    op.drop_index("ix_reaction_log_asset_user", table_name="reaction_log")
    op.drop_table("reaction_log")

    op.create_index("ix_outbox_sent", "outbox_message", ["sent_at"])
    op.create_index("ix_outbox_parent", "outbox_message", ["parent_id"])

    op.create_table(
        "tally_delta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tally_total",
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "status", "kind"),
    )
    _settle_digest_runs()
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, kind in _TALLIED:
        for statement in _pg_triggers(table, kind) if postgres else _sqlite_triggers(table, kind):
            op.execute(statement)
        group = f"status, {kind}" if kind else "status"
        selected = group if kind else "status, ''"
        op.execute(
            f"INSERT INTO tally_total (subject, status, kind, n) "
            f"SELECT '{table}', {selected}, count(*) FROM {table} GROUP BY {group}"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, _kind in _TALLIED:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_tally ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_tally_change ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_tally()")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_tally_{event}")
    op.drop_table("tally_total")
    op.drop_table("tally_delta")
    op.drop_index("ix_outbox_parent", table_name="outbox_message")
    op.drop_index("ix_outbox_sent", table_name="outbox_message")

    op.create_table(
        "reaction_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("added", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_reaction_log_asset_user", "reaction_log", ["asset_id", "user_id"], unique=False
    )
    _state_back_into_log()
    op.drop_table("reaction_state")


# ---------------------------------------------------------------- reactions


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _Memory:
    """The replay rules of domain.votes.remember_reaction as of this revision."""

    def __init__(self) -> None:
        self.vote: str | None = None
        self.vote_at: datetime | None = None
        self.removals: list[tuple[str, datetime]] = []
        self.used = False
        self.used_at: datetime | None = None

    def add(self, verdict: str, added: bool, at: datetime) -> None:
        if verdict == "used":
            if self.used_at is None or at >= self.used_at:
                self.used, self.used_at = added, at
            return
        if self.vote_at is not None and at < self.vote_at:
            return
        if added:
            self.vote, self.vote_at = verdict, at
            self.removals = [r for r in self.removals if r[1] > at]
        else:
            self.removals = sorted([*self.removals, (verdict, at)], key=lambda r: r[1])
            del self.removals[MAX_REMOVALS:]


def _people(connection: sa.Connection) -> Iterator[tuple[int, int, str, _Memory]]:
    """Each person's logged reactions on each asset, replayed in event-time order."""
    rows = connection.execute(
        sa.select(
            _LOG.c.asset_id,
            _LOG.c.user_id,
            _ASSET.c.workspace_id,
            _LOG.c.verdict,
            _LOG.c.added,
            _LOG.c.at,
        )
        .join(_ASSET, _ASSET.c.id == _LOG.c.asset_id)
        .order_by(_LOG.c.asset_id, _LOG.c.user_id, _LOG.c.at, _LOG.c.id)
        .execution_options(yield_per=BATCH)
    )
    key: tuple[int, str] | None = None
    workspace_id = 0
    memory = _Memory()
    for asset_id, user_id, workspace, verdict, added, at in rows:
        if (asset_id, user_id) != key:
            if key is not None:
                yield key[0], workspace_id, key[1], memory
            key, workspace_id, memory = (asset_id, user_id), workspace, _Memory()
        memory.add(verdict, bool(added), _utc(at))
    if key is not None:
        yield key[0], workspace_id, key[1], memory


def _fold_log_into_state() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    batch: list[dict[str, Any]] = []
    for asset_id, workspace_id, user_id, memory in _people(connection):
        batch.append(
            {
                "workspace_id": workspace_id,
                "asset_id": asset_id,
                "user_id": user_id,
                "vote": memory.vote,
                "vote_at": memory.vote_at,
                "removals": json.dumps([[v, at.isoformat()] for v, at in memory.removals]),
                "used": memory.used,
                "used_at": memory.used_at,
                "updated_at": now,
            }
        )
        if len(batch) >= BATCH:
            connection.execute(sa.insert(_STATE), batch)
            batch = []
    if batch:
        connection.execute(sa.insert(_STATE), batch)


def _state_back_into_log() -> None:
    """Events that replay to the same state: the latest put, its removals, the 🎯 event."""
    connection = op.get_bind()
    events: list[dict[str, Any]] = []
    for asset_id, user_id, vote, vote_at, removals, used, used_at in connection.execute(
        sa.select(
            _STATE.c.asset_id,
            _STATE.c.user_id,
            _STATE.c.vote,
            _STATE.c.vote_at,
            _STATE.c.removals,
            _STATE.c.used,
            _STATE.c.used_at,
        )
    ):
        person = {"asset_id": asset_id, "user_id": user_id}
        if vote is not None and vote_at is not None:
            events.append({**person, "verdict": vote, "added": True, "at": _utc(vote_at)})
        for verdict, at in json.loads(removals or "[]"):
            moment = datetime.fromisoformat(at)
            events.append({**person, "verdict": verdict, "added": False, "at": moment})
        if used_at is not None:
            events.append({**person, "verdict": "used", "added": bool(used), "at": _utc(used_at)})
    for start in range(0, len(events), BATCH):
        connection.execute(sa.insert(_LOG), events[start : start + BATCH])


# ---------------------------------------------------------------- digest runs


def _settle_digest_runs() -> None:
    """Runs left `claimed` although their message was sent or given up on (the old bug)."""
    connection = op.get_bind()
    outbox = sa.table(
        "outbox_message",
        sa.column("workspace_id", sa.Integer),
        sa.column("dedupe_key", sa.String),
        sa.column("kind", sa.String),
        sa.column("status", sa.String),
        sa.column("ts", sa.String),
        sa.column("sent_at", sa.DateTime(timezone=True)),
    )
    runs = sa.table(
        "digest_run",
        sa.column("workspace_id", sa.Integer),
        sa.column("period_start", sa.DateTime(timezone=True)),
        sa.column("status", sa.String),
        sa.column("ts", sa.String),
        sa.column("posted_at", sa.DateTime(timezone=True)),
    )
    settled = connection.execute(
        sa.select(
            outbox.c.workspace_id,
            outbox.c.dedupe_key,
            outbox.c.status,
            outbox.c.ts,
            outbox.c.sent_at,
        ).where(outbox.c.kind == "digest", outbox.c.status.in_(("sent", "failed")))
    ).all()
    for workspace_id, key, status, ts, sent_at in settled:
        prefix = f"digest:{workspace_id}:"
        try:
            start = datetime.fromisoformat(key[len(prefix) :])
        except ValueError:
            continue
        connection.execute(
            sa.update(runs)
            .where(
                runs.c.workspace_id == workspace_id,
                runs.c.period_start == start,
                runs.c.status == "claimed",
            )
            .values(
                status="posted" if status == "sent" else "failed",
                ts=ts,
                posted_at=sent_at if status == "sent" else None,
            )
        )


# ---------------------------------------------------------------- tallies


def _sqlite_triggers(table: str, kind: str | None) -> list[str]:
    old_kind, new_kind = (f"OLD.{kind}", f"NEW.{kind}") if kind else ("''", "''")
    changed = f"OLD.status IS NOT NEW.status OR {old_kind} IS NOT {new_kind}"
    columns = f"status, {kind}" if kind else "status"
    insert = "INSERT INTO tally_delta (subject, status, kind, n) VALUES"
    return [
        f"CREATE TRIGGER {table}_tally_insert AFTER INSERT ON {table} BEGIN "
        f"{insert} ('{table}', NEW.status, {new_kind}, 1); END",
        f"CREATE TRIGGER {table}_tally_update AFTER UPDATE OF {columns} ON {table} "
        f"WHEN {changed} BEGIN "
        f"{insert} ('{table}', OLD.status, {old_kind}, -1), "
        f"('{table}', NEW.status, {new_kind}, 1); END",
        f"CREATE TRIGGER {table}_tally_delete AFTER DELETE ON {table} BEGIN "
        f"{insert} ('{table}', OLD.status, {old_kind}, -1); END",
    ]


def _pg_triggers(table: str, kind: str | None) -> list[str]:
    old_kind, new_kind = (f"OLD.{kind}", f"NEW.{kind}") if kind else ("''", "''")
    changed = f"OLD.status IS DISTINCT FROM NEW.status OR {old_kind} IS DISTINCT FROM {new_kind}"
    columns = f"status, {kind}" if kind else "status"
    insert = "INSERT INTO tally_delta (subject, status, kind, n) VALUES"
    return [
        f"""CREATE FUNCTION {table}_tally() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {insert} ('{table}', OLD.status, {old_kind}, -1);
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                {insert} ('{table}', NEW.status, {new_kind}, 1);
            END IF;
            RETURN NULL;
        END $$""",
        f"CREATE TRIGGER {table}_tally AFTER INSERT OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_tally()",
        f"CREATE TRIGGER {table}_tally_change AFTER UPDATE OF {columns} ON {table} "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {table}_tally()",
    ]
