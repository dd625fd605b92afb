"""The digest's aggregate queries, each on a small workspace with a neighbour to ignore."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import (
    Acknowledgement,
    AnnouncementPost,
    Asset,
    Campaign,
    Comment,
    Question,
    Source,
    Usage,
    Vote,
    VoteValue,
    Workspace,
)
from queries import digest
from queries.digest import (
    AssetCounts,
    BrokenLinkRow,
    CommentRow,
    LaunchRow,
    Participation,
    QuestionRow,
    Span,
    WeekCounts,
)

START = datetime(2026, 11, 16, tzinfo=UTC)
THIS = Span.of(START, START + timedelta(days=7))
LAST = Span.of(START - timedelta(days=7), START)
IN_THIS = START + timedelta(days=2)
IN_LAST = START - timedelta(days=3)
LAUNCH_DAY = date(2026, 11, 16)


@dataclass(frozen=True)
class Seeded:
    workspace_id: int
    campaign_id: int
    deck_id: int
    sheet_id: int


def _add_workspace(session: Session, team_id: str, zone: str) -> int:
    row = Workspace(team_id=team_id, timezone=zone)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _add_asset(session: Session, wid: int, number: int, campaign_id: int | None, ok: bool) -> int:
    row = Asset(
        workspace_id=wid,
        number=number,
        handle=f"A-{number}",
        title=f"Asset {number}",
        url=f"https://example.com/{number}",
        url_key=f"key-{wid}-{number}",
        campaign_id=campaign_id,
        added_by="UMKT",
        link_ok=ok,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _activity(session: Session, wid: int, asset_id: int) -> None:
    votes = [
        ("U1", VoteValue.USEFUL, IN_THIS),
        ("U2", VoteValue.NEEDS_WORK, IN_THIS),
        ("U3", VoteValue.USEFUL, IN_LAST),
    ]
    for user, value, at in votes:
        session.add(
            Vote(
                workspace_id=wid,
                asset_id=asset_id,
                user_id=user,
                value=value,
                source=Source.REACTION,
                created_at=at,
            )
        )
    for at in (IN_THIS, IN_THIS, IN_LAST):
        session.add(
            Usage(
                workspace_id=wid,
                asset_id=asset_id,
                user_id="U1",
                source=Source.COMMAND,
                created_at=at,
            )
        )


def _seed(session: Session, team_id: str, zone: str = "UTC") -> Seeded:
    wid = _add_workspace(session, team_id, zone)
    launch = Campaign(workspace_id=wid, marketer_id="UMKT", name="Q4", launch_date=LAUNCH_DAY)
    session.add(launch)
    session.flush()
    assert launch.id is not None
    deck = _add_asset(session, wid, 1, launch.id, ok=True)
    sheet = _add_asset(session, wid, 2, None, ok=False)
    _activity(session, wid, deck)
    session.add(
        Vote(
            workspace_id=wid,
            asset_id=sheet,
            user_id="U1",
            value=VoteValue.USEFUL,
            source=Source.BUTTON,
            created_at=IN_THIS,
        )
    )
    session.add_all(
        [
            AnnouncementPost(campaign_id=launch.id, channel_id="C1", ts="1.1", posted_at=IN_THIS),
            AnnouncementPost(campaign_id=launch.id, channel_id="C2", error="not_in_channel"),
            Acknowledgement(
                workspace_id=wid, campaign_id=launch.id, user_id="U1", created_at=IN_THIS
            ),
            Question(
                workspace_id=wid,
                campaign_id=launch.id,
                user_id="U2",
                text="When?",
                created_at=IN_LAST,
            ),
            Comment(
                workspace_id=wid,
                asset_id=deck,
                user_id="U2",
                text="Needs numbers",
                value=VoteValue.NEEDS_WORK,
                flagged=False,
                source=Source.MODAL,
                created_at=IN_THIS,
            ),
            Comment(
                workspace_id=wid,
                campaign_id=launch.id,
                user_id="U3",
                text="Older one",
                flagged=True,
                source=Source.MODAL,
                created_at=IN_THIS - timedelta(hours=1),
            ),
        ]
    )
    return Seeded(wid, launch.id, deck, sheet)


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    with Session(engine) as session:
        ours = _seed(session, "T1", "Europe/Paris")
        _seed(session, "T2")  # a neighbour: none of its rows may show
        session.commit()
    return ours


def test_launches_with_their_reach(engine: Engine, seeded: Seeded) -> None:
    with Session(engine) as session:
        rows = digest.launches(session, workspace_id=seeded.workspace_id, span=THIS)
        assert digest.launches(session, workspace_id=seeded.workspace_id, span=LAST) == []
    assert rows == [LaunchRow(seeded.campaign_id, "Q4", LAUNCH_DAY, 1, 1, 1, 1)]


def test_asset_counts_most_active_first_with_the_total(engine: Engine, seeded: Seeded) -> None:
    with Session(engine) as session:
        rows, total = digest.asset_counts(
            session, workspace_id=seeded.workspace_id, this=THIS, last=LAST, limit=10
        )
        none, same_total = digest.asset_counts(
            session, workspace_id=seeded.workspace_id, this=THIS, last=LAST, limit=0
        )
    deck = AssetCounts(
        seeded.deck_id, "A-1", "Asset 1", "https://example.com/1", "Q4", 1, 1, 2, 1, 0, 1
    )
    sheet = AssetCounts(
        seeded.sheet_id, "A-2", "Asset 2", "https://example.com/2", None, 1, 0, 0, 0, 0, 0
    )
    assert (rows, total) == ([deck, sheet], 2)
    assert (none, same_total) == ([], 2)


def test_newest_comments_first(engine: Engine, seeded: Seeded) -> None:
    with Session(engine) as session:
        rows = digest.newest_comments(session, workspace_id=seeded.workspace_id, span=THIS, limit=5)
        [only] = digest.newest_comments(
            session, workspace_id=seeded.workspace_id, span=THIS, limit=1
        )
    assert rows == [
        CommentRow("Needs numbers", False, "needs_work", "A-1", "Q4", "U2"),
        CommentRow("Older one", True, None, None, "Q4", "U3"),
    ]
    assert only == rows[0]


def test_open_questions_and_broken_links(engine: Engine, seeded: Seeded) -> None:
    with Session(engine) as session:
        questions = digest.open_questions(session, workspace_id=seeded.workspace_id, limit=5)
        links = digest.broken_links(session, workspace_id=seeded.workspace_id, limit=5)
    [question] = questions
    assert (question.campaign_name, question.text) == ("Q4", "When?")
    assert question.asked_at == IN_LAST
    assert isinstance(question, QuestionRow)
    assert links == [BrokenLinkRow("A-2", "Asset 2", "https://example.com/2")]


def test_participation_in_both_spans(engine: Engine, seeded: Seeded) -> None:
    with Session(engine) as session:
        this, last = digest.participation(
            session, workspace_id=seeded.workspace_id, this=THIS, last=LAST
        )
    assert this == Participation(2, 3, 2, 2, 1, 2, 1, 1)
    assert last == Participation(1, 1, 0, 0, 1, 1, 0, 0)


def test_week_counts_and_the_zone(engine: Engine, seeded: Seeded) -> None:
    weeks = [LAST, THIS, Span.of(START + timedelta(days=7), START + timedelta(days=14))]
    with Session(engine) as session:
        counts = digest.week_counts(session, workspace_id=seeded.workspace_id, weeks=weeks)
        assert digest.week_counts(session, workspace_id=seeded.workspace_id, weeks=[]) == []
        zone = digest.workspace_timezone(session, workspace_id=seeded.workspace_id)
        assert digest.workspace_timezone(session, workspace_id=-1) is None
    assert counts == [WeekCounts(1, 0), WeekCounts(3, 2), WeekCounts(0, 0)]
    assert zone == "Europe/Paris"
