"""Feedback of every kind seeded for the export, and the export read back as a spreadsheet."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from core.db import session_scope_for
from domain.export import COLUMNS
from models import Campaign, Comment, Source, Usage, Vote, VoteValue
from sandbox.constants import TEAM_ID
from services.collateral import add_asset
from services.votes import give_feedback
from services.workspaces import ensure_workspace
from tests.support.workspaces import workspace_ref

ACCUSATION = "Marketing never listens to us, whose fault is that?"


@dataclass(frozen=True)
class Seeded:
    """What seed_feedback stored."""

    workspace_id: int
    deck_id: int
    card_id: int
    campaign_id: int


def seed_feedback(engine: Engine, *, now: datetime, team_id: str = TEAM_ID) -> Seeded:
    """A workspace with a campaign, two assets and feedback of every kind over 40 days."""
    scope = session_scope_for(engine)
    with scope() as session:
        workspace = ensure_workspace(session=session, team_id=team_id)
        assert workspace.id is not None
        campaign = Campaign(
            workspace_id=workspace.id,
            marketer_id="U0MKT1",
            name="Spring launch",
            launch_date=(now - timedelta(days=10)).date(),
        )
        session.add(campaign)
        session.commit()
        assert campaign.id is not None
        deck = add_asset(
            session=session,
            workspace=workspace_ref(session, team_id),
            url="https://example.com/pricing.pdf",
            title="Pricing deck",
            user_id="U0MKT1",
        ).asset
        card = add_asset(
            session=session,
            workspace=workspace_ref(session, team_id),
            url="https://example.com/card.pdf",
            title="Battlecard",
            user_id="U0MKT2",
        ).asset
        assert deck.id is not None and card.id is not None
        deck.campaign_id = campaign.id
        session.add(deck)
        ago = lambda days: now - timedelta(days=days)  # noqa: E731
        w = workspace.id
        session.add_all(
            [
                Vote(
                    workspace_id=w,
                    asset_id=deck.id,
                    user_id="U0REP1",
                    value=VoteValue.USEFUL,
                    source=Source.REACTION,
                    created_at=ago(5),
                ),
                Vote(
                    workspace_id=w,
                    asset_id=card.id,
                    user_id="U0REP2",
                    value=VoteValue.NEEDS_WORK,
                    source=Source.COMMAND,
                    created_at=ago(4),
                ),
                Usage(
                    workspace_id=w,
                    asset_id=deck.id,
                    user_id="U0REP1",
                    source=Source.REACTION,
                    created_at=ago(3),
                ),
                Comment(
                    workspace_id=w,
                    asset_id=deck.id,
                    campaign_id=campaign.id,
                    user_id="U0REP1",
                    text="Great for enterprise, thanks!",
                    value=VoteValue.USEFUL,
                    followup_ok=True,
                    source=Source.MODAL,
                    created_at=ago(2),
                ),
                Comment(
                    workspace_id=w,
                    asset_id=card.id,
                    user_id="U0REP2",
                    text="=cmd|' /C calc'!A0, \"quoted\"\nsecond line 🎯",
                    value=VoteValue.NEEDS_WORK,
                    followup_ok=False,
                    source=Source.COMMAND,
                    created_at=ago(2) + timedelta(hours=1),
                ),
                Comment(
                    workspace_id=w,
                    campaign_id=campaign.id,
                    user_id="U0REP3",
                    text="When is the webinar?",
                    followup_ok=False,
                    source=Source.MODAL,
                    created_at=ago(1),
                ),
                # Outside the default 30 days.
                Vote(
                    workspace_id=w,
                    asset_id=card.id,
                    user_id="U0REP3",
                    value=VoteValue.USEFUL,
                    source=Source.BUTTON,
                    created_at=ago(40),
                ),
            ]
        )
        session.commit()
        # Through the real service: the accusation is flagged by the blame-free review.
        given = give_feedback(
            session=session,
            workspace=workspace_ref(session, team_id),
            asset_id=deck.id,
            user_id="U0REP2",
            value=None,
            comment=ACCUSATION,
            followup_ok=True,
            source=Source.MODAL,
        )
        assert given is not None and given.review is not None and given.review.flagged
        return Seeded(w, deck.id, card.id, campaign.id)


def read_csv(text: str) -> list[dict[str, str]]:
    """Parse an export as a spreadsheet would, one dict per row."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert tuple(rows[0]) == COLUMNS
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]
