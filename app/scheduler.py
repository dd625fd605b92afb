"""APScheduler 3 with its job store in the app's own database.

APScheduler 3 cannot share a job store safely between processes, so jobs only say *when*
to look; exactly-once comes from database rows (outbox keys, campaign status).
"""

from __future__ import annotations

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

JOBS_TABLE = "apscheduler_jobs"  # created by migration 0002
MISFIRE_GRACE_S = 24 * 3600  # a run missed while the app was down still happens when it is back


class SharedEngineJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """The job store on the app's own engine, which the scheduler's shutdown leaves alone.

    APScheduler's store disposes its engine when the scheduler shuts down. The engine is
    the app's: the workers still finishing their rows hold its connections, and a dispose
    under them leaves those connections to the garbage collector, unclosed. Whoever made
    the engine disposes it, after everything using it has stopped.
    """

    def shutdown(self) -> None:
        pass


def make_scheduler(engine: Engine) -> BackgroundScheduler:
    """A background scheduler storing its jobs in the app's database."""
    return BackgroundScheduler(
        jobstores={"default": SharedEngineJobStore(engine=engine, tablename=JOBS_TABLE)},
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_S, "max_instances": 1},
        timezone="UTC",
    )
