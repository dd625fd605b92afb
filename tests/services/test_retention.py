"""Bounded history: pruning by age in bounded batches, and counters that never drift."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.gauges import read_database
from models import (
    DigestRun,
    DigestStatus,
    OAuthState,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    ProcessedEvent,
    TallyDelta,
    Workspace,
    utcnow,
)
from services import delivery
from services.retention import (
    Retention,
    fold_tallies,
    prune_history,
    prune_processed_events,
    prune_sent_messages,
)
from services.uninstall import forget_workspace
from tests.support.workspaces import workspace_ref

DAY = timedelta(days=1)


def workspace(engine: Engine, team_id: str = "T0KEEP") -> int:
    with Session(engine) as session:
        row = Workspace(team_id=team_id)
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def counted(engine: Engine) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """The real row counts, by a full scan (what the counters must equal)."""
    with engine.connect() as connection:
        outbox = connection.execute(
            sa.select(col(OutboxMessage.status), col(OutboxMessage.kind), sa.func.count()).group_by(
                col(OutboxMessage.status), col(OutboxMessage.kind)
            )
        ).all()
        runs = connection.execute(
            sa.select(col(DigestRun.status), sa.func.count()).group_by(col(DigestRun.status))
        ).all()
    return {(str(s), str(k)): n for s, k, n in outbox}, {str(s): n for s, n in runs}


def assert_counters_match(engine: Engine) -> None:
    """What /metrics reads equals the rows, before and after folding the deltas."""
    for _ in range(2):
        state = read_database(engine)
        assert (state.outbox, state.digest_runs) == counted(engine)
        with Session(engine) as session:
            fold_tallies(session=session, batch=3)  # small batches: several transactions
    with Session(engine) as session:
        assert session.exec(select(sa.func.count()).select_from(TallyDelta)).one() == 0


def message(workspace_id: int, key: str, kind: str, **values: object) -> OutboxMessage:
    return OutboxMessage(
        workspace_id=workspace_id,
        dedupe_key=key,
        kind=OutboxKind(kind),
        channel_id=f"C0{key.upper()}",
        payload="{}",
        **values,  # type: ignore[arg-type]
    )


def test_counters_follow_the_outbox_through_enqueue_send_retry_fail_and_delete(
    engine: Engine,
) -> None:
    kept = workspace(engine)
    gone = workspace(engine, "T0GONE")
    now = utcnow()
    with Session(engine) as session:
        kinds = ["announcement", "asset_reply", "summary", "digest", "refresh"]
        for n in range(20):
            session.add(message(kept, f"k{n}", kinds[n % 5], next_attempt_at=now - DAY))
        for n in range(6):
            session.add(message(gone, f"g{n}", "asset_reply", next_attempt_at=now - DAY))
        session.add(DigestRun(workspace_id=kept, period_start=now - 7 * DAY, period_end=now))
        session.add(DigestRun(workspace_id=gone, period_start=now - 7 * DAY, period_end=now))
        session.commit()
    assert_counters_match(engine)
    assert read_database(engine).outbox[("pending", "asset_reply")] == 4 + 6

    with Session(engine) as session:
        jobs = delivery.claim(session=session, worker_id="w", now=now, lock_s=30, limit=26)
    assert len(jobs) == 26
    assert_counters_match(engine)
    sending = read_database(engine).outbox
    assert {s for s, _ in sending} == {"sending"} and sum(sending.values()) == 26
    outcomes: list[delivery.Outcome] = []
    for n, job in enumerate(jobs):
        if n % 3 == 0:
            outcomes.append(delivery.Sent(job_id=job.id, ts=f"1.{n}", at=now))
        elif n % 3 == 1:
            outcomes.append(
                delivery.Retry(
                    job_id=job.id, delay_s=60, error="x", counts=True, verify_first=False
                )
            )
        else:
            outcomes.append(delivery.Failed(job_id=job.id, reason="channel_not_found"))
    with Session(engine) as session:
        delivery.settle(session=session, worker_id="w", outcomes=outcomes, now=now)
    assert_counters_match(engine)
    state = read_database(engine)
    assert sum(n for (s, _), n in state.outbox.items() if s == "sent") == 9

    with Session(engine) as session:  # a status changed by plain SQL counts too
        session.execute(sa.update(DigestRun).values(status=DigestStatus.POSTED.value))
        session.commit()
    assert_counters_match(engine)
    assert read_database(engine).digest_runs == {"posted": 2}

    with Session(engine) as session:  # a purge deletes through ON DELETE CASCADE
        forget_workspace(session=session, workspace=workspace_ref(session, "T0GONE"), purge=True)
    assert_counters_match(engine)
    with Session(engine) as session:
        prune_sent_messages(session=session, before=now + DAY, batch=2)
    assert_counters_match(engine)
    assert read_database(engine).digest_runs == {"posted": 1}


def test_counters_stay_right_while_writers_and_folds_run_at_once(engine: Engine) -> None:
    kept = workspace(engine)
    stop = threading.Event()
    errors: list[BaseException] = []

    def fold() -> None:
        try:
            while not stop.is_set():
                with Session(engine) as session:
                    fold_tallies(session=session, batch=7)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    folders = [threading.Thread(target=fold) for _ in range(2)]
    for thread in folders:
        thread.start()
    try:
        for n in range(60):
            with Session(engine) as session:
                session.add(message(kept, f"r{n}", "refresh"))
                session.commit()
            if n % 2:
                with Session(engine) as session:
                    session.execute(
                        sa.update(OutboxMessage)
                        .where(col(OutboxMessage.dedupe_key) == f"r{n - 1}")
                        .values(status=OutboxStatus.SENT.value, sent_at=utcnow())
                    )
                    session.commit()
            state = read_database(engine)
            assert sum(state.outbox.values()) == n + 1
    finally:
        stop.set()
        for thread in folders:
            thread.join(30)
    assert errors == []
    assert_counters_match(engine)
    assert read_database(engine).outbox == {("pending", "refresh"): 30, ("sent", "refresh"): 30}


def test_rows_past_their_retention_go_and_newer_and_unsent_ones_stay(engine: Engine) -> None:
    kept = workspace(engine)
    now = utcnow()
    old, recent = now - 40 * DAY, now - 2 * DAY
    with Session(engine) as session:
        session.add(ProcessedEvent(event_id="Ev0OLD", team_id="T0KEEP", received_at=now - 2 * DAY))
        session.add(ProcessedEvent(event_id="Ev0NEW", team_id="T0KEEP", received_at=now))
        session.add(OAuthState(state="old", expires_at=now - timedelta(hours=3)))
        session.add(OAuthState(state="live", expires_at=now + timedelta(minutes=9)))
        rows = {
            "sent-old": ("asset_reply", OutboxStatus.SENT, old),
            "sent-recent": ("asset_reply", OutboxStatus.SENT, recent),
            "digest-old": ("digest", OutboxStatus.SENT, old),
            "pending-old": ("summary", OutboxStatus.PENDING, None),
            "sending-old": ("summary", OutboxStatus.SENDING, None),
            "failed-old": ("asset_reply", OutboxStatus.FAILED, None),
            "announce-old": ("announcement", OutboxStatus.SENT, old),
        }
        for key, (kind, status, sent_at) in rows.items():
            session.add(message(kept, key, kind, status=status, sent_at=sent_at, created_at=old))
        session.flush()
        parent = session.exec(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == "announce-old")
        ).one()
        # A refresh of the old announcement still waits: neither may go.
        session.add(message(kept, "refresh-waiting", "refresh", parent_id=parent, created_at=old))
        session.commit()
    retention = Retention(
        events=timedelta(hours=24), sent=30 * DAY, expired_states=timedelta(hours=1), batch=100
    )
    with Session(engine) as session:
        pruned = prune_history(session=session, now=now, retention=retention)
    assert (pruned.events, pruned.sent, pruned.states) == (1, 2, 1)
    with Session(engine) as session:
        events = set(session.exec(select(ProcessedEvent.event_id)).all())
        states = set(session.exec(select(OAuthState.state)).all())
        keys = set(session.exec(select(OutboxMessage.dedupe_key)).all())
    assert events == {"Ev0NEW"} and states == {"live"}
    assert keys == set(rows) - {"sent-old", "digest-old"} | {"refresh-waiting"}
    assert_counters_match(engine)


@pytest.mark.parametrize("batch", [1, 7, 50])
def test_pruning_deletes_in_bounded_batches_each_its_own_transaction(
    engine: Engine, batch: int
) -> None:
    now = utcnow()
    with Session(engine) as session:
        for n in range(120):
            session.add(ProcessedEvent(event_id=f"Ev{n}", team_id="T", received_at=now - 2 * DAY))
        session.add(ProcessedEvent(event_id="Ev0NEW", team_id="T", received_at=now))
        session.commit()
    deletes: list[int] = []
    commits: list[int] = []

    def on_delete(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM PROCESSED_EVENT"):
            deletes.append(cursor.rowcount)
            commits.append(len(commits_seen))

    commits_seen: list[int] = []
    sa.event.listen(engine, "after_cursor_execute", on_delete)
    sa.event.listen(engine, "commit", lambda conn: commits_seen.append(1))
    try:
        with Session(engine) as session:
            removed = prune_processed_events(session=session, before=now - DAY, batch=batch)
    finally:
        sa.event.remove(engine, "after_cursor_execute", on_delete)
    assert removed == 120
    assert sum(deletes) == 120 and max(deletes) <= batch
    assert len(deletes) == 120 // batch + 1  # the last one finds fewer than a batch
    # Every batch was committed before the next one began.
    assert commits == list(range(len(deletes)))


def test_an_uninstall_that_cancels_a_claimed_digest_marks_its_run_failed(engine: Engine) -> None:
    kept = workspace(engine, "T0LEAVING")
    now = utcnow()
    with Session(engine) as session:
        session.add(DigestRun(workspace_id=kept, period_start=now - 7 * DAY, period_end=now))
        session.add(message(kept, "digest:queued", "digest"))
        session.commit()
    with Session(engine) as session:
        forgotten = forget_workspace(
            session=session, workspace=workspace_ref(session, "T0LEAVING"), purge=False
        )
    assert forgotten.cancelled == 1
    assert read_database(engine).digest_runs == {"failed": 1}
    assert_counters_match(engine)
