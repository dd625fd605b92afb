from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.digest import assemble_digest, percent, thanks_text
from domain.digest_data import (
    AssetRecord,
    BrokenLink,
    ChartKind,
    CommentRecord,
    Digest,
    DigestInput,
    LaunchRecord,
    Participation,
    Period,
    QuestionRecord,
    Trend,
    WeekVolume,
)

PERIOD = Period(
    start=datetime(2026, 11, 16, 8, 0, tzinfo=UTC),
    end=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    label="16-23 Nov 2026",
)
PEOPLE = ["U012ABCDEF", "Jane Doe", "jane.doe", "jane@acme.com", "Orlanda Quist"]


def asset(
    asset_id: int,
    useful: int = 0,
    needs_work: int = 0,
    used: int = 0,
    *,
    before: tuple[int, int] = (0, 0),
    title: str | None = None,
) -> AssetRecord:
    return AssetRecord(
        asset_id=asset_id,
        handle=f"AS-{asset_id}",
        title=title or f"Asset {asset_id}",
        url=f"https://example.com/assets/{asset_id}",
        campaign_name="Spring launch",
        useful=useful,
        needs_work=needs_work,
        used=used,
        useful_before=before[0],
        needs_work_before=before[1],
        used_before=0,
    )


def launch(campaign_id: int, day: int, name: str | None = None) -> LaunchRecord:
    return LaunchRecord(
        campaign_id=campaign_id,
        name=name or f"Campaign {campaign_id}",
        launch_date=date(2026, 11, day),
        channels=3,
        failed_channels=0,
        acknowledgements=5,
        open_questions=1,
    )


def data(**changes: Any) -> DigestInput:
    base = DigestInput(
        period=PERIOD,
        launches=[],
        assets=[],
        comments=[],
        questions=[],
        this_week=Participation(),
        last_week=Participation(),
        volume=[],
        people=list(PEOPLE),
    )
    return dataclasses.replace(base, **changes)


def texts(value: Any) -> Iterator[str]:
    """Every string anywhere in a digest."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from texts(getattr(value, f.name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts(item)


def test_empty_week_is_a_friendly_digest() -> None:
    digest = assemble_digest(data(), workspace_name="Acme")
    assert digest == Digest(
        title="Weekly digest for Acme",
        period_label="16-23 Nov 2026",
        empty=True,
        launches=[],
        more_launches=0,
        working=[],
        improving=[],
        more_assets=0,
        themes=[],
        open_asks=[],
        more_asks=0,
        trends=[
            Trend("Votes", 0, 0),
            Trend("Comments", 0, 0),
            Trend("Uses with customers", 0, 0),
            Trend("Launch acknowledgements", 0, 0),
        ],
        thanks="",
        charts=[],
    )


def test_a_week_with_only_last_weeks_activity_is_empty() -> None:
    quiet = data(
        assets=[asset(1, before=(3, 1))],
        last_week=Participation(voters=3, votes=4),
        volume=[WeekVolume(date(2026, 11, 9), 4, 0), WeekVolume(date(2026, 11, 16), 0, 0)],
    )
    digest = assemble_digest(quiet)
    assert digest.empty
    assert digest.title == "Weekly digest"
    assert digest.working == digest.improving == []
    assert [c.kind for c in digest.charts] == [ChartKind.LINE]  # earlier weeks had feedback


@pytest.mark.parametrize(
    ("changes", "empty"),
    [
        ({"launches": [launch(1, 17)]}, False),
        ({"assets": [asset(1, used=1)]}, False),
        ({"comments": [CommentRecord("ok", False, None, None, None)]}, False),
        (
            {"questions": [QuestionRecord("Spring", "When?", datetime(2026, 11, 17, tzinfo=UTC))]},
            False,
        ),
        ({"broken_links": [BrokenLink("AS-1", "Deck", "https://x.test", "404")]}, False),
        ({"this_week": Participation(votes=1, voters=1)}, False),
        ({"this_week": Participation(acknowledgements=2, acknowledgers=2)}, True),
    ],
)
def test_what_makes_a_week_not_empty(changes: dict[str, Any], empty: bool) -> None:
    assert assemble_digest(data(**changes)).empty is empty


def test_launches_newest_first_redacted_and_capped() -> None:
    launches = [launch(i, 10 + i % 10) for i in range(1, 13)]
    launches.append(launch(99, 22, name="Jane Doe's <@U012ABCDEF> launch"))
    digest = assemble_digest(data(launches=launches))
    assert len(digest.launches) == 8
    assert digest.more_launches == 5
    assert digest.launches[0].name == "someone's someone launch"
    dates = [x.launch_date for x in digest.launches]
    assert dates == sorted(dates, reverse=True)


def test_scoreboard_partition_order_and_counts() -> None:
    assets = [
        asset(1, useful=2, needs_work=1, used=1, before=(1, 1)),  # 67%, up from 50%
        asset(2, useful=5, needs_work=0),  # 100%, 5 votes
        asset(3, useful=1, needs_work=0),  # 100%, 1 vote
        asset(4, used=2),  # used only: working, after the voted ones
        asset(5, useful=1, needs_work=1),  # a tie: being improved
        asset(6, needs_work=4, useful=1, before=(4, 0)),
        asset(7, before=(2, 2)),  # nothing this period: not shown
        asset(8, useful=3, needs_work=2, before=(3, 2)),  # 60% -> 60%
    ]
    digest = assemble_digest(data(assets=assets))
    assert [x.handle for x in digest.working] == ["AS-2", "AS-3", "AS-1", "AS-8", "AS-4"]
    assert [x.handle for x in digest.improving] == ["AS-6", "AS-5"]
    assert digest.more_assets == 0
    first = digest.working[2]
    assert (first.useful, first.needs_work, first.used, first.approval, first.trend) == (
        2,
        1,
        1,
        67,
        "▲",
    )
    assert digest.working[0].trend == ""  # no earlier votes
    assert digest.working[3].trend == "→"
    assert digest.working[4].approval is None
    assert digest.improving[0].approval == 20
    assert digest.improving[0].trend == "▼"
    assert digest.working[0].url == "https://example.com/assets/2"


def test_percent() -> None:
    assert percent(2, 1) == 67
    assert percent(1, 2) == 33
    assert percent(0, 0) is None
    assert percent(0, 3) == 0


def test_titles_are_redacted() -> None:
    digest = assemble_digest(
        data(assets=[asset(1, useful=1, title="Deck for Orlanda (jane@acme.com)")])
    )
    assert digest.working[0].title == "Deck for someone ([email])"


def test_open_asks_oldest_first_then_broken_links() -> None:
    at = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    questions = [
        QuestionRecord("Spring launch", "Is there a German version, jane?", at + timedelta(1)),
        QuestionRecord("Spring launch", "<@U012ABCDEF> when is the webinar?", at),
        QuestionRecord("Q4 push", "Why does marketing never answer?", at + timedelta(2)),
        QuestionRecord("Q4 push", "?!", at + timedelta(3)),
    ]
    links = [BrokenLink("PD-3", "Pricing deck", "https://example.com/p", "404")]
    digest = assemble_digest(data(questions=questions, broken_links=links))
    assert digest.open_asks == [
        # Quote by evidence (rule 3): a question that points at a person is only listed.
        "A question on Spring launch is waiting for an answer.",
        "A question on Spring launch is waiting for an answer.",
        "A question on Q4 push is waiting for an answer.",  # accusatory: not quoted
        "A question on Q4 push is waiting for an answer.",  # nothing meaningful to quote
        "The link for `PD-3` Pricing deck doesn't open (404): could it be updated?",
    ]
    assert digest.more_asks == 0


def test_open_asks_are_capped() -> None:
    at = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    questions = [
        QuestionRecord("Spring", f"Question number {i}?", at + timedelta(minutes=i))
        for i in range(9)
    ]
    links = [BrokenLink(f"AS-{i}", f"Asset {i}", "https://x.test", "timed out") for i in range(4)]
    digest = assemble_digest(data(questions=questions, broken_links=links))
    assert len(digest.open_asks) == 10
    assert digest.more_asks == 3
    assert digest.open_asks[0] == "Question on Spring: “Question number 0?”"
    assert digest.open_asks[-1].startswith("The link for `AS-0` Asset 0 doesn't open (timed out)")


def test_trends_and_thanks() -> None:
    this = Participation(
        voters=12,
        votes=40,
        commenters=5,
        comments=7,
        users_of_assets=0,
        uses=3,
        acknowledgers=9,
        acknowledgements=9,
    )
    last = Participation(votes=30, comments=8, uses=1, acknowledgements=2)
    digest = assemble_digest(data(this_week=this, last_week=last))
    assert digest.trends == [
        Trend("Votes", 40, 30),
        Trend("Comments", 7, 8),
        Trend("Uses with customers", 3, 1),
        Trend("Launch acknowledgements", 9, 2),
    ]
    assert digest.thanks == (
        "Thanks to the 12 people who voted, 5 who commented and 9 who confirmed launches this week."
    )


@pytest.mark.parametrize(
    ("participation", "thanks"),
    [
        (Participation(), ""),
        # Counts below three are left out: "the 1 person who commented" names them.
        (Participation(voters=1), ""),
        (
            Participation(commenters=2, users_of_assets=3),
            "Thanks to the 3 people who used collateral with customers this week.",
        ),
        (
            Participation(voters=1200, acknowledgers=1),
            "Thanks to the 1,200 people who voted this week.",
        ),
        (
            Participation(voters=3, commenters=4, acknowledgers=5),
            "Thanks to the 3 people who voted, 4 who commented and 5 who confirmed launches "
            "this week.",
        ),
    ],
)
def test_thanks_text(participation: Participation, thanks: str) -> None:
    assert thanks_text(participation) == thanks


def test_charts() -> None:
    assets = [asset(i, useful=i % 4, needs_work=i % 3) for i in range(1, 31)]
    volume = [
        WeekVolume(date(2026, 9, 28) + timedelta(weeks=k), votes=k, comments=k % 2)
        for k in range(9)
    ]
    digest = assemble_digest(data(assets=assets, volume=volume))
    assert len(digest.charts) == 2
    bar, line = digest.charts
    assert bar.kind is ChartKind.BAR and bar.title == "Collateral approval"
    assert len(bar.categories) == 20
    assert [s.name for s in bar.series] == ["Useful", "Needs work"]
    totals = [u + n for u, n in zip(bar.series[0].values, bar.series[1].values, strict=True)]
    assert totals == sorted(totals, reverse=True) and 0 not in totals
    assert line.kind is ChartKind.LINE and line.title == "Feedback, last 8 weeks"
    assert line.categories == (
        "5 Oct",
        "12 Oct",
        "19 Oct",
        "26 Oct",
        "2 Nov",
        "9 Nov",
        "16 Nov",
        "23 Nov",
    )
    assert [s.name for s in line.series] == ["Votes", "Comments"]
    assert line.series[0].values == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0)
    for chart in digest.charts:
        assert len(chart.title) <= 50
        assert all(len(c) <= 20 for c in chart.categories)
        assert all(len(s.name) <= 20 for s in chart.series)
        assert all(len(s.values) == len(chart.categories) for s in chart.series)


def test_charts_without_data_are_left_out() -> None:
    digest = assemble_digest(
        data(assets=[asset(1, used=3)], volume=[WeekVolume(date(2026, 11, 16), 0, 0)])
    )
    assert digest.charts == []


def test_five_hundred_assets() -> None:
    assets = [asset(i, useful=i % 7, needs_work=i % 5, used=i % 3) for i in range(500)]
    launches = [launch(i, 1 + i % 28) for i in range(40)]
    comments = [
        CommentRecord(f"pricing slide {i} is outdated", i % 9 == 0, "needs_work", None, None)
        for i in range(300)
    ]
    digest = assemble_digest(
        data(assets=assets, launches=launches, comments=comments, more_assets=7)
    )
    active = [a for a in assets if a.useful or a.needs_work or a.used]
    improving = [a for a in active if a.needs_work and a.needs_work >= a.useful]
    working = [a for a in active if a not in improving]
    assert len(digest.working) == len(digest.improving) == 8
    assert digest.more_assets == len(working) - 8 + len(improving) - 8 + 7
    assert len(digest.launches) == 8 and digest.more_launches == 32
    assert len(digest.themes) <= 5
    assert digest.themes[0].count == 300
    assert all(len(t.quotes) <= 2 for t in digest.themes)
    assert len(digest.charts[0].categories) == 20
    # Best approval first, then volume.
    approvals = [x.approval if x.approval is not None else -1 for x in digest.working]
    assert approvals == sorted(approvals, reverse=True)
    needs = [x.needs_work for x in digest.improving]
    assert needs == sorted(needs, reverse=True)


def test_no_person_and_no_worst_anywhere() -> None:
    at = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    digest = assemble_digest(
        data(
            launches=[launch(1, 17, name="Orlanda Quist's launch <!channel>")],
            assets=[
                asset(1, useful=3, title="Jane Doe deck"),
                asset(2, needs_work=3, title="U012ABCDEF notes"),
            ],
            comments=[
                CommentRecord("Jane Doe: pricing outdated", False, "needs_work", "AS-2", None),
                CommentRecord("ask jane@acme.com about pricing", False, None, "AS-2", None),
                CommentRecord("<@U012ABCDEF> pricing again", False, None, "AS-2", None),
                CommentRecord("Orlanda never reads it", True, None, "AS-2", None),
            ],
            questions=[QuestionRecord("Launch for Orlanda", "Ping Quist?", at)],
            broken_links=[BrokenLink("AS-2", "Jane's sheet", "https://x.test", "timed out")],
        ),
        workspace_name="Jane Doe's workspace",
    )
    everything = " ".join(texts(digest))
    for name in ("Jane", "Doe", "Orlanda", "Quist"):
        assert not re.search(rf"\b{name}\b", everything, re.IGNORECASE)
    for banned in ("U012ABCDEF", "jane@", "<@", "<!"):
        assert banned.casefold() not in everything.casefold()
    assert "worst" not in everything.casefold()
    assert digest.title == "Weekly digest for someone's workspace"
