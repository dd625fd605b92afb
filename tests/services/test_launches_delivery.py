"""Launch and outbox services without Slack: scheduling, claims, completion, summaries."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.db import session_scope_for
from domain.launch import CollateralLine, LaunchForm
from models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus
from services import delivery, launches
from tests.support.outbox import outbox
from tests.support.workspaces import workspace_ref

PARIS = ZoneInfo("Europe/Paris")
TODAY = datetime.now(PARIS).date()


def soon() -> datetime:
    """Just after now: rows are stamped with the real clock, so claims use it too."""
    return datetime.now(UTC) + timedelta(seconds=1)


def form(*, channels: tuple[str, ...] = ("C1", "C2"), day: date = TODAY) -> LaunchForm:
    return LaunchForm(
        name="Spring",
        summary="Summary",
        channel_ids=channels,
        collateral=(
            CollateralLine(url="https://e.com/a", title="Alpha deck"),
            CollateralLine(url="https://e.com/b", title=None),
        ),
        launch_date=day,
        ask="",
    )


def create(engine: Engine, **kwargs: object) -> launches.Created:
    scope = session_scope_for(engine)
    with scope() as session:
        campaign_id = launches.create_campaign(
            session=session,
            workspace=workspace_ref(session, "T1"),
            marketer_id="UM",
            form=form(**kwargs),  # type: ignore[arg-type]
            timezone="Europe/Paris",
        )
    assert outbox(engine) == []  # stored before any slow work, nothing queued yet
    with scope() as session:
        created = launches.prepare_campaign(
            session=session,
            campaign_id=campaign_id,
            titles={"https://e.com/b": "Beta sheet"},
            now=soon(),
        )
    assert created is not None
    with scope() as session:  # preparing twice (the sweep, another process) does nothing
        assert (
            launches.prepare_campaign(
                session=session, campaign_id=campaign_id, titles={}, now=soon()
            )
            is None
        )
    return created


def test_a_launch_for_today_queues_every_message_at_once(engine: Engine) -> None:
    created = create(engine)
    assert created.scheduled_for is None
    rows = outbox(engine)
    assert [(r.kind, r.channel_id) for r in rows] == [
        ("announcement", "C1"),
        ("asset_reply", "C1"),
        ("asset_reply", "C1"),
        ("announcement", "C2"),
        ("asset_reply", "C2"),
        ("asset_reply", "C2"),
    ]
    titles = [json.loads(r.payload)["text"] for r in rows if r.kind == "asset_reply"]
    assert "Alpha deck" in titles[0] and "Beta sheet" in titles[1]


def test_a_later_launch_waits_until_its_time(engine: Engine) -> None:
    later = TODAY + timedelta(days=3)
    created = create(engine, day=later)
    assert created.scheduled_for == datetime.combine(later, time(9, 0), PARIS)
    assert created.scheduled_for is not None
    assert outbox(engine) == []
    scope = session_scope_for(engine)
    with scope() as session:
        early = launches.start_due_campaign(
            session=session,
            campaign_id=created.campaign_id,
            now=created.scheduled_for - timedelta(minutes=1),
        )
    assert early == 0 and outbox(engine) == []
    with scope() as session:
        assert launches.due_campaign_ids(session=session, now=created.scheduled_for) == [
            created.campaign_id
        ]
    with scope() as session:
        queued = launches.start_due_campaign(
            session=session, campaign_id=created.campaign_id, now=created.scheduled_for
        )
    assert queued == 6
    with scope() as session:  # a second firing (another instance, a retry) adds nothing
        again = launches.start_due_campaign(
            session=session, campaign_id=created.campaign_id, now=created.scheduled_for
        )
    assert again == 0 and len(outbox(engine)) == 6


def test_claims_take_one_message_per_channel_and_replies_wait_for_their_announcement(
    engine: Engine,
) -> None:
    create(engine)
    t0 = soon()
    scope = session_scope_for(engine)
    with scope() as session:
        jobs = delivery.claim(session=session, worker_id="w1", now=t0, lock_s=30, limit=10)
    assert [(j.kind, j.channel_id) for j in jobs] == [
        ("announcement", "C1"),
        ("announcement", "C2"),
    ]
    with scope() as session:  # nothing else is claimable until the announcements are posted
        assert delivery.claim(session=session, worker_id="w2", now=t0, lock_s=30, limit=10) == []
    with scope() as session:
        delivery.complete(session=session, job_id=jobs[0].id, worker_id="w1", ts="1.1", now=t0)
    with scope() as session:
        [reply] = delivery.claim(session=session, worker_id="w1", now=t0, lock_s=30, limit=10)
    assert (reply.kind, reply.channel_id, reply.thread_ts) == ("asset_reply", "C1", "1.1")


def test_a_dead_workers_claim_is_taken_over_and_checked_first(engine: Engine) -> None:
    create(engine, channels=("C1",))
    t0 = soon()
    scope = session_scope_for(engine)
    with scope() as session:
        [job] = delivery.claim(session=session, worker_id="dead", now=t0, lock_s=30, limit=1)
    assert not job.verify_first
    with scope() as session:  # still locked
        assert delivery.claim(session=session, worker_id="w2", now=t0, lock_s=30, limit=1) == []
    later = t0 + timedelta(seconds=31)
    with scope() as session:
        [again] = delivery.claim(session=session, worker_id="w2", now=later, lock_s=30, limit=1)
    assert again.id == job.id and again.verify_first
    # The dead worker's late answer no longer counts.
    with scope() as session:
        assert (
            delivery.complete(session=session, job_id=job.id, worker_id="dead", ts="9.9", now=later)
            is None
        )
    with Session(engine) as session:
        row = session.get(OutboxMessage, job.id)
        assert row is not None and row.status == OutboxStatus.SENDING and row.locked_by == "w2"


def test_the_summary_is_claimed_once_when_the_last_message_settles(engine: Engine) -> None:
    created = create(engine, channels=("C1",))
    t0 = soon()
    scope = session_scope_for(engine)
    finished: list[int | None] = []
    for step in range(3):
        with scope() as session:
            [job] = delivery.claim(session=session, worker_id="w", now=t0, lock_s=30, limit=1)
        with scope() as session:
            if step == 2:
                finished.append(
                    delivery.fail(
                        session=session, job_id=job.id, worker_id="w", reason="gone", now=t0
                    )
                )
            else:
                finished.append(
                    delivery.complete(
                        session=session, job_id=job.id, worker_id="w", ts=f"1.{step}", now=t0
                    )
                )
    assert finished == [None, None, created.campaign_id]
    with Session(engine) as session:
        campaign = session.get(Campaign, created.campaign_id)
        assert campaign is not None and campaign.status == CampaignStatus.POSTED
        report = delivery.report(session=session, campaign_id=created.campaign_id)
    assert report.delivered == ("C1",)
    with scope() as session:
        delivery.queue_summary(session=session, campaign_id=created.campaign_id)
        delivery.queue_summary(session=session, campaign_id=created.campaign_id)
    summaries = [r for r in outbox(engine) if r.kind == "summary"]
    assert len(summaries) == 1 and summaries[0].channel_id == "UM"


def test_a_failed_announcement_fails_its_replies_and_is_reported(engine: Engine) -> None:
    created = create(engine, channels=("C1", "C2"))
    t0 = soon()
    scope = session_scope_for(engine)
    with scope() as session:
        jobs = delivery.claim(session=session, worker_id="w", now=t0, lock_s=30, limit=2)
    with scope() as session:
        delivery.fail(
            session=session,
            job_id=jobs[1].id,
            worker_id="w",
            reason="the channel is archived",
            now=t0,
        )
    failed = [r for r in outbox(engine) if r.status == OutboxStatus.FAILED]
    assert [r.channel_id for r in failed] == ["C2", "C2", "C2"]
    with Session(engine) as session:
        report = delivery.report(session=session, campaign_id=created.campaign_id)
    assert report.failures == (("C2", "the channel is archived"),)


def test_rate_limited_messages_wait_without_using_an_attempt(engine: Engine) -> None:
    create(engine, channels=("C1",))
    t0 = soon()
    scope = session_scope_for(engine)
    with scope() as session:
        [job] = delivery.claim(session=session, worker_id="w", now=t0, lock_s=30, limit=1)
    with scope() as session:
        delivery.retry_later(
            session=session,
            job_id=job.id,
            worker_id="w",
            delay_s=7,
            error="ratelimited",
            now=t0,
            counts=False,
            verify_first=False,
        )
    with scope() as session:
        assert (
            delivery.claim(
                session=session, worker_id="w", now=t0 + timedelta(seconds=6), lock_s=30, limit=1
            )
            == []
        )
    with scope() as session:
        [again] = delivery.claim(
            session=session, worker_id="w", now=t0 + timedelta(seconds=7), lock_s=30, limit=1
        )
    assert again.id == job.id and again.attempts == 0


def test_one_settlement_records_several_outcomes_and_skips_claims_lost_to_others(
    engine: Engine,
) -> None:
    create(engine, channels=("C1", "C2", "C3", "C4"))
    t0 = soon()
    scope = session_scope_for(engine)
    with scope() as session:
        jobs = delivery.claim(session=session, worker_id="w", now=t0, lock_s=30, limit=4)
    assert [j.channel_id for j in jobs] == ["C1", "C2", "C3", "C4"]
    with scope() as session:  # C4's claim went stale and another worker took it over
        [taken] = delivery.claim(
            session=session,
            worker_id="other",
            now=t0 + timedelta(seconds=31),
            lock_s=30,
            limit=1,
            busy_channels=frozenset({"C1", "C2", "C3"}),
        )
    assert taken.id == jobs[3].id and taken.verify_first
    posted_at = t0 - timedelta(milliseconds=300)  # when Slack answered, before settling
    with scope() as session:
        done = delivery.settle(
            session=session,
            worker_id="w",
            outcomes=[
                delivery.Sent(job_id=jobs[0].id, ts="1.1", at=posted_at, pace_s=1.0),
                delivery.Retry(
                    job_id=jobs[1].id,
                    delay_s=7,
                    error="ratelimited",
                    counts=False,
                    verify_first=False,
                ),
                delivery.Failed(job_id=jobs[2].id, reason="the channel is archived"),
                delivery.Sent(job_id=jobs[3].id, ts="9.9", at=posted_at, pace_s=1.0),
            ],
            now=t0,
        )
    assert done == []
    rows = {(r.channel_id, r.kind, r.id): r for r in outbox(engine)}
    by_id = {key[2]: row for key, row in rows.items()}
    sent, retried, failed, lost = (by_id[j.id] for j in jobs)
    assert (sent.status, sent.ts, sent.attempts) == (OutboxStatus.SENT, "1.1", 1)
    assert (retried.status, retried.attempts, retried.error) == (
        OutboxStatus.PENDING,
        0,
        "ratelimited",
    )
    assert failed.status == OutboxStatus.FAILED
    assert (lost.status, lost.locked_by, lost.ts) == (OutboxStatus.SENDING, "other", None)
    # C1's replies are paced from when Slack answered, not from when the row was written.
    c1_replies = [r for (c, kind, _), r in rows.items() if c == "C1" and kind == "asset_reply"]
    expected = (posted_at + timedelta(seconds=1)).replace(tzinfo=None)
    assert all(r.next_attempt_at.replace(tzinfo=None) == expected for r in c1_replies)
    # C3's replies failed with their announcement.
    assert {r.status for (c, _, _), r in rows.items() if c == "C3"} == {OutboxStatus.FAILED}
    with Session(engine) as session:
        report = delivery.report(session=session, campaign_id=jobs[0].campaign_id or 0)
    assert report.delivered == ("C1",)
    assert report.failures == (("C3", "the channel is archived"),)
