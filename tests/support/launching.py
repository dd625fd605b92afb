"""Launches through the real app: the launch modal's state as Slack sends it, its submission,
and a whole launch for tests that need announced assets to vote on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from blocks.ids import Ids
from domain.launch import LaunchField
from models import Asset, AssetMessage, Campaign
from sandbox import SlackDriver, view_submission
from tests.support.outbox import delivered
from tests.support.waiting import wait_until

MARKETER = "U0MKT1"
TZ = "America/New_York"  # the seeded marketer's zone


def today_there() -> date:
    """Today in the seeded marketer's zone."""
    return datetime.now(ZoneInfo(TZ)).date()


def state(
    *,
    name: str = "Q3 pricing refresh",
    summary: str = "New tiers for mid-market accounts.",
    channels: list[str] | None = None,
    collateral: str = "",
    launch_date: date | None = None,
    ask: str = "",
) -> dict[str, Any]:
    """A launch modal's state.values exactly as Slack sends them."""

    def text(field: LaunchField, value: str) -> dict[str, Any]:
        return {str(field): {"type": "plain_text_input", "value": value or None}}

    return {
        str(LaunchField.NAME): text(LaunchField.NAME, name),
        str(LaunchField.SUMMARY): text(LaunchField.SUMMARY, summary),
        str(LaunchField.CHANNELS): {
            str(LaunchField.CHANNELS): {
                "type": "multi_conversations_select",
                "selected_conversations": channels if channels is not None else ["C0SALES"],
            }
        },
        str(LaunchField.COLLATERAL): text(LaunchField.COLLATERAL, collateral),
        str(LaunchField.DATE): {
            str(LaunchField.DATE): {
                "type": "datepicker",
                "selected_date": (launch_date or today_there()).isoformat(),
            }
        },
        str(LaunchField.ASK): text(LaunchField.ASK, ask),
    }


def submit(
    slack: SlackDriver, values: dict[str, Any], *, user: str = MARKETER, tz: str = TZ
) -> httpx.Response:
    """Submit a new launch's modal with these state values, as the marketer."""
    payload = view_submission(
        user_id=user,
        callback_id=Ids.LAUNCH_MODAL,
        state_values=values,
        private_metadata=json.dumps({"campaign_id": None, "tz": tz}),
    )
    return slack.interactive(payload)


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
