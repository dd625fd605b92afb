"""What a person's App Home shows: a marketer's campaigns and assets, a rep's week."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.db import SessionScope, writing
from domain.home import (
    AssetLine,
    CampaignLine,
    CommentLine,
    HomeData,
    PendingLaunch,
    QuestionLine,
    home_comment_line,
)
from models import (
    Acknowledgement,
    AnnouncementPost,
    Asset,
    Campaign,
    CampaignStatus,
    Comment,
    HomeVisit,
    Question,
    Vote,
    VoteValue,
    WorkspaceRef,
    utcnow,
)
from services.collateral import top_assets, with_stats

MAX_CAMPAIGNS = 10
MAX_ASSETS = 15
MAX_COMMENTS = 10
MAX_QUESTIONS = 10
MAX_PENDING = 10
TREND_DAYS = 7


class HomeRefresh(Protocol):
    """Publishes someone's App Home again, soon, in the background."""

    # Slack-keyed: a home tab is a Slack view, published for a person of a team.
    def refresh(self, team_id: str, user_id: str) -> None:
        """Ask for a refresh of this person's home tab."""


def record_visit(*, session: Session, workspace: WorkspaceRef, user_id: str) -> bool:
    """Note that someone opened the home tab; True on their first visit."""
    with writing(session):
        visit = session.exec(
            select(HomeVisit).where(
                HomeVisit.workspace_id == workspace.id, HomeVisit.user_id == user_id
            )
        ).first()
        if visit is not None:
            visit.last_seen_at = utcnow()
            session.add(visit)
            return False
        try:
            with session.begin_nested():
                session.add(HomeVisit(workspace_id=workspace.id, user_id=user_id))
        except sa.exc.IntegrityError:
            return False  # a second app_home_opened raced this one
        return True


def has_visited(*, session: Session, workspace: WorkspaceRef, user_id: str) -> bool:
    """Whether someone has ever opened the home tab (only they get refreshes)."""
    found = session.exec(
        select(HomeVisit.id).where(
            HomeVisit.workspace_id == workspace.id, HomeVisit.user_id == user_id
        )
    ).first()
    return found is not None


def home_data(
    *,
    session: Session,
    workspace: WorkspaceRef,
    user_id: str,
    now: datetime,
    first_visit: bool = False,
) -> HomeData:
    """Gather one person's home tab."""
    wid = workspace.id
    campaigns, more_campaigns = _campaigns(session, wid, user_id)
    asset_ids = _owned_asset_ids(session, wid, user_id)
    assets = _asset_lines(session, asset_ids[:MAX_ASSETS], now)
    return HomeData(
        user_id=user_id,
        first_visit=first_visit,
        campaigns=campaigns,
        more_campaigns=more_campaigns,
        assets=assets,
        more_assets=max(len(asset_ids) - MAX_ASSETS, 0),
        comments=_comments(session, asset_ids),
        questions=_questions(session, wid, user_id),
        pending=_pending(session, wid, user_id, now),
        top=top_assets(session=session, workspace=workspace, limit=5),
    )


def open_home(
    *, db: SessionScope, read: SessionScope, workspace: WorkspaceRef, user_id: str, now: datetime
) -> HomeData:
    """Someone opened their home tab: note the visit, then gather what it shows.

    The visit is committed on its own; the tab is read in a read-only session, so it
    never waits behind a writer.
    """
    with db() as session:
        first = record_visit(session=session, workspace=workspace, user_id=user_id)
    with read() as session:
        return home_data(
            session=session, workspace=workspace, user_id=user_id, now=now, first_visit=first
        )


def _campaigns(session: Session, wid: int, user_id: str) -> tuple[list[CampaignLine], int]:
    total = session.exec(
        select(sa.func.count()).where(Campaign.workspace_id == wid, Campaign.marketer_id == user_id)
    ).one()
    rows = session.exec(
        select(Campaign)
        .where(Campaign.workspace_id == wid, Campaign.marketer_id == user_id)
        .order_by(col(Campaign.launch_date).desc(), col(Campaign.id).desc())
        .limit(MAX_CAMPAIGNS)
    ).all()
    ids = [c.id for c in rows]
    reach = _count_by(
        session,
        AnnouncementPost.campaign_id,
        ids,
        col(AnnouncementPost.ts).is_not(None),
    )
    acks = _count_by(session, Acknowledgement.campaign_id, ids)
    open_q = _count_by(
        session,
        Question.campaign_id,
        ids,
        col(Question.answered_at).is_(None),
        col(Question.closed_at).is_(None),  # a question that could not be posted is closed
    )
    lines = [
        CampaignLine(
            id=c.id,
            name=c.name,
            launch_date=c.launch_date,
            status=c.status,
            channels=reach.get(c.id, 0),
            acknowledgements=acks.get(c.id, 0),
            open_questions=open_q.get(c.id, 0),
        )
        for c in rows
        if c.id is not None
    ]
    return lines, max(total - len(lines), 0)


def _count_by(
    session: Session, key: Any, ids: list[int | None], *where: sa.ColumnElement[bool]
) -> dict[int, int]:
    if not ids:
        return {}
    column = col(key)
    rows = session.execute(
        sa.select(column, sa.func.count()).where(column.in_(ids), *where).group_by(column)
    ).all()
    return {int(r[0]): int(r[1]) for r in rows}


def _owned_asset_ids(session: Session, wid: int, user_id: str) -> list[int]:
    """Assets a person registered or launched, newest first."""
    rows = session.execute(
        sa.select(col(Asset.id))
        .outerjoin(Campaign, col(Campaign.id) == col(Asset.campaign_id))
        .where(
            col(Asset.workspace_id) == wid,
            sa.or_(
                col(Campaign.marketer_id) == user_id,
                sa.and_(col(Asset.campaign_id).is_(None), col(Asset.added_by) == user_id),
            ),
        )
        .order_by(col(Asset.id).desc())
    ).all()
    return [int(r[0]) for r in rows]


def _percent(useful: int, total: int) -> int | None:
    return round(100 * useful / total) if total else None


def _asset_lines(session: Session, asset_ids: list[int], now: datetime) -> list[AssetLine]:
    if not asset_ids:
        return []
    since = now - timedelta(days=TREND_DAYS)
    recent = col(Vote.created_at) >= since
    useful = col(Vote.value) == VoteValue.USEFUL
    rows = session.execute(
        sa.select(
            col(Vote.asset_id),
            sa.func.count().filter(recent),
            sa.func.count().filter(recent, useful),
            sa.func.count().filter(~recent),
            sa.func.count().filter(~recent, useful),
        )
        .where(col(Vote.asset_id).in_(asset_ids))
        .group_by(col(Vote.asset_id))
    ).all()
    trend = {int(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}
    lines = []
    for stats in with_stats(session, asset_ids):
        n_recent, u_recent, n_old, u_old = trend.get(stats.id, (0, 0, 0, 0))
        lines.append(
            AssetLine(
                stats=stats,
                approval=_percent(stats.useful, stats.useful + stats.needs_work),
                recent_approval=_percent(u_recent, n_recent),
                earlier_approval=_percent(u_old, n_old),
            )
        )
    return lines


def _comments(session: Session, asset_ids: list[int]) -> list[CommentLine]:
    if not asset_ids:
        return []
    rows = session.execute(
        sa.select(Comment, col(Asset.handle), col(Asset.title))
        .join(Asset, col(Asset.id) == col(Comment.asset_id))
        .where(col(Comment.asset_id).in_(asset_ids))
        .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
        .limit(MAX_COMMENTS)
    ).all()
    shown_assets = {comment.asset_id for comment, _, _ in rows}
    commenters = dict(
        session.execute(
            sa.select(col(Comment.asset_id), sa.func.count(sa.distinct(col(Comment.user_id))))
            .where(col(Comment.asset_id).in_(shown_assets))
            .group_by(col(Comment.asset_id))
        ).all()
    )
    return [
        home_comment_line(
            asset_handle=handle,
            asset_title=title,
            text=comment.text,
            value=comment.value,
            flagged=comment.flagged,
            followup_ok=comment.followup_ok,
            author_id=comment.user_id,
            commenters=int(commenters.get(comment.asset_id, 0)),
        )
        for comment, handle, title in rows
    ]


def _questions(session: Session, wid: int, user_id: str) -> list[QuestionLine]:
    rows = session.execute(
        sa.select(col(Campaign.name), col(Question.text), col(Question.channel_id))
        .join(Campaign, col(Campaign.id) == col(Question.campaign_id))
        .where(
            col(Question.workspace_id) == wid,
            col(Campaign.marketer_id) == user_id,
            col(Question.answered_at).is_(None),
            col(Question.closed_at).is_(None),
        )
        .order_by(col(Question.id).desc())
        .limit(MAX_QUESTIONS)
    ).all()
    return [QuestionLine(campaign_name=r[0], text=r[1], channel_id=r[2]) for r in rows]


def _pending(session: Session, wid: int, user_id: str, now: datetime) -> list[PendingLaunch]:
    """Launches posted in the last week that this person has not acknowledged."""
    since = (now - timedelta(days=7)).date()
    acked = sa.select(col(Acknowledgement.campaign_id)).where(
        col(Acknowledgement.user_id) == user_id
    )
    first_post = (
        sa.select(sa.func.min(col(AnnouncementPost.channel_id)))
        .where(
            col(AnnouncementPost.campaign_id) == col(Campaign.id),
            col(AnnouncementPost.ts).is_not(None),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(col(Campaign.name), col(Campaign.launch_date), first_post)
        .where(
            col(Campaign.workspace_id) == wid,
            col(Campaign.status) == CampaignStatus.POSTED,
            col(Campaign.launch_date) >= since,
            col(Campaign.marketer_id) != user_id,
            col(Campaign.id).not_in(acked),
        )
        .order_by(col(Campaign.launch_date).desc(), col(Campaign.id).desc())
        .limit(MAX_PENDING)
    ).all()
    return [PendingLaunch(name=r[0], launch_date=r[1], channel_id=r[2]) for r in rows]
