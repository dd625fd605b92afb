"""The scheduler's job store lives on the app's engine and leaves it to its owner."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from app.assembly import create_runtime
from sandbox import SlackSandbox
from tests.support.serving import make_settings


def test_stopping_the_scheduler_keeps_the_engine_a_worker_is_still_using(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    """APScheduler's store disposes its engine on shutdown; ours must not.

    A worker finishing its row holds a connection while the scheduler stops. Disposed
    under it, the engine would forget that connection, so it would never be closed (the
    garbage collector's ResourceWarning then failed whichever test ran next).
    """
    runtime = create_runtime(make_settings(sandbox, database_url), engine)
    pool = engine.pool
    runtime.start_background()
    in_flight = engine.connect()  # a worker mid-row holds a pooled connection
    try:
        runtime.stop_background()
    finally:
        runtime.executor.shutdown(wait=True)
        runtime.http.close()
    assert engine.pool is pool
    in_flight.close()
    assert isinstance(pool, QueuePool)  # make_engine pools both databases' connections
    assert pool.checkedout() == 0  # came back to the pool the engine still uses
