"""The outbox: claiming messages to send, and recording what became of them.

A row is committed before its message is sent and is claimed (status `sending`, locked for
a while) by one worker at a time; `verify_first` marks a row whose last attempt may have
reached Slack, so the sender looks for it before posting again (SPEC: nothing is posted
twice, nothing is lost across restarts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from blocks.launch import DeliveryReport, build_launch_summary
from domain.schedule import describe
from models import (
    AnnouncementPost,
    AssetMessage,
    Campaign,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
    utcnow,
)
from services.launches import ANNOUNCEMENT, ASSET_REPLY, SUMMARY

METADATA_EVENT = "liaison_outbox"


@dataclass(frozen=True)
class Job:
    """One claimed message, with everything needed to send it without the database."""

    id: int
    kind: str
    channel_id: str
    thread_ts: str | None
    payload: dict[str, Any]
    attempts: int
    verify_first: bool
    created_at: datetime


def claim(
    *,
    session: Session,
    worker_id: str,
    now: datetime,
    lock_s: float,
    limit: int,
    busy_channels: frozenset[str] = frozenset(),
) -> list[Job]:
    """Lock up to `limit` due messages, at most one per channel, oldest first."""
    parent = aliased(OutboxMessage)
    stale = col(OutboxMessage.status) == OutboxStatus.SENDING
    candidates = (
        select(OutboxMessage, parent.ts)
        .outerjoin(parent, col(parent.id) == OutboxMessage.parent_id)
        .where(
            sa.or_(
                sa.and_(
                    col(OutboxMessage.status) == OutboxStatus.PENDING,
                    col(OutboxMessage.next_attempt_at) <= now,
                ),
                # A claim whose worker died: take it over, looking before posting again.
                sa.and_(stale, col(OutboxMessage.locked_until) < now),
            ),
            # Thread replies wait for their announcement.
            sa.or_(col(OutboxMessage.parent_id).is_(None), col(parent.ts).is_not(None)),
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit * 20)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Several instances claim side by side without waiting on each other's rows.
        candidates = candidates.with_for_update(skip_locked=True, of=OutboxMessage)
    jobs: list[Job] = []
    seen = set(busy_channels)
    for row, parent_ts in session.exec(candidates):
        if row.channel_id in seen or len(jobs) >= limit:
            continue
        seen.add(row.channel_id)
        assert row.id is not None
        crashed = row.status == OutboxStatus.SENDING
        row.status = OutboxStatus.SENDING
        row.locked_by = worker_id
        row.locked_until = now + timedelta(seconds=lock_s)
        row.verify_first = row.verify_first or crashed
        session.add(row)
        jobs.append(
            Job(
                id=row.id,
                kind=row.kind,
                channel_id=row.channel_id,
                thread_ts=parent_ts,
                payload=json.loads(row.payload),
                attempts=row.attempts,
                verify_first=row.verify_first,
                created_at=row.created_at,
            )
        )
    session.commit()
    return jobs


def _own(session: Session, job_id: int, worker_id: str) -> OutboxMessage | None:
    """The row, if this worker still holds it (another may have taken over a stale claim)."""
    row = session.get(OutboxMessage, job_id, with_for_update=True)
    if row is None or row.status != OutboxStatus.SENDING or row.locked_by != worker_id:
        return None
    return row


def complete(
    *, session: Session, job_id: int, worker_id: str, ts: str, now: datetime
) -> int | None:
    """Record a posted message; returns its campaign's id when that campaign is now done."""
    row = _own(session, job_id, worker_id)
    if row is None:
        session.rollback()
        return None
    row.status = OutboxStatus.SENT
    row.ts = ts
    row.sent_at = now
    row.attempts += 1
    row.locked_until = None
    row.error = None
    session.add(row)
    if row.kind == ANNOUNCEMENT and row.campaign_id is not None:
        post = session.exec(
            select(AnnouncementPost).where(
                AnnouncementPost.campaign_id == row.campaign_id,
                AnnouncementPost.channel_id == row.channel_id,
            )
        ).first()
        if post is not None:
            post.ts, post.posted_at, post.error = ts, now, None
            session.add(post)
    elif row.kind == ASSET_REPLY and row.asset_id is not None:
        session.add(
            AssetMessage(
                workspace_id=row.workspace_id,
                asset_id=row.asset_id,
                channel_id=row.channel_id,
                ts=ts,
            )
        )
    done = _finish_campaign(session, row.campaign_id, now) if row.kind != SUMMARY else None
    session.commit()
    return done


def retry_later(
    *,
    session: Session,
    job_id: int,
    worker_id: str,
    delay_s: float,
    error: str,
    now: datetime,
    counts: bool,
    verify_first: bool,
) -> None:
    """Put a message back in the queue for later (`counts`: it used up an attempt)."""
    row = _own(session, job_id, worker_id)
    if row is None:
        session.rollback()
        return
    row.status = OutboxStatus.PENDING
    row.next_attempt_at = now + timedelta(seconds=delay_s)
    row.locked_by = None
    row.locked_until = None
    row.error = error[:255]
    row.verify_first = row.verify_first or verify_first
    if counts:
        row.attempts += 1
    session.add(row)
    session.commit()


def fail(
    *, session: Session, job_id: int, worker_id: str, reason: str, now: datetime
) -> int | None:
    """Give up on a message (and on its thread replies); returns a campaign now done."""
    row = _own(session, job_id, worker_id)
    if row is None:
        session.rollback()
        return None
    row.status = OutboxStatus.FAILED
    row.error = reason[:255]
    row.attempts += 1
    row.locked_until = None
    session.add(row)
    if row.kind == ANNOUNCEMENT:
        session.execute(
            sa.update(OutboxMessage)
            .where(
                col(OutboxMessage.parent_id) == row.id,
                col(OutboxMessage.status) == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.FAILED, error="its announcement was not posted")
        )
        if row.campaign_id is not None:
            session.execute(
                sa.update(AnnouncementPost)
                .where(
                    col(AnnouncementPost.campaign_id) == row.campaign_id,
                    col(AnnouncementPost.channel_id) == row.channel_id,
                )
                .values(error=reason[:255])
            )
    done = _finish_campaign(session, row.campaign_id, now) if row.kind != SUMMARY else None
    session.commit()
    return done


def _finish_campaign(session: Session, campaign_id: int | None, now: datetime) -> int | None:
    """Claim the campaign's summary once nothing of it is left to send."""
    if campaign_id is None:
        return None
    open_rows = session.exec(
        select(sa.func.count()).where(
            OutboxMessage.campaign_id == campaign_id,
            col(OutboxMessage.kind) != SUMMARY,
            col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
    ).one()
    if open_rows:
        return None
    # Exactly one finisher wins this update, whichever instance it runs in.
    claimed = session.execute(
        sa.update(Campaign)
        .where(col(Campaign.id) == campaign_id, col(Campaign.summary_sent_at).is_(None))
        .values(summary_sent_at=now, status=CampaignStatus.POSTED, updated_at=now)
    )
    return campaign_id if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def report(*, session: Session, campaign_id: int) -> DeliveryReport:
    """Where a campaign's announcement went, and where it could not go."""
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None and campaign.id is not None
    posts = session.exec(
        select(AnnouncementPost)
        .where(AnnouncementPost.campaign_id == campaign_id)
        .order_by(col(AnnouncementPost.id))
    ).all()
    scheduled = None
    if campaign.status == CampaignStatus.SCHEDULED and campaign.scheduled_for is not None:
        scheduled = describe(campaign.scheduled_for, campaign.timezone)
    return DeliveryReport(
        campaign_id=campaign.id,
        name=campaign.name,
        delivered=tuple(p.channel_id for p in posts if p.ts),
        failures=tuple((p.channel_id, p.error) for p in posts if not p.ts and p.error),
        scheduled_for=scheduled,
    )


def queue_summary(*, session: Session, campaign_id: int) -> None:
    """Queue the marketer's private delivery report (sent once, through the outbox)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return
    payload = build_launch_summary(report(session=session, campaign_id=campaign_id))
    key = f"c{campaign_id}:summary:{campaign.status}"
    exists = session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first()
    if exists is None:
        session.add(
            OutboxMessage(
                workspace_id=campaign.workspace_id,
                dedupe_key=key,
                kind=SUMMARY,
                # A user id as channel posts in the app's DM with that person.
                channel_id=campaign.marketer_id,
                campaign_id=campaign_id,
                payload=json.dumps(payload),
            )
        )
    session.commit()


def next_due(*, session: Session) -> datetime | None:
    """When the next waiting message becomes due (to sleep until then)."""
    due = session.exec(
        select(sa.func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    ).one()
    session.rollback()
    return due


def pending_count(*, session: Session) -> int:
    """Messages not yet sent nor given up on."""
    count = session.exec(
        select(sa.func.count()).where(
            col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
        )
    ).one()
    session.rollback()
    return count


def now_utc() -> datetime:
    """The current time, as every row stores it."""
    return utcnow()
