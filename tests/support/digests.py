"""A workspace whose scheduled digest is due (the exactly-once and scheduled-digest tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import Workspace
from sandbox.constants import TEAM_ID

LEADS = "C0LEADS"


def seed(engine: Engine, *, hours_since_fire: float = 1.0, configured_days_ago: float = 3) -> int:
    """A workspace whose weekly digest was due `hours_since_fire` ago (in UTC)."""
    fired = datetime.now(UTC) - timedelta(hours=hours_since_fire)
    with Session(engine) as session:
        workspace = Workspace(
            team_id=TEAM_ID,
            name="Sandbox",
            digest_channel_id=LEADS,
            digest_weekday=fired.weekday(),
            digest_time=fired.strftime("%H:%M"),
            timezone="UTC",
            updated_at=datetime.now(UTC) - timedelta(days=configured_days_ago),
        )
        session.add(workspace)
        session.commit()
        assert workspace.id is not None
        return workspace.id
