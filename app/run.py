"""`bot.py serve`: check settings, migrate, build the app, serve it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from slack_bolt.error import BoltError

from app.assembly import create_app, create_runtime
from app.serve import freeze_startup_heap, serve_http, serve_socket_mode
from core.db import make_engine, migrate_or_explain
from core.settings import HELP, Settings, SettingsError

logger = logging.getLogger(__name__)


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    target = logging.getLogger(name)
    level = target.level
    target.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        target.setLevel(level)


def serve(settings: Settings, *, host: str, port: int) -> int:
    """Run the app until stopped; raises SettingsError for anything the operator must fix."""
    settings.require_for_serving()
    migrate_or_explain(settings.database_url)
    engine = make_engine(settings.database_url)
    runtime = create_runtime(settings, engine)
    try:
        # slack_sdk logs each failed attempt of the start-up auth.test; the one line we
        # raise below says what the operator needs.
        with _quiet("slack_sdk"):
            app = create_app(runtime)
    except BoltError as exc:
        raise SettingsError(
            f"SLACK_BOT_TOKEN was refused by Slack ({str(exc).splitlines()[0][:200]}); "
            f"check the token and SLACK_API_URL ({HELP})."
        ) from None
    except OSError as exc:
        raise SettingsError(
            f"SLACK_API_URL could not be reached ({type(exc).__name__}: {str(exc)[:200]}); "
            f"check the network and SLACK_API_URL ({HELP})."
        ) from None
    runtime.start_background()
    freeze_startup_heap()
    if settings.slack_app_token:
        serve_socket_mode(app, runtime, app_token=settings.slack_app_token)
    else:
        serve_http(app, runtime, host=host, port=port)
    return 0
