"""The outbox: claiming messages to send, and recording what became of them.

A row is committed before its message is sent and is claimed (status `sending`, locked for
a while) by one worker at a time; `verify_first` marks a row whose last attempt may have
reached Slack, so the sender looks for it before posting again (SPEC: nothing is posted
twice, nothing is lost across restarts).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
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

# The messages a campaign's delivery report counts (not summaries or refreshes).
COUNTED = (ANNOUNCEMENT, ASSET_REPLY)

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
    dedupe_key: str
    campaign_id: int | None
    claimed_at: float = field(default_factory=time.monotonic)  # this process's clock


def claim(
    *,
    session: Session,
    worker_id: str,
    now: datetime,
    lock_s: float,
    limit: int,
    busy_channels: frozenset[str] = frozenset(),
) -> list[Job]:
    """Lock up to `limit` due messages, each the head of its channel's queue, oldest first.

    Only a channel's oldest unsettled message may be claimed, by any process: a channel
    never has two messages in flight, so thread replies keep their order and pacing holds
    across instances.
    """
    parent = aliased(OutboxMessage)
    earlier = aliased(OutboxMessage)
    stale = col(OutboxMessage.status) == OutboxStatus.SENDING
    head_of_channel = ~sa.exists().where(
        col(earlier.channel_id) == col(OutboxMessage.channel_id),
        col(earlier.id) < col(OutboxMessage.id),
        col(earlier.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
    )
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
            # Thread replies (and refreshes) wait for their announcement.
            sa.or_(col(OutboxMessage.parent_id).is_(None), col(parent.ts).is_not(None)),
            head_of_channel,
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit + len(busy_channels))
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
                dedupe_key=row.dedupe_key,
                campaign_id=row.campaign_id,
            )
        )
    session.commit()
    return jobs


def renew(*, session: Session, job_id: int, worker_id: str, now: datetime, lock_s: float) -> bool:
    """Extend this worker's claim right before it talks to Slack; False if it lost it."""
    renewed = session.execute(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == job_id,
            col(OutboxMessage.locked_by) == worker_id,
            col(OutboxMessage.status) == OutboxStatus.SENDING,
        )
        .values(locked_until=now + timedelta(seconds=lock_s))
    )
    session.commit()
    return bool(renewed.rowcount)  # type: ignore[attr-defined]


def _own(session: Session, job_id: int, worker_id: str) -> OutboxMessage | None:
    """The row, if this worker still holds it (another may have taken over a stale claim)."""
    row = session.get(OutboxMessage, job_id, with_for_update=True)
    if row is None or row.status != OutboxStatus.SENDING or row.locked_by != worker_id:
        return None
    return row


def complete(
    *,
    session: Session,
    job_id: int,
    worker_id: str,
    ts: str,
    now: datetime,
    pace_s: float = 0.0,
) -> int | None:
    """Record a posted message; returns its campaign's id when that campaign is now done.

    `pace_s` holds the channel's next message back that long, in the database, so every
    process respects Slack's per-channel rate.
    """
    row = _own(session, job_id, worker_id)
    if row is None:
        session.rollback()
        return None
    if pace_s > 0:
        session.execute(
            sa.update(OutboxMessage)
            .where(
                col(OutboxMessage.channel_id) == row.channel_id,
                col(OutboxMessage.status) == OutboxStatus.PENDING,
                col(OutboxMessage.next_attempt_at) < now + timedelta(seconds=pace_s),
            )
            .values(next_attempt_at=now + timedelta(seconds=pace_s))
        )
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
    done = _finish_campaign(session, row.campaign_id, now) if row.kind in COUNTED else None
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
    done = _finish_campaign(session, row.campaign_id, now) if row.kind in COUNTED else None
    session.commit()
    return done


def _finish_campaign(session: Session, campaign_id: int | None, now: datetime) -> int | None:
    """Once nothing of the campaign is left to send, mark it posted and queue its summary.

    Marking is done under the campaign row's lock and the count repeated there, so it
    happens once; the summary row is queued in the same transaction, so it can't be lost
    in between. (On PostgreSQL two last messages settling at once may each see the other
    open and both skip; `finish_stragglers`, run by the worker's sweep, finishes those.)
    """
    if campaign_id is None:
        return None
    if _open_rows(session, campaign_id):
        # Most messages are not the last: skip the lock. Two last messages settling at
        # the same instant can each see the other still open; the sweep finishes those.
        return None
    campaign = session.get(Campaign, campaign_id, with_for_update=True)
    if campaign is None or campaign.summary_sent_at is not None:
        return None
    if _open_rows(session, campaign_id):
        return None
    campaign.summary_sent_at = now
    campaign.status = CampaignStatus.POSTED
    campaign.updated_at = now
    session.add(campaign)
    _add_summary(session, campaign)
    return campaign_id


def _open_rows(session: Session, campaign_id: int) -> bool:
    """True while any of the campaign's announcements or replies is still to settle."""
    session.flush()
    found = session.exec(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.campaign_id == campaign_id,
            col(OutboxMessage.kind).in_(COUNTED),
            col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        .limit(1)
    ).first()
    return found is not None


def finish_stragglers(*, session: Session, now: datetime) -> list[int]:
    """Finish campaigns whose last message settled without their summary being queued."""
    ids = session.exec(
        select(Campaign.id).where(
            Campaign.status == CampaignStatus.POSTING, col(Campaign.summary_sent_at).is_(None)
        )
    ).all()
    finished = []
    for campaign_id in ids:
        if _finish_campaign(session, campaign_id, now) is not None:
            finished.append(campaign_id)
        session.commit()
    return [i for i in finished if i is not None]


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
    """Queue the marketer's private report now (a scheduled launch says when it posts)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return
    _add_summary(session, campaign)
    session.commit()


def _add_summary(session: Session, campaign: Campaign) -> None:
    assert campaign.id is not None
    campaign_id = campaign.id
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


def next_due(*, session: Session, after: datetime) -> datetime | None:
    """When the next message waiting past `after` becomes due (to sleep until then).

    Messages due already but held back (their channel has one in flight) are not counted:
    the send that frees their channel wakes the worker.
    """
    due = session.exec(
        select(sa.func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING,
            col(OutboxMessage.next_attempt_at) > after,
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
