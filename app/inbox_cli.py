"""`bot.py inbox [--retry-parked]`: what the inbox holds, and parked events put back.

An event is parked after LIAISON_INBOX_MAX_ATTEMPTS failed attempts (a bug, a database
that refused the write): it stays stored, with its error, so nothing acknowledged is
lost. Once the cause is fixed, `--retry-parked` makes every parked event due again; the
workers of a running `bot.py serve` apply each exactly once.
"""

from __future__ import annotations

from app.gauges import inbox_state
from core.db import make_engine, migrate_or_explain, session_scope_for
from core.settings import Settings
from models import utcnow
from services.inbox import parked_events, retry_parked

SHOWN = 20


def run_inbox(settings: Settings, *, retry: bool) -> int:
    """Print the inbox's state (and the parked events); with `retry`, put them back."""
    migrate_or_explain(settings.database_url)
    engine = make_engine(settings.database_url)
    db = session_scope_for(engine)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            state = inbox_state(connection, now=utcnow())
        oldest = (
            f", the oldest for {state.oldest_waiting_s:.0f} s" if state.oldest_waiting_s else ""
        )
        print(f"liaison: {state.waiting} event(s) waiting to be applied{oldest}")
        print(f"liaison: {state.parked} parked event(s)")
        if state.parked and not retry:
            with db() as session:
                shown = parked_events(session=session, limit=SHOWN)
            for row in shown:
                print(f"  {row.event_id} ({row.team_id}), {row.attempts} attempt(s): {row.error}")
            if state.parked > len(shown):
                print(f"  ... and {state.parked - len(shown)} more")
            print("liaison: fix the cause, then run `bot.py inbox --retry-parked`")
        if retry:
            with db() as session:
                back = retry_parked(session=session)
            print(f"liaison: {back} parked event(s) put back; a running server applies them")
    finally:
        engine.dispose()
    return 0
