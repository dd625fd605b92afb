"""Streaming the export from the database, on SQLite and PostgreSQL (no Slack needed)."""

from __future__ import annotations

import io
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from core.db import session_scope_for
from domain.export import HELD_BACK, ExportPeriod
from models import Asset, Comment, Source, Usage, Vote, VoteValue, WorkspaceAdmin
from sandbox.constants import TEAM_ID
from services.collateral import add_asset
from services.export import (
    count_feedback,
    followup_authors,
    iter_feedback,
    may_export,
    write_feedback_csv,
)
from services.workspaces import ensure_workspace, find_workspace
from tests.support.exports import ACCUSATION, read_csv, seed_feedback
from tests.support.workspaces import ref_by_id, workspace_ref


def export_text(engine: Engine, workspace_id: int, period: ExportPeriod, **kw: Any) -> str:
    out = io.StringIO(newline="")
    with session_scope_for(engine)() as session:
        write_feedback_csv(
            session=session,
            workspace=ref_by_id(session, workspace_id),
            period=period,
            out=out,
            names=kw.pop("names", {}),
            **kw,
        )
    return out.getvalue()


def test_export_holds_every_kind_in_order_and_blame_free(engine: Engine) -> None:
    now = datetime.now(UTC)
    seeded = seed_feedback(engine, now=now)
    period = ExportPeriod(now - timedelta(days=30), now + timedelta(seconds=5))
    rows = read_csv(export_text(engine, seeded.workspace_id, period, names={"U0REP1": "Riley"}))
    summary = [
        (r["kind"], r["asset"], r["campaign"], r["value"], r["comment"], r["flagged"], r["author"])
        for r in rows
    ]
    assert summary == [
        ("vote", "PD-1", "Spring launch", "useful", "", "", "anonymous"),
        ("vote", "BA-2", "", "needs work", "", "", "anonymous"),
        ("use", "PD-1", "Spring launch", "used", "", "", "anonymous"),
        (
            "comment",
            "PD-1",
            "Spring launch",
            "useful",
            "Great for enterprise, thanks!",
            "no",
            "Riley",
        ),
        (
            "comment",
            "BA-2",
            "",
            "needs work",
            "'=cmd|' /C calc'!A0, \"quoted\"\nsecond line 🎯",
            "no",
            "anonymous",
        ),
        ("comment", "", "Spring launch", "", "When is the webinar?", "no", "anonymous"),
        ("comment", "PD-1", "Spring launch", "", HELD_BACK, "yes", "anonymous"),
    ]
    assert rows[0]["asset_title"] == "Pricing deck" and rows[0]["source"] == "reaction"
    assert rows[3]["author_slack_id"] == "U0REP1"
    assert [r["author_slack_id"] for r in rows if r["author"] == "anonymous"] == [""] * 6
    assert ACCUSATION not in export_text(engine, seeded.workspace_id, period)
    dates = [r["date_utc"] for r in rows]
    assert dates == sorted(dates) and all(d.endswith("Z") and "T" in d for d in dates)
    assert dates[0] == (now - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with session_scope_for(engine)() as session:
        assert (
            count_feedback(
                session=session, workspace=ref_by_id(session, seeded.workspace_id), period=period
            )
            == 7
        )
        assert followup_authors(
            session=session, workspace=ref_by_id(session, seeded.workspace_id), period=period
        ) == ["U0REP1"]


def test_period_bounds_are_half_open_and_workspaces_apart(engine: Engine) -> None:
    now = datetime.now(UTC)
    seeded = seed_feedback(engine, now=now)
    other = seed_feedback(engine, now=now, team_id="T0OTHER")
    # [5 days ago, 2 days ago): the 5-day-old vote is in, the 2-day-old comment is out.
    period = ExportPeriod(now - timedelta(days=5), now - timedelta(days=2))
    rows = read_csv(export_text(engine, seeded.workspace_id, period))
    assert [r["kind"] for r in rows] == ["vote", "vote", "use"]
    everything = ExportPeriod(now - timedelta(days=400), now + timedelta(seconds=5))
    assert len(read_csv(export_text(engine, other.workspace_id, everything))) == 8
    with session_scope_for(engine)() as session:
        assert find_workspace(session=session, team_id="T0NOBODY") is None
        found = find_workspace(session=session, team_id=TEAM_ID)
        assert found is not None and found.id == seeded.workspace_id


def test_small_batches_with_equal_times_lose_and_repeat_nothing(engine: Engine) -> None:
    at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    with session_scope_for(engine)() as session:
        workspace = ensure_workspace(session=session, team_id=TEAM_ID)
        asset = add_asset(
            session=session,
            workspace=workspace_ref(session, TEAM_ID),
            url="https://e.com/x",
            title="X",
            user_id="U1",
        ).asset
        assert workspace.id is not None and asset.id is not None
        for i in range(23):
            # Many rows share one instant: the keyset must continue by id within it.
            when = at + timedelta(seconds=i // 5)
            session.add(
                Vote(
                    workspace_id=workspace.id,
                    asset_id=asset.id,
                    user_id=f"U{i:03d}",
                    value=VoteValue.USEFUL,
                    source=Source.REACTION,
                    created_at=when,
                )
            )
            session.add(
                Usage(
                    workspace_id=workspace.id,
                    asset_id=asset.id,
                    user_id=f"U{i:03d}",
                    source=Source.COMMAND,
                    created_at=when,
                )
            )
        session.commit()
        period = ExportPeriod(at, at + timedelta(hours=1))
        records = list(
            iter_feedback(
                session=session,
                workspace=ref_by_id(session, workspace.id),
                period=period,
                batch_size=4,
            )
        )
    assert len(records) == 46
    assert len({(r.kind, r.row_id) for r in records}) == 46
    assert [r.order for r in records] == sorted(r.order for r in records)
    # At one instant, votes come before uses.
    assert [r.kind.value for r in records[:10]] == ["vote"] * 5 + ["use"] * 5


def test_named_admins_and_workspace_admins_may_export(engine: Engine) -> None:
    scope = session_scope_for(engine)
    with scope() as session:
        workspace = ensure_workspace(session=session, team_id=TEAM_ID)
        assert workspace.id is not None
        session.add(WorkspaceAdmin(workspace_id=workspace.id, user_id="U0MKT1", added_by="UADMIN"))
        session.commit()
    cases: list[tuple[dict[str, object], bool]] = [
        ({"id": "UADMIN", "is_admin": True}, True),
        ({"id": "UOWNER", "is_owner": True}, True),
        ({"id": "U0MKT1"}, True),
        ({"id": "U0REP1"}, False),
        ({"id": "U0MKT1", "deleted": True}, False),
    ]
    with scope() as session:
        for actor, allowed in cases:
            assert (
                may_export(session=session, workspace=workspace_ref(session, TEAM_ID), actor=actor)
                is allowed
            ), actor


class _Sink(io.TextIOBase):
    """Counts what is written, keeping nothing."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def _bulk_feedback(engine: Engine, *, start: datetime, count: int) -> int:
    """`count` votes and `count` comments, one a minute from `start`; returns the workspace id."""
    with session_scope_for(engine)() as session:
        workspace = ensure_workspace(session=session, team_id=TEAM_ID)
        workspace_id = workspace.id
        assert workspace_id is not None
        session.execute(
            sa.insert(Asset),
            [
                {
                    "workspace_id": workspace_id,
                    "number": n,
                    "handle": f"A-{n}",
                    "title": f"Asset {n}",
                    "url": f"https://e.com/{n}",
                    "url_key": f"{n:064d}",
                    "added_by": "U1",
                    "created_at": start,
                }
                for n in range(1, 101)
            ],
        )
        asset_ids = list(
            session.execute(sa.select(col(Asset.id)).order_by(col(Asset.id))).scalars()
        )
        minute = timedelta(minutes=1)
        for chunk in range(0, count, 10_000):
            numbers = range(chunk, min(count, chunk + 10_000))
            session.execute(
                sa.insert(Vote),
                [
                    {
                        "workspace_id": workspace_id,
                        "asset_id": asset_ids[i % 100],
                        "user_id": f"U{i // 100:05d}",
                        "value": "useful" if i % 3 else "needs_work",
                        "source": "reaction",
                        "created_at": start + i * minute,
                    }
                    for i in numbers
                ],
            )
            session.execute(
                sa.insert(Comment),
                [
                    {
                        "workspace_id": workspace_id,
                        "asset_id": asset_ids[i % 100],
                        "user_id": f"U{i:05d}",
                        "text": f"comment {i} " + "x" * 80,
                        "followup_ok": i % 2 == 0,
                        "flagged": False,
                        "source": "modal",
                        "created_at": start + i * minute,
                    }
                    for i in numbers
                ],
            )
        session.commit()
    return workspace_id


START = datetime(2024, 1, 1, tzinfo=UTC)


def test_100k_rows_stream_in_batches(engine: Engine) -> None:
    workspace_id = _bulk_feedback(engine, start=START, count=50_000)
    fetched: list[int] = []

    def count_rows(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "LIMIT" in statement:
            fetched.append(cursor.rowcount)

    period = ExportPeriod(START, START + timedelta(days=400))
    sink = _Sink()
    seen: list[int] = []
    sa.event.listen(engine, "after_cursor_execute", count_rows)
    try:
        with session_scope_for(engine)() as session:
            rows = write_feedback_csv(
                session=session,
                workspace=ref_by_id(session, workspace_id),
                period=period,
                out=sink,  # type: ignore[arg-type]
                names={},
                progress=seen.append,
            )
    finally:
        sa.event.remove(engine, "after_cursor_execute", count_rows)
    assert rows == 100_000
    assert sink.chars > 100_000 * 50
    assert seen[-1] == 100_000 and len(seen) == 51  # once a batch, and at the end
    # 25 full batches per table, and the final empty read of each of the three tables.
    assert len(fetched) == 2 * 26 + 1


def _peak(engine: Engine, workspace_id: int, period: ExportPeriod) -> int:
    with session_scope_for(engine)() as session:
        tracemalloc.start()
        try:
            write_feedback_csv(
                session=session,
                workspace=ref_by_id(session, workspace_id),
                period=period,
                out=_Sink(),  # type: ignore[arg-type]
                names={},
                batch_size=200,
            )
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def test_memory_stays_flat_as_the_period_grows(engine: Engine) -> None:
    workspace_id = _bulk_feedback(engine, start=START, count=6_000)
    _peak(engine, workspace_id, ExportPeriod(START, START + timedelta(minutes=100)))  # warm up
    small = _peak(engine, workspace_id, ExportPeriod(START, START + timedelta(minutes=1_200)))
    large = _peak(engine, workspace_id, ExportPeriod(START, START + timedelta(minutes=6_000)))
    # Five times the rows, about the same memory: only the current batches are held.
    assert large < small * 1.5 + 256 * 1024, (small, large)
