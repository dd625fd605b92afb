"""The maintenance jobs: scheduled once per database, pruning by the configured periods."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.gauges import read_database
from jobs import maintenance
from models import (
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    ProcessedEvent,
    TallyDelta,
    Workspace,
    utcnow,
)
from sandbox import SlackSandbox
from tests.support.serving import make_settings, serve_app


def test_the_jobs_are_scheduled_and_prune_by_the_configured_periods(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    now = utcnow()
    with Session(engine) as session:
        workspace = Workspace(team_id="T0JOBS")
        session.add(workspace)
        session.flush()
        assert workspace.id is not None
        for hours in (1, 3, 5):
            session.add(
                ProcessedEvent(
                    event_id=f"Ev{hours}",
                    team_id="T0JOBS",
                    received_at=now - timedelta(hours=hours),
                )
            )
        for days in (1, 3):
            session.add(
                OutboxMessage(
                    workspace_id=workspace.id,
                    dedupe_key=f"sent-{days}",
                    kind=OutboxKind.SUMMARY,
                    channel_id="U0MKT",
                    payload="{}",
                    status=OutboxStatus.SENT,
                    sent_at=now - timedelta(days=days),
                )
            )
        session.commit()
    settings = make_settings(
        sandbox,
        database_url,
        liaison_retain_events_hours=2,
        liaison_retain_sent_days=2,
        liaison_retain_batch=10,
    )
    with serve_app(settings, engine, background=False) as served:
        served.runtime.start_background()  # installs the runtime the jobs use
        try:
            jobs = {job.id: job for job in served.runtime.scheduler.get_jobs()}
            assert jobs[maintenance.PRUNE_JOB_ID].trigger.interval == timedelta(hours=1)
            assert jobs[maintenance.FOLD_JOB_ID].trigger.interval == timedelta(minutes=1)
            maintenance.prune_event_ids()
            maintenance.fold_counts()
        finally:
            served.runtime.stop_background()
    with Session(engine) as session:
        events = set(session.exec(select(ProcessedEvent.event_id)).all())
        keys = set(session.exec(select(OutboxMessage.dedupe_key)).all())
        deltas = session.exec(select(TallyDelta)).all()
    assert events == {"Ev1"} and keys == {"sent-1"}
    assert deltas == [] and read_database(engine).outbox == {("sent", "summary"): 1}
