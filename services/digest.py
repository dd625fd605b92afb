"""Gather one workspace's weekly digest input: counted in the database, few rows loaded.

The figures are aggregates computed by SQL (queries.digest); this module picks the
periods and the sample sizes and turns the rows into the digest's records.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from domain.digest_data import (
    AssetRecord,
    BrokenLink,
    CommentRecord,
    DigestInput,
    LaunchRecord,
    Participation,
    Period,
    QuestionRecord,
    WeekVolume,
)
from models import WorkspaceRef, as_utc
from queries import digest
from queries.digest import Span

# Themes need a sample, not every comment: the newest ones of the period.
MAX_COMMENTS = 2_000
MAX_QUESTIONS = 50
MAX_BROKEN_LINKS = 50
# The link checker records only that a link failed; the digest words it neutrally.
UNKNOWN_LINK_REASON = ""  # the checker stores only ok or not; the ask says "doesn't open"


def gather_digest(
    *,
    session: Session,
    workspace: WorkspaceRef,
    period: Period,
    previous: Period,
    weeks: list[tuple[datetime, datetime]],
    max_assets: int = 500,
) -> DigestInput:
    """Everything one workspace's digest for `period` is built from (people left to the caller)."""
    this = Span.of(period.start, period.end)
    last = Span.of(previous.start, previous.end)
    assets, more_assets = _assets(session, workspace.id, this, last, max_assets)
    this_week, last_week = _participation(session, workspace.id, this, last)
    return DigestInput(
        period=period,
        launches=_launches(session, workspace.id, this),
        assets=assets,
        comments=_comments(session, workspace.id, this),
        questions=_questions(session, workspace.id),
        this_week=this_week,
        last_week=last_week,
        volume=_volume(session, workspace.id, weeks),
        broken_links=_broken_links(session, workspace.id),
        people=[],
        more_assets=more_assets,
    )


# The query rows name the records' fields in the records' order, so records are built
# positionally: keywords cost a third more per record (2,000 comments a gather).
# tests/services/test_digest_rows.py holds the two in step.
def _launches(session: Session, wid: int, this: Span) -> list[LaunchRecord]:
    """Campaigns with an announcement posted in the period, with their reach."""
    return [LaunchRecord(*r) for r in digest.launches(session, workspace_id=wid, span=this)]


def _assets(
    session: Session, wid: int, this: Span, last: Span, max_assets: int
) -> tuple[list[AssetRecord], int]:
    """Per-asset counts for both periods, most active first, and how many were left out."""
    counted, total = digest.asset_counts(
        session, workspace_id=wid, this=this, last=last, limit=max_assets
    )
    records = [AssetRecord(*r) for r in counted]
    return records, total - len(records)


def _comments(session: Session, wid: int, this: Span) -> list[CommentRecord]:
    """The period's newest comments (at most MAX_COMMENTS), newest first."""
    rows = digest.newest_comments(session, workspace_id=wid, span=this, limit=MAX_COMMENTS)
    return [CommentRecord(*r) for r in rows]


def _questions(session: Session, wid: int) -> list[QuestionRecord]:
    """Unanswered questions of any age, oldest first (at most MAX_QUESTIONS)."""
    return [
        QuestionRecord(*r)
        for r in digest.open_questions(session, workspace_id=wid, limit=MAX_QUESTIONS)
    ]


def _participation(
    session: Session, wid: int, this: Span, last: Span
) -> tuple[Participation, Participation]:
    """Distinct people and their actions per kind, for this period and the one before."""
    now, before = digest.participation(session, workspace_id=wid, this=this, last=last)
    return Participation(*now), Participation(*before)


def _volume(session: Session, wid: int, weeks: list[tuple[datetime, datetime]]) -> list[WeekVolume]:
    """Votes and comments per week, oldest first."""
    if not weeks:
        return []
    ordered = sorted(weeks, key=lambda w: w[0])
    spans = [Span.of(start, end) for start, end in ordered]
    zone = digest.workspace_timezone(session, workspace_id=wid)
    counts = digest.week_counts(session, workspace_id=wid, weeks=spans)
    return [
        WeekVolume(week_start=_local_date(start, zone), votes=n.votes, comments=n.comments)
        for (start, _), n in zip(ordered, counts, strict=True)
    ]


def _local_date(moment: datetime, zone: str | None) -> date:
    """The day a week starts on in the workspace's zone (spans arrive in UTC)."""
    try:
        return as_utc(moment).astimezone(ZoneInfo(zone or "UTC")).date()
    except (ZoneInfoNotFoundError, ValueError):
        return as_utc(moment).date()


def _broken_links(session: Session, wid: int) -> list[BrokenLink]:
    """Assets whose link failed its last check (at most MAX_BROKEN_LINKS, by handle number)."""
    rows = digest.broken_links(session, workspace_id=wid, limit=MAX_BROKEN_LINKS)
    return [BrokenLink(*r, reason=UNKNOWN_LINK_REASON) for r in rows]
