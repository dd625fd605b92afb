"""The running app's parts, for APScheduler entry points (which get only primitive arguments).

The app (app/assembly.py `Runtime`) installs itself here when it starts. Jobs name only
the parts they use, as a protocol, so this room never imports the app above it.
"""

from __future__ import annotations

from typing import Protocol

import httpx
from apscheduler.schedulers.base import BaseScheduler

from core.db import SessionScope
from core.settings import Settings
from services.scheduling import Waker
from services.slack_clients import SlackClients


class JobRuntime(Protocol):
    """What scheduled jobs use of the running app."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> SessionScope: ...

    @property
    def http(self) -> httpx.Client: ...

    @property
    def clients(self) -> SlackClients: ...

    @property
    def worker(self) -> Waker: ...

    @property
    def scheduler(self) -> BaseScheduler: ...


_current: JobRuntime | None = None


def install(runtime: JobRuntime) -> None:
    """Make `runtime` the one jobs use (done once when the app starts)."""
    global _current
    _current = runtime


def current() -> JobRuntime:
    """The installed runtime."""
    if _current is None:
        raise RuntimeError("jobs ran before the app installed its runtime")
    return _current
