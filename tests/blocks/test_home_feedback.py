"""The home tab and the feedback modal fit Slack's limits and never echo markup live."""

from __future__ import annotations

from datetime import date

from blocks.feedback import build_asset_options, build_feedback_modal
from blocks.home import build_home
from domain.assets import AssetRef, AssetSummary
from domain.home import (
    AssetLine,
    CampaignLine,
    CommentLine,
    HomeData,
    PendingLaunch,
    QuestionLine,
    trend_arrow,
)
from sandbox import validate_view
from tests.support.factories import message_text


def summary(i: int) -> AssetSummary:
    return AssetSummary(i, f"PD-{i}", f"Deck <!channel> {i}", f"https://e.com/{i}", i, 1, 2)


def big_home(first: bool, campaigns: int = 40, assets: int = 60) -> HomeData:
    return HomeData(
        user_id="U0MKT1",
        first_visit=first,
        campaigns=[
            CampaignLine(i, f"Campaign {i} <!here>", date(2026, 11, 1), "posted", 3, 4, 1)
            for i in range(campaigns)
        ],
        more_campaigns=12,
        assets=[AssetLine(summary(i), 50, 80, 40) for i in range(assets)],
        more_assets=40,
        comments=[
            CommentLine(
                "PD-1", "Deck", "ping <@U0REP1|riley> <!subteam^S1|@sales>", "useful", False, None
            ),
            CommentLine("PD-2", "Deck", "", "needs_work", True, None),
            CommentLine("PD-3", "Deck", "let's talk", None, False, "U0REP2"),
        ],
        questions=[QuestionLine("Campaign", "<!everyone> when?", "C0SALES")],
        pending=[PendingLaunch("Launch <!channel>", date(2026, 11, 20), "C0SALES")],
        top=[summary(i) for i in range(5)],
    )


def test_home_fits_the_100_block_limit_and_is_valid() -> None:
    for first in (True, False):
        view = build_home(big_home(first))
        assert len(view["blocks"]) <= 100
        assert "more" in message_text({"blocks": view["blocks"][-1:]})
        assert validate_view(view) == []


def test_home_never_echoes_mentions_live() -> None:
    text = message_text(build_home(big_home(False, campaigns=3, assets=3)))
    for live in ("<!channel>", "<!here>", "<!everyone>", "<@U0REP1", "<!subteam"):
        assert live not in text
    assert "<@U0REP2>" in text  # opted in to a follow-up: shown to the marketer


def test_trend_arrow() -> None:
    assert trend_arrow(80, 40) == "▲"
    assert trend_arrow(40, 80) == "▼"
    assert trend_arrow(50, 52) == "→"
    assert trend_arrow(None, 50) == ""


def test_feedback_modal_and_options_are_valid() -> None:
    ref = AssetRef(3, "PD-3", "A very long title " * 20)
    view = build_feedback_modal(campaign_id=4, campaign_name="<!channel> launch", initial=ref)
    assert view["private_metadata"] == "campaign:4"
    assert "<!channel>" not in message_text(view)
    assert validate_view(view) == []
    options = build_asset_options([AssetRef(i, f"PD-{i}", "x" * 200) for i in range(150)])
    assert len(options["options"]) == 100
    assert all(len(o["text"]["text"]) <= 75 for o in options["options"])
