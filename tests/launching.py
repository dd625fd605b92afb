"""A launch run through the real app, for tests that need announced assets to vote on."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import Asset, AssetMessage, Campaign
from sandbox import SlackDriver
from tests.handlers.test_launch import MARKETER, delivered, state, submit, wait_until


@dataclass(frozen=True)
class Posted:
    """One announced asset and the thread reply whose reactions are its votes."""

    asset_id: int
    handle: str
    title: str
    channel: str
    ts: str


def launch(
    slack: SlackDriver,
    engine: Engine,
    *,
    name: str = "Q3 pricing refresh",
    collateral: str = (
        "Pricing deck | https://example.com/pricing\nBattlecard | https://example.com/battlecard"
    ),
    channels: list[str] | None = None,
    user: str = MARKETER,
) -> list[Posted]:
    """Launch a campaign, wait until every message is posted, and return its asset replies."""
    response = submit(slack, state(name=name, collateral=collateral, channels=channels), user=user)
    assert response.status_code == 200, response.text
    with Session(engine) as session:
        before = {m.id for m in session.exec(select(AssetMessage)).all()}

    def posted() -> bool:
        with Session(engine) as session:
            campaign = session.exec(select(Campaign).where(Campaign.name == name)).first()
        return campaign is not None and campaign.status == "posted" and delivered(engine)

    wait_until(posted, what="the launch to be posted")
    with Session(engine) as session:
        rows = session.exec(
            select(AssetMessage, Asset)
            .join(Asset, col(Asset.id) == AssetMessage.asset_id)
            .order_by(col(AssetMessage.id))
        ).all()
    return [
        Posted(asset_id=a.id or 0, handle=a.handle, title=a.title, channel=m.channel_id, ts=m.ts)
        for m, a in rows
        if m.id not in before
    ]
