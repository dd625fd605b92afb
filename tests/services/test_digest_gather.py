"""Gathering a digest's input: counts per period in SQL, scoped to one workspace."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

import services.digest as digest_service
from domain.digest_data import DigestInput, Participation, Period
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
from services.digest import gather_digest
from tests.support.workspaces import ref_by_id

START = datetime(2026, 11, 16, tzinfo=UTC)
PERIOD = Period(START, START + timedelta(days=7), "16-22 Nov 2026")
PREVIOUS = Period(START - timedelta(days=7), START, "9-15 Nov 2026")
WEEKS = [(START - timedelta(weeks=k), START - timedelta(weeks=k - 1)) for k in range(7, -1, -1)]
IN_PERIOD = START + timedelta(days=2)
IN_PREVIOUS = START - timedelta(days=3)
EARLIER = START - timedelta(days=20)
USEFUL, NEEDS_WORK = VoteValue.USEFUL, VoteValue.NEEDS_WORK

_numbers = count(1)


def workspace(session: Session, team_id: str) -> int:
    row = Workspace(team_id=team_id)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def campaign(session: Session, wid: int, name: str, launch: date = date(2026, 11, 16)) -> int:
    row = Campaign(workspace_id=wid, marketer_id="UMKT", name=name, launch_date=launch)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def asset(
    session: Session,
    wid: int,
    title: str,
    campaign_id: int | None = None,
    link_ok: bool | None = None,
) -> int:
    number = next(_numbers)
    url = f"https://example.com/{number}"
    row = Asset(
        workspace_id=wid,
        number=number,
        handle=f"A-{number}",
        title=title,
        url=url,
        url_key=f"key-{number}",
        campaign_id=campaign_id,
        added_by="UMKT",
        link_ok=link_ok,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def vote(
    session: Session, wid: int, asset_id: int, user: str, value: VoteValue, at: datetime
) -> None:
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


def use(session: Session, wid: int, asset_id: int, user: str, at: datetime) -> None:
    session.add(
        Usage(
            workspace_id=wid, asset_id=asset_id, user_id=user, source=Source.COMMAND, created_at=at
        )
    )


def comment(
    session: Session,
    wid: int,
    text: str,
    at: datetime,
    *,
    asset_id: int | None = None,
    campaign_id: int | None = None,
    user: str = "U1",
    flagged: bool = False,
    value: VoteValue | None = None,
) -> None:
    session.add(
        Comment(
            workspace_id=wid,
            asset_id=asset_id,
            campaign_id=campaign_id,
            user_id=user,
            text=text,
            value=value,
            flagged=flagged,
            source=Source.MODAL,
            created_at=at,
        )
    )


def handle_of(engine: Engine, asset_id: int) -> str:
    with Session(engine) as session:
        row = session.get(Asset, asset_id)
        assert row is not None
        return row.handle


def gather(engine: Engine, wid: int, **kwargs: object) -> DigestInput:
    with Session(engine) as session:
        return gather_digest(
            session=session,
            workspace=ref_by_id(session, wid),
            period=PERIOD,
            previous=PREVIOUS,
            weeks=WEEKS,
            **kwargs,  # type: ignore[arg-type]
        )


def test_counts_votes_and_uses_in_the_period_and_the_one_before(engine: Engine) -> None:
    with Session(engine) as session:
        wid = workspace(session, "TA")
        launch = campaign(session, wid, "Q4 launch")
        deck = asset(session, wid, "Pricing deck", campaign_id=launch)
        vote(session, wid, deck, "U1", USEFUL, START)  # the first instant counts
        vote(session, wid, deck, "U2", USEFUL, IN_PERIOD)
        vote(session, wid, deck, "U3", NEEDS_WORK, PERIOD.end - timedelta(microseconds=1))
        vote(session, wid, deck, "U4", USEFUL, PERIOD.end)  # the end is excluded
        vote(session, wid, deck, "U5", NEEDS_WORK, IN_PREVIOUS)
        vote(session, wid, deck, "U6", USEFUL, IN_PREVIOUS)
        vote(session, wid, deck, "U7", USEFUL, EARLIER)  # neither period
        use(session, wid, deck, "U1", IN_PERIOD)
        use(session, wid, deck, "U1", IN_PERIOD)
        use(session, wid, deck, "U2", IN_PREVIOUS)
        use(session, wid, deck, "U2", EARLIER)
        session.commit()

    data = gather(engine, wid)

    [record] = data.assets
    assert record.asset_id == deck
    assert (record.handle, record.title, record.campaign_name) == (
        handle_of(engine, deck),
        "Pricing deck",
        "Q4 launch",
    )
    assert record.url.startswith("https://example.com/")
    assert (record.useful, record.needs_work, record.used) == (2, 1, 2)
    assert (record.useful_before, record.needs_work_before, record.used_before) == (1, 1, 1)
    assert data.more_assets == 0


def test_assets_active_only_in_the_previous_period_are_kept_for_trends(engine: Engine) -> None:
    with Session(engine) as session:
        wid = workspace(session, "TA")
        quiet = asset(session, wid, "Quiet now")
        idle = asset(session, wid, "Never voted")
        old = asset(session, wid, "Voted long ago")
        vote(session, wid, quiet, "U1", USEFUL, IN_PREVIOUS)
        vote(session, wid, old, "U1", USEFUL, EARLIER)
        session.commit()

    data = gather(engine, wid)

    assert [a.asset_id for a in data.assets] == [quiet]
    assert data.assets[0].campaign_name is None
    assert (data.assets[0].useful, data.assets[0].useful_before) == (0, 1)
    assert idle not in {a.asset_id for a in data.assets}


def test_a_gap_between_the_periods_is_not_counted(engine: Engine) -> None:
    with Session(engine) as session:
        wid = workspace(session, "TA")
        in_gap = asset(session, wid, "Voted in the gap")
        vote(session, wid, in_gap, "U1", USEFUL, IN_PREVIOUS)
        session.commit()
    with Session(engine) as session:
        data = gather_digest(
            session=session,
            workspace=ref_by_id(session, wid),
            period=PERIOD,
            previous=Period(PREVIOUS.start - timedelta(days=7), PREVIOUS.start, "earlier"),
            weeks=WEEKS,
        )

    assert data.assets == []
    assert data.last_week.votes == 0


def test_assets_are_ordered_by_activity_and_cut_at_max_assets(engine: Engine) -> None:
    with Session(engine) as session:
        wid = workspace(session, "TA")
        ids = [asset(session, wid, f"Deck {i}") for i in range(5)]
        # Activity this period: deck i gets i votes and one use when i is even.
        for i, asset_id in enumerate(ids):
            for n in range(i):
                vote(session, wid, asset_id, f"U{n}", USEFUL if n % 2 else NEEDS_WORK, IN_PERIOD)
            if i % 2 == 0:
                use(session, wid, asset_id, "U9", IN_PERIOD)
        session.commit()

    everything = gather(engine, wid)
    cut = gather(engine, wid, max_assets=2)
    none = gather(engine, wid, max_assets=0)

    # Activity: 1, 1, 3, 3, 5 (ties by id).
    assert [a.asset_id for a in everything.assets] == [ids[4], ids[2], ids[3], ids[0], ids[1]]
    assert everything.more_assets == 0
    assert [a.asset_id for a in cut.assets] == [ids[4], ids[2]]
    assert cut.more_assets == 3
    assert (none.assets, none.more_assets) == ([], 5)


def test_another_workspace_never_appears(engine: Engine) -> None:
    with Session(engine) as session:
        a = workspace(session, "TA")
        b = workspace(session, "TB")
        a_launch = campaign(session, a, "A launch")
        a_deck = asset(session, a, "A deck", campaign_id=a_launch)
        vote(session, a, a_deck, "UA", USEFUL, IN_PERIOD)
        b_launch = campaign(session, b, "B launch")
        b_deck = asset(session, b, "B deck", campaign_id=b_launch, link_ok=False)
        # B's people include A's voter: a leak would also show in distinct counts.
        for user in ("UA", "UB1", "UB2"):
            vote(session, b, b_deck, user, NEEDS_WORK, IN_PERIOD)
            vote(session, b, asset(session, b, f"B old {user}"), user, USEFUL, IN_PREVIOUS)
            use(session, b, b_deck, user, IN_PERIOD)
            comment(session, b, f"B says {user}", IN_PERIOD, asset_id=b_deck, user=user)
            session.add(Acknowledgement(workspace_id=b, campaign_id=b_launch, user_id=user))
            session.add(
                Question(workspace_id=b, campaign_id=b_launch, user_id=user, text="B question")
            )
        session.add(
            AnnouncementPost(campaign_id=b_launch, channel_id="CB", ts="1.0", posted_at=IN_PERIOD)
        )
        session.commit()

    data = gather(engine, a)

    assert [x.asset_id for x in data.assets] == [a_deck]
    assert data.launches == []
    assert data.comments == []
    assert data.questions == []
    assert data.broken_links == []
    assert data.this_week == Participation(voters=1, votes=1)
    assert data.last_week == Participation()
    assert [w.votes for w in data.volume] == [0] * 7 + [1]
    assert all(w.comments == 0 for w in data.volume)
    other = gather(engine, b)
    assert {x.title for x in other.assets} >= {"B deck"}
    assert other.this_week.voters == 3


def test_participation_counts_distinct_people_and_their_actions(engine: Engine) -> None:
    with Session(engine) as session:
        wid = workspace(session, "TA")
        launch = campaign(session, wid, "Launch")
        decks = [asset(session, wid, f"Deck {i}") for i in range(3)]
        for deck in decks:
            vote(session, wid, deck, "U1", USEFUL, IN_PERIOD)
        vote(session, wid, decks[0], "U2", NEEDS_WORK, IN_PERIOD)
        vote(session, wid, decks[1], "U2", USEFUL, IN_PREVIOUS)
        vote(session, wid, decks[2], "U3", USEFUL, EARLIER)
        for _ in range(3):
            comment(session, wid, "Needs a slide on ROI", IN_PERIOD, asset_id=decks[0], user="U1")
        comment(session, wid, "Great", IN_PERIOD, asset_id=decks[1], user="U4")
        comment(session, wid, "Old", IN_PREVIOUS, asset_id=decks[1], user="U4")
        use(session, wid, decks[0], "U1", IN_PERIOD)
        use(session, wid, decks[0], "U1", IN_PERIOD)
        use(session, wid, decks[1], "U5", IN_PREVIOUS)
        for user in ("U1", "U2"):
            session.add(
                Acknowledgement(
                    workspace_id=wid, campaign_id=launch, user_id=user, created_at=IN_PERIOD
                )
            )
        session.add(
            Acknowledgement(
                workspace_id=wid, campaign_id=launch, user_id="U3", created_at=IN_PREVIOUS
            )
        )
        session.commit()

    data = gather(engine, wid)

    assert data.this_week == Participation(
        voters=2,
        votes=4,
        commenters=2,
        comments=4,
        users_of_assets=1,
        uses=2,
        acknowledgers=2,
        acknowledgements=2,
    )
    assert data.last_week == Participation(
        voters=1,
        votes=1,
        commenters=1,
        comments=1,
        users_of_assets=1,
        uses=1,
        acknowledgers=1,
        acknowledgements=1,
    )


def test_an_empty_workspace_gathers_empty_lists_and_zero_counts(engine: Engine) -> None:
    with Session(engine) as session:
        wid = workspace(session, "TA")
        session.commit()

    data = gather(engine, wid)

    assert data.period == PERIOD
    assert (data.launches, data.assets, data.comments, data.questions) == ([], [], [], [])
    assert (data.broken_links, data.people, data.more_assets) == ([], [], 0)
    assert data.this_week == Participation() == data.last_week
    assert [w.week_start for w in data.volume] == [s.date() for s, _ in WEEKS]
    assert all(w.votes == 0 and w.comments == 0 for w in data.volume)


def test_launches_of_the_period_with_reach_acknowledgements_and_open_questions(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        wid = workspace(session, "TA")
        launched = campaign(session, wid, "Q4 launch", launch=date(2026, 11, 17))
        older = campaign(session, wid, "Summer launch", launch=date(2026, 7, 1))
        session.add_all(
            [
                AnnouncementPost(campaign_id=launched, channel_id="C1", ts="1.1", posted_at=START),
                AnnouncementPost(
                    campaign_id=launched, channel_id="C2", ts="1.2", posted_at=IN_PERIOD
                ),
                AnnouncementPost(campaign_id=launched, channel_id="C3", error="not_in_channel"),
                AnnouncementPost(campaign_id=launched, channel_id="C4"),  # still queued
                AnnouncementPost(campaign_id=older, channel_id="C1", ts="0.1", posted_at=EARLIER),
            ]
        )
        for user in ("U1", "U2", "U3"):
            session.add(Acknowledgement(workspace_id=wid, campaign_id=launched, user_id=user))
        session.add(Acknowledgement(workspace_id=wid, campaign_id=older, user_id="U1"))
        session.add_all(
            [
                Question(workspace_id=wid, campaign_id=launched, user_id="U1", text="When?"),
                Question(
                    workspace_id=wid,
                    campaign_id=launched,
                    user_id="U2",
                    text="Where?",
                    answered_at=IN_PERIOD,
                    answered_by="UMKT",
                ),
            ]
        )
        session.commit()

    data = gather(engine, wid)

    [launch] = data.launches
    assert (launch.campaign_id, launch.name, launch.launch_date) == (
        launched,
        "Q4 launch",
        date(2026, 11, 17),
    )
    assert (launch.channels, launch.failed_channels) == (2, 1)
    assert (launch.acknowledgements, launch.open_questions) == (3, 1)


def test_comments_of_the_period_newest_first_with_asset_and_campaign(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as session:
        wid = workspace(session, "TA")
        launch = campaign(session, wid, "Q4 launch")
        other = campaign(session, wid, "Other launch")
        deck = asset(session, wid, "Deck", campaign_id=launch)
        loose = asset(session, wid, "Loose sheet")
        comment(session, wid, "Too old", IN_PREVIOUS, asset_id=deck)
        comment(session, wid, "On the deck", START, asset_id=deck, value=USEFUL)
        comment(session, wid, "Marketing never listens", START + timedelta(hours=1), flagged=True)
        comment(session, wid, "About the launch", START + timedelta(hours=2), campaign_id=other)
        comment(
            session,
            wid,
            "On the sheet",
            START + timedelta(hours=3),
            asset_id=loose,
            value=NEEDS_WORK,
        )
        session.commit()

    data = gather(engine, wid)

    assert [(c.text, c.flagged, c.value, c.campaign_name) for c in data.comments] == [
        ("On the sheet", False, "needs_work", None),
        ("About the launch", False, None, "Other launch"),
        ("Marketing never listens", True, None, None),
        ("On the deck", False, "useful", "Q4 launch"),
    ]
    assert data.comments[0].asset_handle is not None
    assert data.comments[1].asset_handle is None
    assert data.this_week.comments == 4  # counted in full even when the sample is cut
    monkeypatch.setattr(digest_service, "MAX_COMMENTS", 2)
    assert [c.text for c in gather(engine, wid).comments] == ["On the sheet", "About the launch"]


def test_unanswered_questions_of_any_age_oldest_first_capped(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as session:
        wid = workspace(session, "TA")
        launch = campaign(session, wid, "Q4 launch")
        for i, at in enumerate([IN_PERIOD, EARLIER, IN_PREVIOUS]):
            session.add(
                Question(
                    workspace_id=wid, campaign_id=launch, user_id="U1", text=f"Q{i}", created_at=at
                )
            )
        session.add(
            Question(
                workspace_id=wid,
                campaign_id=launch,
                user_id="U1",
                text="Answered",
                created_at=EARLIER - timedelta(days=1),
                answered_at=IN_PREVIOUS,
            )
        )
        session.commit()

    data = gather(engine, wid)

    assert [(q.text, q.campaign_name, q.asked_at) for q in data.questions] == [
        ("Q1", "Q4 launch", EARLIER),
        ("Q2", "Q4 launch", IN_PREVIOUS),
        ("Q0", "Q4 launch", IN_PERIOD),
    ]
    assert all(q.asked_at.tzinfo is not None for q in data.questions)
    monkeypatch.setattr(digest_service, "MAX_QUESTIONS", 2)
    assert [q.text for q in gather(engine, wid).questions] == ["Q1", "Q2"]


def test_volume_counts_votes_and_comments_per_week_oldest_first(engine: Engine) -> None:
    with Session(engine) as session:
        wid = workspace(session, "TA")
        decks = [asset(session, wid, f"Deck {i}") for i in range(4)]
        # Week k (0 = oldest) gets k votes; comments only in the oldest and newest weeks.
        for k, (week_start, _) in enumerate(WEEKS):
            for n in range(k):
                vote(
                    session, wid, decks[n % 4], f"U{k}-{n}", USEFUL, week_start + timedelta(hours=n)
                )
        comment(session, wid, "first", WEEKS[0][0])
        comment(session, wid, "last", WEEKS[-1][1] - timedelta(seconds=1))
        comment(session, wid, "too early", WEEKS[0][0] - timedelta(seconds=1))
        session.commit()

    data = gather(engine, wid)

    assert [w.week_start for w in data.volume] == [s.date() for s, _ in WEEKS]
    assert [w.votes for w in data.volume] == list(range(8))
    assert [w.comments for w in data.volume] == [1, 0, 0, 0, 0, 0, 0, 1]


def test_weeks_start_on_the_workspaces_local_dates(engine: Engine) -> None:
    # Weekly spans arrive in UTC; Monday 00:00 in Tokyo is Sunday 15:00 UTC.
    monday = datetime(2026, 11, 16, tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(UTC)
    weeks = [(monday - timedelta(weeks=k), monday - timedelta(weeks=k - 1)) for k in (1, 0)]
    with Session(engine) as session:
        wid = workspace(session, "TA")
        tokyo = workspace(session, "TT")
        session.get_one(Workspace, tokyo).timezone = "Asia/Tokyo"
        for team in (wid, tokyo):
            deck = asset(session, team, "Deck")
            vote(session, team, deck, "U1", USEFUL, datetime(2026, 11, 15, 16, tzinfo=UTC))
            vote(session, team, deck, "U2", USEFUL, datetime(2026, 11, 15, 14, tzinfo=UTC))
        session.commit()

    def volume(team: int) -> list[tuple[date, int]]:
        with Session(engine) as session:
            data = gather_digest(
                session=session,
                workspace=ref_by_id(session, team),
                period=PERIOD,
                previous=PREVIOUS,
                weeks=weeks,
            )
        return [(w.week_start, w.votes) for w in data.volume]

    assert volume(tokyo) == [(date(2026, 11, 9), 1), (date(2026, 11, 16), 1)]
    assert volume(wid) == [(date(2026, 11, 8), 1), (date(2026, 11, 15), 1)]  # UTC dates


def test_broken_links_are_assets_whose_check_failed(engine: Engine) -> None:
    with Session(engine) as session:
        wid = workspace(session, "TA")
        asset(session, wid, "Fine", link_ok=True)
        asset(session, wid, "Unchecked")
        broken = asset(session, wid, "Gone", link_ok=False)
        session.commit()

    data = gather(engine, wid)

    assert [(b.title, b.reason) for b in data.broken_links] == [("Gone", "")]
    assert data.broken_links[0].handle == handle_of(engine, broken)


def test_feedback_tables_are_read_through_their_period_indexes(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plans are checked; PostgreSQL's depend on table statistics")
    with Session(engine) as session:
        wid = workspace(session, "TA")
        session.commit()
    statements: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, statement: str, params: Any, *_: object) -> None:
        statements.append((statement, params))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        gather(engine, wid)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)

    plans = []
    with engine.connect() as connection:
        for statement, params in statements:
            if statement.lstrip().upper().startswith("SELECT"):
                rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
                plans += [str(row[3]) for row in rows]
    feedback = [p for p in plans if p.split()[1:2] in (["vote"], ["usage"], ["comment"])]
    assert feedback
    # Never a whole-table scan, never the (asset_id, user_id) unique index (STYLE.md).
    assert all(" INDEX ix_" in p and p.startswith("SEARCH") for p in feedback), feedback
