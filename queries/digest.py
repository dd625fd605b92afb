"""The weekly digest's figures: counted in the database, few rows loaded.

Every figure is an aggregate computed by SQL over the covering period indexes
(`ix_vote_period`, `ix_usage_period`, `ix_comment_period`), bounded by the period's
half-open UTC boundaries; the only rows loaded are bounded samples (the newest comments,
the oldest open questions, broken links) and at most `limit` per-asset lines.
See STYLE.md, "Aggregate in the database", and bench/digest.py for the measurements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session
from sqlmodel import col

from models import (
    Acknowledgement,
    AnnouncementPost,
    Asset,
    Campaign,
    Comment,
    Question,
    Usage,
    Vote,
    VoteValue,
    Workspace,
    as_utc,
)


@dataclass(frozen=True)
class Span:
    """A half-open [lo, hi) span in UTC, as bound parameters for the period indexes."""

    lo: datetime
    hi: datetime

    @classmethod
    def of(cls, start: datetime, end: datetime) -> Span:
        # SQLite stores the UTC wall time without a zone: bounds must be UTC too.
        return cls(as_utc(start), as_utc(end))

    def holds(self, column: Mapped[datetime] | Mapped[datetime | None]) -> sa.ColumnElement[bool]:
        """`column` within the span, written so an index on it can be used."""
        return sa.and_(column >= self.lo, column < self.hi)


class LaunchRow(NamedTuple):
    """A campaign announced in the period, with its reach."""

    campaign_id: int
    name: str
    launch_date: date
    channels: int  # channels its announcement reached
    failed_channels: int  # target channels it could not be posted to
    acknowledgements: int  # all time
    open_questions: int


class AssetCounts(NamedTuple):
    """One asset's verdicts and uses in a period and in the period before."""

    asset_id: int
    handle: str
    title: str
    url: str
    campaign_name: str | None
    useful: int
    needs_work: int
    used: int
    useful_before: int
    needs_work_before: int
    used_before: int


class CommentRow(NamedTuple):
    """A comment of the period, with what it was on."""

    text: str
    flagged: bool
    value: str | None
    asset_handle: str | None
    campaign_name: str | None
    author: str  # empty when unknown


class QuestionRow(NamedTuple):
    """An open question and the campaign it was asked on."""

    campaign_name: str
    text: str
    asked_at: datetime


class Participation(NamedTuple):
    """Distinct people and their actions per kind, in one period."""

    voters: int
    votes: int
    commenters: int
    comments: int
    users_of_assets: int
    uses: int
    acknowledgers: int
    acknowledgements: int


class WeekCounts(NamedTuple):
    """Votes and comments in one week."""

    votes: int
    comments: int


class BrokenLinkRow(NamedTuple):
    """An asset whose link failed its last check."""

    handle: str
    title: str
    url: str


def launches(session: Session, *, workspace_id: int, span: Span) -> list[LaunchRow]:
    """Campaigns with an announcement posted in the span, with their reach, by launch date."""
    wid = workspace_id
    launched = (
        sa.select(col(Campaign.id))
        .join(AnnouncementPost, col(AnnouncementPost.campaign_id) == col(Campaign.id))
        .where(col(Campaign.workspace_id) == wid, span.holds(col(AnnouncementPost.posted_at)))
        .distinct()
        .scalar_subquery()
    )
    ts, error = col(AnnouncementPost.ts), col(AnnouncementPost.error)
    reach = (
        sa.select(
            col(AnnouncementPost.campaign_id).label("campaign_id"),
            sa.func.count().filter(ts.is_not(None)).label("channels"),
            sa.func.count().filter(ts.is_(None), error.is_not(None)).label("failed"),
        )
        .where(col(AnnouncementPost.campaign_id).in_(launched))
        .group_by(col(AnnouncementPost.campaign_id))
        .subquery("reach")
    )
    acks = (
        sa.select(col(Acknowledgement.campaign_id).label("campaign_id"), sa.func.count().label("n"))
        .where(
            col(Acknowledgement.workspace_id) == wid,
            col(Acknowledgement.campaign_id).in_(launched),
        )
        .group_by(col(Acknowledgement.campaign_id))
        .subquery("acks")
    )
    open_questions = (
        sa.select(col(Question.campaign_id).label("campaign_id"), sa.func.count().label("n"))
        .where(
            col(Question.workspace_id) == wid,
            col(Question.campaign_id).in_(launched),
            col(Question.answered_at).is_(None),
            col(Question.closed_at).is_(None),
        )
        .group_by(col(Question.campaign_id))
        .subquery("open_questions")
    )
    rows = session.execute(
        sa.select(
            col(Campaign.id),
            col(Campaign.name),
            col(Campaign.launch_date),
            sa.func.coalesce(reach.c.channels, 0),
            sa.func.coalesce(reach.c.failed, 0),
            sa.func.coalesce(acks.c.n, 0),
            sa.func.coalesce(open_questions.c.n, 0),
        )
        .outerjoin(reach, reach.c.campaign_id == col(Campaign.id))
        .outerjoin(acks, acks.c.campaign_id == col(Campaign.id))
        .outerjoin(open_questions, open_questions.c.campaign_id == col(Campaign.id))
        .where(col(Campaign.workspace_id) == wid, col(Campaign.id).in_(launched))
        .order_by(col(Campaign.launch_date), col(Campaign.id))
    ).all()
    return [
        LaunchRow(int(r[0]), r[1], r[2], int(r[3]), int(r[4]), int(r[5]), int(r[6])) for r in rows
    ]


# (asset_id, *_COUNTS)
_CountsSelect = sa.Select[*tuple[int, ...]]
_COUNTS = ("useful", "needs_work", "used", "useful_before", "needs_work_before", "used_before")


def asset_counts(
    session: Session, *, workspace_id: int, this: Span, last: Span, limit: int
) -> tuple[list[AssetCounts], int]:
    """Per-asset counts for both spans, most active first: at most `limit` assets, and how
    many assets had any."""
    wid = workspace_id
    # One grouped select per table and period, each bounded by its own index range: one
    # pass over both periods with a conditional per count took twice as long on SQLite
    # (0.23 s against 0.12 s at 1M votes, bench/digest.py).
    parts = [
        _vote_counts(wid, this, useful="useful", needs_work="needs_work"),
        _vote_counts(wid, last, useful="useful_before", needs_work="needs_work_before"),
        _use_counts(wid, this, used="used"),
        _use_counts(wid, last, used="used_before"),
    ]
    counted = sa.union_all(*parts).subquery("counted")
    per_asset = (
        sa.select(counted.c.asset_id, *(sa.func.sum(counted.c[n]).label(n) for n in _COUNTS))
        .group_by(counted.c.asset_id)
        .subquery("per_asset")
    )
    c = per_asset.c
    now = c.useful + c.needs_work + c.used
    before = c.useful_before + c.needs_work_before + c.used_before
    rows = session.execute(
        sa.select(
            col(Asset.id),
            col(Asset.handle),
            col(Asset.title),
            col(Asset.url),
            col(Campaign.name),
            *(c[n] for n in _COUNTS),
            sa.func.count().over().label("total"),
        )
        .select_from(per_asset)
        .join(Asset, sa.and_(col(Asset.id) == c.asset_id, col(Asset.workspace_id) == wid))
        .outerjoin(
            Campaign,
            sa.and_(col(Campaign.id) == col(Asset.campaign_id), col(Campaign.workspace_id) == wid),
        )
        .order_by(now.desc(), before.desc(), col(Asset.id))
        # One row even for limit=0, so the window's total still arrives.
        .limit(max(limit, 1))
    ).all()
    total = int(rows[0].total) if rows else 0
    kept = [
        AssetCounts(
            int(r[0]),
            r[1],
            r[2],
            r[3],
            r[4],
            int(r[5]),
            int(r[6]),
            int(r[7]),
            int(r[8]),
            int(r[9]),
            int(r[10]),
        )
        for r in rows[: max(limit, 0)]
    ]
    return kept, total


def _vote_counts(wid: int, span: Span, *, useful: str, needs_work: str) -> _CountsSelect:
    """Verdicts per asset given in one span, as the named columns (the others zero)."""
    value = col(Vote.value)
    counts = {
        useful: sa.func.count().filter(value == VoteValue.USEFUL),
        needs_work: sa.func.count().filter(value == VoteValue.NEEDS_WORK),
    }
    return _counts_select(col(Vote.asset_id), counts).where(
        col(Vote.workspace_id) == wid, span.holds(col(Vote.created_at))
    )


def _use_counts(wid: int, span: Span, *, used: str) -> _CountsSelect:
    """Uses per asset in one span, as the named column (the others zero)."""
    return _counts_select(col(Usage.asset_id), {used: sa.func.count()}).where(
        col(Usage.workspace_id) == wid, span.holds(col(Usage.created_at))
    )


def _counts_select(
    asset_id: Mapped[int], counts: Mapping[str, sa.ColumnElement[int]]
) -> _CountsSelect:
    """(asset_id, *_COUNTS) per asset: the named counts, zero for the others."""
    columns = [counts.get(n, sa.literal(0)).label(n) for n in _COUNTS]
    return sa.select(asset_id.label("asset_id"), *columns).group_by(asset_id)


def newest_comments(
    session: Session, *, workspace_id: int, span: Span, limit: int
) -> list[CommentRow]:
    """The span's newest comments (at most `limit`), newest first."""
    wid = workspace_id
    result = session.execute(
        sa.select(
            col(Comment.text),
            col(Comment.flagged),
            col(Comment.value),
            col(Asset.handle),
            col(Campaign.name),
            col(Comment.user_id),
        )
        .select_from(Comment)
        .outerjoin(
            Asset, sa.and_(col(Asset.id) == col(Comment.asset_id), col(Asset.workspace_id) == wid)
        )
        .outerjoin(
            Campaign,
            sa.and_(
                col(Campaign.id)
                == sa.func.coalesce(col(Comment.campaign_id), col(Asset.campaign_id)),
                col(Campaign.workspace_id) == wid,
            ),
        )
        .where(col(Comment.workspace_id) == wid, span.holds(col(Comment.created_at)))
        .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
        .limit(limit)
    )
    # Made as the result is read, with no list of its rows beside them: the digest's
    # largest sample then peaks as before the move (tracemalloc, bench/digest.py).
    return [
        CommentRow(r[0], bool(r[1]), None if r[2] is None else str(r[2]), r[3], r[4], r[5] or "")
        for r in result
    ]


def open_questions(session: Session, *, workspace_id: int, limit: int) -> list[QuestionRow]:
    """Unanswered questions of any age, oldest first (at most `limit`)."""
    wid = workspace_id
    rows = session.execute(
        sa.select(col(Campaign.name), col(Question.text), col(Question.created_at))
        .join(
            Campaign,
            sa.and_(
                col(Campaign.id) == col(Question.campaign_id), col(Campaign.workspace_id) == wid
            ),
        )
        .where(
            col(Question.workspace_id) == wid,
            col(Question.answered_at).is_(None),
            col(Question.closed_at).is_(None),
        )
        .order_by(col(Question.created_at), col(Question.id))
        .limit(limit)
    ).all()
    return [QuestionRow(r[0], r[1], as_utc(r[2])) for r in rows]


_KINDS = (
    (Vote.workspace_id, Vote.user_id, Vote.created_at),
    (Comment.workspace_id, Comment.user_id, Comment.created_at),
    (Usage.workspace_id, Usage.user_id, Usage.created_at),
    (Acknowledgement.workspace_id, Acknowledgement.user_id, Acknowledgement.created_at),
)


def participation(
    session: Session, *, workspace_id: int, this: Span, last: Span
) -> tuple[Participation, Participation]:
    """Distinct people and their actions per kind, in each of the two spans."""
    # Plain range counts, one scalar subquery each, all in one statement: DISTINCTs of
    # CASEs over both periods at once took SQLite three times as long. People are counted
    # over a DISTINCT subquery, which PostgreSQL hashes in memory; count(DISTINCT) sorts
    # (and spilled to disk at 1M votes).
    counts = []
    for span in (this, last):
        for workspace, user, created in _KINDS:
            scope = (col(workspace) == workspace_id, span.holds(col(created)))
            people = sa.select(col(user)).where(*scope).distinct().subquery()
            counts.append(sa.select(sa.func.count()).select_from(people).scalar_subquery())
            counts.append(sa.select(sa.func.count()).where(*scope).scalar_subquery())
    row = [int(n) for n in session.execute(sa.select(*counts)).one()]
    return Participation(*row[:8]), Participation(*row[8:])


def week_counts(session: Session, *, workspace_id: int, weeks: Sequence[Span]) -> list[WeekCounts]:
    """Votes and comments per span, in the order given, in one statement of range counts."""
    if not weeks:
        return []
    counts: list[sa.ScalarSelect[int]] = []
    for span in weeks:
        for workspace, created in (
            (Vote.workspace_id, Vote.created_at),
            (Comment.workspace_id, Comment.created_at),
        ):
            # A count over an index range, no per-row expression: a CASE bucket with
            # GROUP BY sorted all eight weeks' rows (1.6 s against 0.06 s at 1M votes).
            counts.append(
                sa.select(sa.func.count())
                .where(col(workspace) == workspace_id, span.holds(col(created)))
                .scalar_subquery()
            )
    row = [int(n) for n in session.execute(sa.select(*counts)).one()]
    return [WeekCounts(row[2 * i], row[2 * i + 1]) for i in range(len(weeks))]


def workspace_timezone(session: Session, *, workspace_id: int) -> str | None:
    """The workspace's IANA zone name, if it has one."""
    zone: str | None = session.execute(
        sa.select(col(Workspace.timezone)).where(col(Workspace.id) == workspace_id)
    ).scalar_one_or_none()
    return zone


def broken_links(session: Session, *, workspace_id: int, limit: int) -> list[BrokenLinkRow]:
    """Assets whose link failed its last check (at most `limit`, by handle number)."""
    rows = session.execute(
        sa.select(col(Asset.handle), col(Asset.title), col(Asset.url))
        .where(col(Asset.workspace_id) == workspace_id, col(Asset.link_ok).is_(False))
        .order_by(col(Asset.number))
        .limit(limit)
    ).all()
    return [BrokenLinkRow(r[0], r[1], r[2]) for r in rows]
