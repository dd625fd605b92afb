"""The outbox: claiming messages to send, and recording what became of them.

A row is committed before its message is sent and is claimed (status `sending`, locked for
a while) by one worker at a time; `verify_first` marks a row whose last attempt may have
reached Slack, so the sender looks for it before posting again (SPEC: nothing is posted
twice, nothing is lost across restarts).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from blocks.launch import DeliveryReport, build_launch_summary
from core.db import reading, writing, writing_or_joining
from domain.schedule import describe
from models import (
    AnnouncementPost,
    AssetMessage,
    Campaign,
    CampaignStatus,
    DigestStatus,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    utcnow,
)
from services import launches
from services.digest_runs import settle_runs

# The messages a campaign's delivery report counts (not summaries or refreshes).
COUNTED = (OutboxKind.ANNOUNCEMENT, OutboxKind.ASSET_REPLY)
# Private notes to one person are not looked for in Slack before being posted again:
# sending one twice is better than not at all.
NOT_LOOKED_FOR = (OutboxKind.SUMMARY, OutboxKind.NOTICE)


@dataclass(frozen=True)
class Job:
    """One claimed message, with everything needed to send it without the database."""

    id: int
    workspace_id: int
    kind: OutboxKind
    channel_id: str
    thread_ts: str | None
    payload: dict[str, Any]
    attempts: int
    verify_first: bool
    created_at: datetime
    dedupe_key: str
    campaign_id: int | None
    claimed_at: float = field(default_factory=time.monotonic)  # this process's clock


# The outbox as a Core table: the hot paths below (claims and settlements, about two
# per message sent) use prebuilt statements rather than ORM objects, so a fan-out's
# bookkeeping costs little next to its HTTP calls.
OUTBOX: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]
_ANNOUNCEMENT_POST: sa.Table = AnnouncementPost.__table__  # type: ignore[attr-defined]
_ASSET_MESSAGE: sa.Table = AssetMessage.__table__  # type: ignore[attr-defined]
_OPEN = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def _claim_query() -> sa.Select[Any]:
    o = OUTBOX
    parent = o.alias("parent")
    earlier = o.alias("earlier")
    now = sa.bindparam("now", type_=o.c.next_attempt_at.type)
    head_of_channel = ~sa.exists().where(
        earlier.c.channel_id == o.c.channel_id,
        earlier.c.id < o.c.id,
        earlier.c.status.in_(_OPEN),
    )
    return (
        sa.select(
            o.c.id,
            o.c.workspace_id,
            o.c.kind,
            o.c.channel_id,
            o.c.status,
            o.c.payload,
            o.c.attempts,
            o.c.verify_first,
            o.c.created_at,
            o.c.dedupe_key,
            o.c.campaign_id,
            parent.c.ts,
        )
        .select_from(o.outerjoin(parent, parent.c.id == o.c.parent_id))
        .where(
            sa.or_(
                sa.and_(o.c.status == OutboxStatus.PENDING, o.c.next_attempt_at <= now),
                # A claim whose worker died: take it over, looking before posting again.
                sa.and_(o.c.status == OutboxStatus.SENDING, o.c.locked_until < now),
            ),
            # Thread replies (and refreshes) wait for their announcement.
            sa.or_(o.c.parent_id.is_(None), parent.c.ts.is_not(None)),
            head_of_channel,
        )
        .order_by(o.c.id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )


_CLAIM = _claim_query()
# Several instances claim side by side without waiting on each other's rows (PostgreSQL).
_CLAIM_SKIP_LOCKED = _CLAIM.with_for_update(skip_locked=True, of=OUTBOX)
_TAKE = (
    sa.update(OUTBOX)
    .where(OUTBOX.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(
        status=OutboxStatus.SENDING,
        locked_by=sa.bindparam("worker"),
        locked_until=sa.bindparam("until"),
        # A row still `sending` was a dead worker's: its post may have landed.
        verify_first=sa.or_(OUTBOX.c.verify_first, OUTBOX.c.status == OutboxStatus.SENDING),
    )
)


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
    postgres = session.get_bind().dialect.name == "postgresql"
    with writing(session):
        rows = session.execute(
            _CLAIM_SKIP_LOCKED if postgres else _CLAIM,
            {"now": now, "limit": limit + len(busy_channels)},
        ).all()
        jobs: list[Job] = []
        seen = set(busy_channels)
        for row in rows:
            if row.channel_id in seen or len(jobs) >= limit:
                continue
            seen.add(row.channel_id)
            payload = json.loads(row.payload)
            # A reply to a message not posted through the outbox (a question in an
            # announcement's thread) names its thread in its payload.
            thread_ts = row.ts or payload.pop("thread_ts", None)
            jobs.append(
                Job(
                    id=row.id,
                    workspace_id=row.workspace_id,
                    kind=OutboxKind(row.kind),
                    channel_id=row.channel_id,
                    thread_ts=thread_ts,
                    payload=payload,
                    attempts=row.attempts,
                    verify_first=bool(row.verify_first) or row.status == OutboxStatus.SENDING,
                    created_at=row.created_at,
                    dedupe_key=row.dedupe_key,
                    campaign_id=row.campaign_id,
                )
            )
        if jobs:
            session.execute(
                _TAKE,
                {
                    "ids": [job.id for job in jobs],
                    "worker": worker_id,
                    "until": now + timedelta(seconds=lock_s),
                },
            )
    return jobs


def renew(*, session: Session, job_id: int, worker_id: str, now: datetime, lock_s: float) -> bool:
    """Extend this worker's claim right before it talks to Slack; False if it lost it."""
    with writing(session):
        renewed = session.execute(
            sa.update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == job_id,
                col(OutboxMessage.locked_by) == worker_id,
                col(OutboxMessage.status) == OutboxStatus.SENDING,
            )
            .values(locked_until=now + timedelta(seconds=lock_s))
        )
    return bool(renewed.rowcount)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- settling


@dataclass(frozen=True)
class Sent:
    """The message is in Slack with this ts (posted at `at`, or found there)."""

    job_id: int
    ts: str
    at: datetime
    # Hold the channel's next message back this long after `at`, in the database, so
    # every process respects Slack's per-channel rate (0: not a new post, e.g. a refresh).
    pace_s: float = 0.0


@dataclass(frozen=True)
class Retry:
    """Put the message back in the queue for later (`counts`: it used up an attempt)."""

    job_id: int
    delay_s: float
    error: str
    counts: bool
    verify_first: bool


@dataclass(frozen=True)
class Failed:
    """Give up on the message (and on its thread replies if it is an announcement)."""

    job_id: int
    reason: str


Outcome = Sent | Retry | Failed

_OWNED = sa.select(
    OUTBOX.c.id,
    OUTBOX.c.kind,
    OUTBOX.c.dedupe_key,
    OUTBOX.c.channel_id,
    OUTBOX.c.campaign_id,
    OUTBOX.c.asset_id,
    OUTBOX.c.workspace_id,
    OUTBOX.c.dedupe_key,
).where(
    OUTBOX.c.id.in_(sa.bindparam("ids", expanding=True)),
    # Another worker may have taken over a stale claim: its answer no longer counts.
    OUTBOX.c.status == OutboxStatus.SENDING,
    OUTBOX.c.locked_by == sa.bindparam("worker"),
)
_OWNED_LOCKED = _OWNED.with_for_update(of=OUTBOX)
_BY_ID = OUTBOX.c.id == sa.bindparam("b_id")
_MARK_SENT = (
    sa.update(OUTBOX)
    .where(_BY_ID)
    .values(
        status=OutboxStatus.SENT,
        ts=sa.bindparam("b_ts"),
        sent_at=sa.bindparam("b_at"),
        attempts=OUTBOX.c.attempts + 1,
        locked_until=None,
        error=None,
    )
)
_PACE = (
    sa.update(OUTBOX)
    .where(
        OUTBOX.c.channel_id == sa.bindparam("b_channel"),
        OUTBOX.c.status == OutboxStatus.PENDING,
        OUTBOX.c.next_attempt_at < sa.bindparam("b_until", type_=OUTBOX.c.next_attempt_at.type),
    )
    .values(next_attempt_at=sa.bindparam("b_until"))
)
_POST_SENT = (
    sa.update(_ANNOUNCEMENT_POST)
    .where(
        _ANNOUNCEMENT_POST.c.campaign_id == sa.bindparam("b_campaign"),
        _ANNOUNCEMENT_POST.c.channel_id == sa.bindparam("b_channel"),
    )
    .values(ts=sa.bindparam("b_ts"), posted_at=sa.bindparam("b_at"), error=None)
)
_ASSET_SENT = sa.insert(_ASSET_MESSAGE)
_MARK_RETRY = (
    sa.update(OUTBOX)
    .where(_BY_ID)
    .values(
        status=OutboxStatus.PENDING,
        next_attempt_at=sa.bindparam("b_at"),
        locked_by=None,
        locked_until=None,
        error=sa.bindparam("b_error"),
        verify_first=sa.or_(OUTBOX.c.verify_first, sa.bindparam("b_verify", type_=sa.Boolean)),
        attempts=OUTBOX.c.attempts + sa.bindparam("b_count", type_=sa.Integer),
    )
)
_MARK_FAILED = (
    sa.update(OUTBOX)
    .where(_BY_ID)
    .values(
        status=OutboxStatus.FAILED,
        error=sa.bindparam("b_error"),
        attempts=OUTBOX.c.attempts + 1,
        locked_until=None,
    )
)
_FAIL_REPLIES = (
    sa.update(OUTBOX)
    .where(
        OUTBOX.c.parent_id == sa.bindparam("b_id"),
        OUTBOX.c.status == OutboxStatus.PENDING,
    )
    .values(status=OutboxStatus.FAILED, error="its announcement was not posted")
)
_POST_FAILED = (
    sa.update(_ANNOUNCEMENT_POST)
    .where(
        _ANNOUNCEMENT_POST.c.campaign_id == sa.bindparam("b_campaign"),
        _ANNOUNCEMENT_POST.c.channel_id == sa.bindparam("b_channel"),
    )
    .values(error=sa.bindparam("b_error"))
)


def settle(
    *, session: Session, worker_id: str, outcomes: Sequence[Outcome], now: datetime
) -> list[int]:
    """Record what became of several claimed messages in one transaction.

    Outcomes for messages this worker no longer holds are ignored. Returns the campaigns
    that are now done (their summary is queued in the same transaction).
    """
    if not outcomes:
        return []
    with writing(session):
        return _settle_step(session, worker_id, outcomes, now)


def _settle_step(
    session: Session, worker_id: str, outcomes: Sequence[Outcome], now: datetime
) -> list[int]:
    """settle's reads and writes, inside its one writing step."""
    postgres = session.get_bind().dialect.name == "postgresql"
    owned = {
        row.id: row
        for row in session.execute(
            _OWNED_LOCKED if postgres else _OWNED,
            {"ids": [o.job_id for o in outcomes], "worker": worker_id},
        )
    }
    sent: list[dict[str, Any]] = []
    paced: list[dict[str, Any]] = []
    posts: list[dict[str, Any]] = []
    assets: list[dict[str, Any]] = []
    retries: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    failed_announcements: list[dict[str, Any]] = []
    digests: list[tuple[int, str, DigestStatus, str | None, datetime]] = []
    campaigns: set[int] = set()
    for outcome in outcomes:
        row = owned.get(outcome.job_id)
        if row is None:
            continue
        if row.kind == OutboxKind.QUESTION:
            _settle_question(session, row.dedupe_key, outcome, now)
        if row.kind in COUNTED and row.campaign_id is not None and not isinstance(outcome, Retry):
            campaigns.add(row.campaign_id)
        if row.kind == OutboxKind.DIGEST and not isinstance(outcome, Retry):
            posted = isinstance(outcome, Sent)
            digests.append(
                (
                    row.workspace_id,
                    row.dedupe_key,
                    DigestStatus.POSTED if posted else DigestStatus.FAILED,
                    outcome.ts if isinstance(outcome, Sent) else None,
                    outcome.at if isinstance(outcome, Sent) else now,
                )
            )
        if isinstance(outcome, Sent):
            sent.append({"b_id": row.id, "b_ts": outcome.ts, "b_at": outcome.at})
            if outcome.pace_s > 0:
                until = outcome.at + timedelta(seconds=outcome.pace_s)
                paced.append({"b_channel": row.channel_id, "b_until": until})
            if row.kind == OutboxKind.ANNOUNCEMENT and row.campaign_id is not None:
                posts.append(
                    {
                        "b_campaign": row.campaign_id,
                        "b_channel": row.channel_id,
                        "b_ts": outcome.ts,
                        "b_at": outcome.at,
                    }
                )
            elif row.kind == OutboxKind.ASSET_REPLY and row.asset_id is not None:
                assets.append(
                    {
                        "workspace_id": row.workspace_id,
                        "asset_id": row.asset_id,
                        "channel_id": row.channel_id,
                        "ts": outcome.ts,
                        "created_at": now,
                    }
                )
        elif isinstance(outcome, Retry):
            retries.append(
                {
                    "b_id": row.id,
                    "b_at": now + timedelta(seconds=outcome.delay_s),
                    "b_error": outcome.error[:255],
                    "b_verify": outcome.verify_first,
                    "b_count": 1 if outcome.counts else 0,
                }
            )
        else:
            failed.append({"b_id": row.id, "b_error": outcome.reason[:255]})
            if row.kind == OutboxKind.ANNOUNCEMENT:
                failed_announcements.append(
                    {
                        "b_id": row.id,
                        "b_campaign": row.campaign_id,
                        "b_channel": row.channel_id,
                        "b_error": outcome.reason[:255],
                    }
                )
    for statement, params in (
        (_PACE, paced),
        (_MARK_SENT, sent),
        (_POST_SENT, posts),
        (_ASSET_SENT, assets),
        (_MARK_RETRY, retries),
        (_MARK_FAILED, failed),
        (_FAIL_REPLIES, failed_announcements),
        (_POST_FAILED, [p for p in failed_announcements if p["b_campaign"] is not None]),
    ):
        if params:
            session.execute(statement, params)
    if digests:
        settle_runs(session=session, outcomes=digests)
    done = [
        campaign_id
        for campaign_id in sorted(campaigns)
        if _finish_campaign(session, campaign_id, now) is not None
    ]
    return done


def _settle_question(session: Session, key: str, outcome: Outcome, now: datetime) -> None:
    """A question's post settled: remember where it went, or close it and tell the asker."""
    question_id = launches.question_of_key(key)
    if question_id is None:
        return
    if isinstance(outcome, Sent):
        launches.question_posted(session=session, question_id=question_id, ts=outcome.ts)
    elif isinstance(outcome, Failed):
        launches.question_not_posted(
            session=session, question_id=question_id, reason=outcome.reason, now=now
        )


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
    outcome = Sent(job_id=job_id, ts=ts, at=now, pace_s=pace_s)
    done = settle(session=session, worker_id=worker_id, outcomes=[outcome], now=now)
    return done[0] if done else None


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
    outcome = Retry(
        job_id=job_id, delay_s=delay_s, error=error, counts=counts, verify_first=verify_first
    )
    settle(session=session, worker_id=worker_id, outcomes=[outcome], now=now)


def fail(
    *, session: Session, job_id: int, worker_id: str, reason: str, now: datetime
) -> int | None:
    """Give up on a message (and on its thread replies); returns a campaign now done."""
    outcome = Failed(job_id=job_id, reason=reason)
    done = settle(session=session, worker_id=worker_id, outcomes=[outcome], now=now)
    return done[0] if done else None


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


_ANY_OPEN = (
    sa.select(OUTBOX.c.id)
    .where(
        OUTBOX.c.campaign_id == sa.bindparam("campaign_id"),
        OUTBOX.c.kind.in_(COUNTED),
        OUTBOX.c.status.in_(_OPEN),
    )
    .limit(1)
)


def _open_rows(session: Session, campaign_id: int) -> bool:
    """True while any of the campaign's announcements or replies is still to settle."""
    session.flush()
    found = session.execute(_ANY_OPEN, {"campaign_id": campaign_id}).first()
    return found is not None


def finish_stragglers(*, session: Session, now: datetime) -> list[int]:
    """Finish campaigns whose last message settled without their summary being queued."""
    with reading(session):
        ids = session.exec(
            select(Campaign.id).where(
                Campaign.status == CampaignStatus.POSTING, col(Campaign.summary_sent_at).is_(None)
            )
        ).all()
    finished = []
    for campaign_id in ids:
        # One step per campaign: it re-reads the campaign's rows under its lock.
        with writing(session):
            if _finish_campaign(session, campaign_id, now) is not None:
                finished.append(campaign_id)
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


def queue_summary(*, session: Session, campaign_id: int, commit: bool = True) -> None:
    """Queue the marketer's private report now (a scheduled launch says when it posts)."""
    with writing_or_joining(session, commit=commit):
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return
        _add_summary(session, campaign)


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
                kind=OutboxKind.SUMMARY,
                # A user id as channel posts in the app's DM with that person.
                channel_id=campaign.marketer_id,
                campaign_id=campaign_id,
                payload=json.dumps(payload),
            )
        )


_NEXT_DUE = sa.select(sa.func.min(OUTBOX.c.next_attempt_at)).where(
    OUTBOX.c.status == OutboxStatus.PENDING,
    OUTBOX.c.next_attempt_at > sa.bindparam("after", type_=OUTBOX.c.next_attempt_at.type),
)


def next_due(*, session: Session, after: datetime) -> datetime | None:
    """When the next message waiting past `after` becomes due (to sleep until then).

    Messages due already but held back (their channel has one in flight) are not counted:
    the send that frees their channel wakes the worker.
    """
    with reading(session):
        due: datetime | None = session.execute(_NEXT_DUE, {"after": after}).scalar_one()
    return due


def pending_count(*, session: Session) -> int:
    """Messages not yet sent nor given up on."""
    with reading(session):
        count = session.exec(
            select(sa.func.count()).where(
                col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
            )
        ).one()
    return count


def now_utc() -> datetime:
    """The current time, as every row stores it."""
    return utcnow()
