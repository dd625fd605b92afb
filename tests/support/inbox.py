"""One asset with a tracked thread reply, for the tests that record reactions on it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import Asset, AssetMessage, Workspace
from sandbox.constants import TEAM_ID

CHANNEL, TS, REP = "C0SALES", "1700000000.000200", "U0REP1"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Homes:
    """Records home refresh requests instead of publishing."""

    def __init__(self) -> None:
        self.refreshed: list[tuple[str, str]] = []

    def refresh(self, team_id: str, user_id: str) -> None:
        self.refreshed.append((team_id, user_id))


def add_tracked_asset(engine: Engine) -> int:
    """Store an asset whose thread reply (CHANNEL, TS) is tracked for votes; returns its id."""
    with Session(engine) as session:
        workspace = Workspace(team_id=TEAM_ID)
        session.add(workspace)
        session.flush()
        assert workspace.id is not None
        asset = Asset(
            workspace_id=workspace.id,
            number=1,
            handle="PD-1",
            title="Pricing deck",
            url="https://example.com/pricing",
            url_key="k",
            added_by="U0MKT1",
        )
        session.add(asset)
        session.flush()
        assert asset.id is not None
        session.add(
            AssetMessage(workspace_id=workspace.id, asset_id=asset.id, channel_id=CHANNEL, ts=TS)
        )
        session.commit()
        return asset.id
