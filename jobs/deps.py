"""What scheduled jobs run with: bound once by the app, looked up by the entry points.

APScheduler keeps each job in the database (SQLAlchemyJobStore): a textual reference to
a module-level function and its pickled arguments. A job can therefore carry only
primitives (a campaign id, a workspace id), never the app's session scope, HTTP client
or Slack clients, and APScheduler 3 has no way to hand a running job anything else. So
the app binds one `JobDeps` here when it starts its background work
(app/assembly.py `Runtime.start_background`), before the scheduler can run a job, and
each entry point in jobs/ reads it with `bound()`.

This is the one piece of process-wide state in jobs/, and entry points are its only
readers: whatever else a job module offers (restoring jobs at start, scheduling them)
takes what it needs as arguments. Binding again replaces it (the tests start one app
after another in a process).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from core.db import SessionScope
from services.retention import Retention
from services.slack_clients import SlackClients


@dataclass(frozen=True)
class JobDeps:
    """Exactly what the scheduled jobs use of the running app."""

    db: SessionScope
    http: httpx.Client
    # Clients for background work, per workspace.
    clients: SlackClients
    # Tells the delivery worker new messages are queued.
    wake: Callable[[], None]
    # LIAISON_ALLOW_PRIVATE_URLS: links to private addresses may be fetched (the digest).
    allow_private: bool
    # How long rows are kept, and the batch of one transaction (maintenance).
    retention: Retention


_bound: JobDeps | None = None


def bind(deps: JobDeps) -> None:
    """Make `deps` what scheduled jobs run with (the app does it when it starts)."""
    global _bound
    _bound = deps


def bound() -> JobDeps:
    """What scheduled jobs run with; RuntimeError before the app has bound it."""
    if _bound is None:
        raise RuntimeError("a scheduled job ran before the app bound its dependencies")
    return _bound
