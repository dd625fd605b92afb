"""The running app's parts, for APScheduler entry points (which get only primitive arguments)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.app import Runtime

_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    """Make `runtime` the one jobs use (done once when the app starts)."""
    global _current
    _current = runtime


def current() -> Runtime:
    """The installed runtime."""
    if _current is None:
        raise RuntimeError("jobs ran before the app installed its runtime")
    return _current
