"""Launch use cases: who may launch, creating, queueing and editing a campaign's posts."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from blocks.launch import (
    Announcement,
    build_announcement,
    build_asset_reply,
    build_launch_abandoned,
    build_launch_not_posted,
    build_question_message,
    build_question_not_posted,
)
from core.db import SessionScope, reading, writing, writing_or_joining
from domain.assets import AssetRef, fallback_title
from domain.launch import LaunchForm
from domain.schedule import launch_instant
from models import (
    Acknowledgement,
    AnnouncementPost,
    Asset,
    Campaign,
    CampaignAsset,
    CampaignStatus,
    Launcher,
    LaunchPolicy,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Question,
    Workspace,
    WorkspaceRef,
    utcnow,
)
from services.collateral import insert_asset
from services.errors import UserError
from services.workspaces import ref_of


@dataclass(frozen=True)
class LaunchPolicyView:
    """Who may launch in a workspace."""

    policy: LaunchPolicy
    usergroup_id: str | None
    named: frozenset[str]


@dataclass(frozen=True)
class Created:
    """A new campaign and when it posts (None: now)."""

    campaign_id: int
    scheduled_for: datetime | None
    timezone: str


def get_launch_policy(*, session: Session, workspace: WorkspaceRef) -> LaunchPolicyView:
    """The workspace's launch policy (everyone, named people, or a user group)."""
    stored = session.get(Workspace, workspace.id)
    if stored is None:
        return LaunchPolicyView(LaunchPolicy.EVERYONE, None, frozenset())
    named = session.exec(select(Launcher.user_id).where(Launcher.workspace_id == workspace.id))
    return LaunchPolicyView(
        LaunchPolicy(stored.launch_policy), stored.launch_usergroup_id, frozenset(named)
    )


def create_campaign(
    *,
    session: Session,
    workspace: WorkspaceRef,
    marketer_id: str,
    form: LaunchForm,
    timezone: str,
) -> int:
    """Store a launch the moment it is submitted, before any slow work (page titles).

    The campaign stays PREPARING until `prepare_campaign` turns its collateral into assets
    and queues or schedules its posts; a crash in between is finished by the worker's
    sweep, so a launch the marketer submitted is never lost.
    """
    with writing(session):
        campaign = Campaign(
            workspace_id=workspace.id,
            marketer_id=marketer_id,
            name=form.name,
            summary=form.summary,
            ask=form.ask,
            launch_date=form.launch_date,
            timezone=timezone,
            status=CampaignStatus.PREPARING,
            pending_collateral=json.dumps(
                [{"url": c.url, "title": c.title} for c in form.collateral]
            ),
        )
        session.add(campaign)
        session.flush()
        assert campaign.id is not None
        for channel_id in form.channel_ids:
            session.add(AnnouncementPost(campaign_id=campaign.id, channel_id=channel_id))
    return campaign.id


def prepare_campaign(
    *,
    session: Session,
    campaign_id: int,
    titles: Mapping[str, str],
    now: datetime,
    commit: bool = True,
) -> Created | None:
    """Turn a PREPARING campaign's collateral into assets; queue its posts if it is due.

    Idempotent: a campaign already prepared (by another process) is left alone (None).
    With `commit=False` the caller commits, so what else the outcome needs (the
    marketer's note that the launch is scheduled) joins the same transaction.
    """
    with writing_or_joining(session, commit=commit):
        campaign = session.get(Campaign, campaign_id, with_for_update=True)
        if campaign is None or campaign.status != CampaignStatus.PREPARING:
            return None  # nothing written: the step (or the caller's) ends the transaction
        assert campaign.id is not None
        workspace = session.get(Workspace, campaign.workspace_id)
        assert workspace is not None
        linked: list[int] = []
        for line in json.loads(campaign.pending_collateral or "[]"):
            url = str(line["url"])
            title = line.get("title") or titles.get(url) or fallback_title(url)
            asset, existed = insert_asset(
                session=session,
                workspace=ref_of(workspace),
                url=url,
                title=title,
                user_id=campaign.marketer_id,
                campaign_id=campaign.id,
            )
            if existed and asset.campaign_id is None:
                asset.campaign_id = campaign.id
                session.add(asset)
            assert asset.id is not None
            if asset.id not in linked:
                linked.append(asset.id)
                session.add(
                    CampaignAsset(campaign_id=campaign.id, asset_id=asset.id, position=len(linked))
                )
        campaign.pending_collateral = None
        campaign.scheduled_for = launch_instant(campaign.launch_date, campaign.timezone, now)
        campaign.status = (
            CampaignStatus.SCHEDULED if campaign.scheduled_for else CampaignStatus.POSTING
        )
        session.add(campaign)
        session.flush()
        if campaign.scheduled_for is None:
            _enqueue(session, campaign)
        session.flush()
        return Created(
            campaign_id=campaign.id,
            scheduled_for=campaign.scheduled_for,
            timezone=campaign.timezone,
        )


@dataclass(frozen=True)
class Submission:
    """What the work after a launch's acknowledgement needs to know about it."""

    campaign_id: int
    workspace: WorkspaceRef
    marketer_id: str
    untitled: tuple[str, ...]  # collateral links whose page title is still to be read
    created_at: datetime


def preparing_submission(*, session: Session, campaign_id: int) -> Submission | None:
    """A campaign still PREPARING, with its workspace and untitled links (None: done)."""
    # Read, then users.info and page titles: no transaction is held over those calls.
    with reading(session):
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.status != CampaignStatus.PREPARING:
            return None
        assert campaign.id is not None
        workspace = session.get(Workspace, campaign.workspace_id)
        assert workspace is not None
        lines = json.loads(campaign.pending_collateral or "[]")
        untitled = tuple(str(line["url"]) for line in lines if not line.get("title"))
        return Submission(
            campaign_id=campaign.id,
            workspace=ref_of(workspace),
            marketer_id=campaign.marketer_id,
            untitled=untitled,
            created_at=campaign.created_at,
        )


def refuse_campaign(*, session: Session, campaign_id: int, outsider: bool) -> bool:
    """Drop a PREPARING launch its marketer may no longer make, telling them, in one go.

    False when the campaign is no longer PREPARING (another process finished it).
    """
    return _drop(
        session, campaign_id, lambda name: build_launch_not_posted(name=name, outsider=outsider)
    )


def abandon_campaign(*, session: Session, campaign_id: int, reason: str) -> bool:
    """Give up on a PREPARING launch Slack kept failing to finish, telling its marketer."""
    return _drop(
        session, campaign_id, lambda name: build_launch_abandoned(name=name, reason=reason)
    )


def _drop(session: Session, campaign_id: int, note: Callable[[str], dict[str, Any]]) -> bool:
    """Remove a PREPARING campaign and queue its marketer's note in the same transaction.

    The note is an outbox row committed with the removal, so it is sent exactly once
    even if the process dies right after.
    """
    with writing(session):
        campaign = session.get(Campaign, campaign_id, with_for_update=True)
        if campaign is None or campaign.status != CampaignStatus.PREPARING:
            return False  # nothing written
        session.add(
            OutboxMessage(
                workspace_id=campaign.workspace_id,
                # Sent once by the transaction itself (the row lock and status); the key need
                # not repeat, and SQLite may give a deleted campaign's id to the next one.
                dedupe_key=f"c{campaign_id}:dropped:{uuid.uuid4().hex}",
                kind=OutboxKind.NOTICE,
                channel_id=campaign.marketer_id,
                payload=json.dumps(note(campaign.name)),
            )
        )
        session.execute(
            sa.delete(AnnouncementPost).where(col(AnnouncementPost.campaign_id) == campaign_id)
        )
        session.delete(campaign)
    return True


def preparing_campaign_ids(*, session: Session, older_than: datetime) -> list[int]:
    """Campaigns left PREPARING (their submission was interrupted) since before `older_than`."""
    with reading(session):
        rows = session.exec(
            select(Campaign.id).where(
                Campaign.status == CampaignStatus.PREPARING, col(Campaign.created_at) < older_than
            )
        ).all()
    return [r for r in rows if r is not None]


def _campaign_assets(session: Session, campaign: Campaign) -> list[Asset]:
    return list(
        session.exec(
            select(Asset)
            .join(CampaignAsset, col(CampaignAsset.asset_id) == Asset.id)
            .where(CampaignAsset.campaign_id == campaign.id)
            .order_by(col(CampaignAsset.position))
        )
    )


def announcement_view(session: Session, campaign: Campaign) -> Announcement:
    """What an announcement shows right now."""
    assert campaign.id is not None
    ready = session.exec(
        select(sa.func.count()).where(Acknowledgement.campaign_id == campaign.id)
    ).one()
    assets = len(_campaign_assets(session, campaign))
    return Announcement(
        campaign_id=campaign.id,
        name=campaign.name,
        summary=campaign.summary,
        launch_date=campaign.launch_date,
        ask=campaign.ask,
        marketer_id=campaign.marketer_id,
        ready_count=ready,
        asset_count=assets,
    )


def _enqueue(session: Session, campaign: Campaign) -> int:
    """Queue one announcement per target channel and one thread reply per asset; idempotent."""
    assert campaign.id is not None
    existing = set(
        session.exec(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.campaign_id == campaign.id)
        )
    )
    announcement = json.dumps(build_announcement(announcement_view(session, campaign)))
    assets = _campaign_assets(session, campaign)
    posts = session.exec(
        select(AnnouncementPost)
        .where(AnnouncementPost.campaign_id == campaign.id)
        .order_by(col(AnnouncementPost.id))
    ).all()
    added = 0
    for post in posts:
        key = f"c{campaign.id}:announce:{post.channel_id}"
        if key in existing:
            continue
        parent = OutboxMessage(
            workspace_id=campaign.workspace_id,
            dedupe_key=key,
            kind=OutboxKind.ANNOUNCEMENT,
            channel_id=post.channel_id,
            campaign_id=campaign.id,
            payload=announcement,
        )
        session.add(parent)
        session.flush()
        added += 1
        for asset in assets:
            reply = build_asset_reply(handle=asset.handle, title=asset.title, url=asset.url)
            session.add(
                OutboxMessage(
                    workspace_id=campaign.workspace_id,
                    dedupe_key=f"c{campaign.id}:asset:{asset.id}:{post.channel_id}",
                    kind=OutboxKind.ASSET_REPLY,
                    channel_id=post.channel_id,
                    parent_id=parent.id,
                    campaign_id=campaign.id,
                    asset_id=asset.id,
                    payload=json.dumps(reply),
                )
            )
            added += 1
    campaign.status = CampaignStatus.POSTING
    campaign.updated_at = utcnow()
    session.add(campaign)
    return added


def start_due_campaign(*, session: Session, campaign_id: int, now: datetime) -> int:
    """Queue a scheduled campaign's posts once its time has come; returns messages queued."""
    with writing(session):
        campaign = session.get(Campaign, campaign_id, with_for_update=True)
        if campaign is None or campaign.status != CampaignStatus.SCHEDULED:
            return 0  # nothing written
        if campaign.scheduled_for is not None and campaign.scheduled_for > now:
            return 0  # nothing written
        return _enqueue(session, campaign)


def due_campaign_ids(*, session: Session, now: datetime) -> list[int]:
    """Scheduled campaigns whose time has come (a missed scheduler run is caught here)."""
    with reading(session):
        rows = session.exec(
            select(Campaign.id).where(
                Campaign.status == CampaignStatus.SCHEDULED,
                col(Campaign.scheduled_for) <= now,
            )
        ).all()
    return [r for r in rows if r is not None]


def scheduled_campaigns(*, session: Session) -> list[tuple[int, datetime]]:
    """Every campaign still waiting for its time, with that time."""
    with reading(session):
        rows = session.exec(
            select(Campaign.id, Campaign.scheduled_for).where(
                Campaign.status == CampaignStatus.SCHEDULED
            )
        ).all()
    return [(i, at) for i, at in rows if i is not None and at is not None]


def get_campaign(*, session: Session, workspace: WorkspaceRef, campaign_id: int) -> Campaign | None:
    """A campaign of this workspace, or None (never another workspace's)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.workspace_id != workspace.id:
        return None
    return campaign


def require_campaign(*, session: Session, workspace: WorkspaceRef, campaign_id: int) -> Campaign:
    """A campaign of this workspace, or a UserError saying it is gone."""
    campaign = get_campaign(session=session, workspace=workspace, campaign_id=campaign_id)
    if campaign is None:
        raise UserError("That launch is no longer in Liaison.")
    return campaign


def _marketer_only(campaign: Campaign, user_id: str, action: str) -> None:
    """Only the marketer who launched a campaign may change it."""
    if campaign.marketer_id != user_id:
        raise UserError(f"Only <@{campaign.marketer_id}>, who launched it, can {action}.")


def campaign_for_message(
    *, session: Session, workspace: WorkspaceRef, channel_id: str, ts: str
) -> Campaign | None:
    """The campaign whose announcement is this message."""
    return session.exec(
        select(Campaign)
        .join(AnnouncementPost, col(AnnouncementPost.campaign_id) == Campaign.id)
        .where(
            Campaign.workspace_id == workspace.id,
            AnnouncementPost.channel_id == channel_id,
            AnnouncementPost.ts == ts,
        )
    ).first()


@dataclass(frozen=True)
class Acked:
    """The result of "Got it": whether it was new, and how many are ready now."""

    new: bool
    ready: int


def acknowledge(
    *,
    session: Session,
    workspace: WorkspaceRef,
    campaign_id: int,
    user_id: str,
    channel_id: str,
    ts: str,
) -> Acked:
    """Record one person's "Got it" (once per person) and queue a refresh of the message."""
    campaign = require_campaign(session=session, workspace=workspace, campaign_id=campaign_id)
    assert campaign.id is not None
    _require_announcement(session, campaign.id, channel_id, ts)
    with writing(session):
        new = True
        try:
            with session.begin_nested():
                session.add(
                    Acknowledgement(
                        workspace_id=campaign.workspace_id, campaign_id=campaign.id, user_id=user_id
                    )
                )
        except sa.exc.IntegrityError:
            new = False
        if new:
            enqueue_refresh(session=session, campaign_id=campaign.id, channel_id=channel_id)
        ready = session.exec(
            select(sa.func.count()).where(Acknowledgement.campaign_id == campaign.id)
        ).one()
    return Acked(new=new, ready=ready)


def _require_announcement(session: Session, campaign_id: int, channel_id: str, ts: str) -> None:
    """Refuse a button whose campaign is not the one announced in that message."""
    found = session.exec(
        select(AnnouncementPost.id).where(
            AnnouncementPost.campaign_id == campaign_id,
            AnnouncementPost.channel_id == channel_id,
            AnnouncementPost.ts == ts,
        )
    ).first()
    if found is None:
        raise UserError("That button doesn't belong to this launch's announcement.")


def enqueue_refresh(*, session: Session, campaign_id: int, channel_id: str | None = None) -> int:
    """Queue a chat.update of the campaign's announcements, rendered when it is sent.

    Rendered late, one pending refresh per message is enough however many clicks or
    edits come before it goes out; an announcement not posted yet is refreshed right
    after it is.
    """
    query = select(OutboxMessage).where(
        OutboxMessage.campaign_id == campaign_id,
        OutboxMessage.kind == OutboxKind.ANNOUNCEMENT,
        col(OutboxMessage.status) != OutboxStatus.FAILED,
    )
    if channel_id is not None:
        query = query.where(OutboxMessage.channel_id == channel_id)
    added = 0
    for announcement in session.exec(query).all():
        waiting = session.exec(
            select(OutboxMessage.id).where(
                OutboxMessage.parent_id == announcement.id,
                OutboxMessage.kind == OutboxKind.REFRESH,
                OutboxMessage.status == OutboxStatus.PENDING,
            )
        ).first()
        if waiting is not None:
            continue
        session.add(
            OutboxMessage(
                workspace_id=announcement.workspace_id,
                dedupe_key=f"c{campaign_id}:refresh:{announcement.id}:{uuid.uuid4().hex}",
                kind=OutboxKind.REFRESH,
                channel_id=announcement.channel_id,
                parent_id=announcement.id,
                campaign_id=campaign_id,
                payload="{}",
            )
        )
        added += 1
    return added


def render_announcement(*, session: Session, campaign_id: int) -> dict[str, Any] | None:
    """The announcement as it should read now (for a refresh)."""
    with reading(session):  # ended before the chat.update it is rendered for
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return None
        return build_announcement(announcement_view(session, campaign))


@dataclass(frozen=True)
class Edited:
    """An edited campaign: when it now posts, if it is still scheduled."""

    campaign_id: int
    scheduled_for: datetime | None


def edit_campaign(
    *,
    session: Session,
    workspace: WorkspaceRef,
    campaign_id: int,
    editor_id: str,
    form: LaunchForm,
    now: datetime,
) -> Edited:
    """Change a campaign's words (and, before it posts, its date); only its marketer may.

    Posted announcements are updated through the outbox, so an edit survives a restart
    and waits out rate limits like any other message.
    """
    campaign = require_campaign(session=session, workspace=workspace, campaign_id=campaign_id)
    _marketer_only(campaign, editor_id, "edit this launch")
    assert campaign.id is not None
    with writing(session):
        campaign.name, campaign.summary, campaign.ask = form.name, form.summary, form.ask
        if campaign.status == CampaignStatus.SCHEDULED and form.launch_date != campaign.launch_date:
            campaign.launch_date = form.launch_date
            campaign.scheduled_for = launch_instant(form.launch_date, campaign.timezone, now)
            if campaign.scheduled_for is None:
                campaign.scheduled_for = now  # due now: the job (or the worker's sweep) posts it
        campaign.updated_at = utcnow()
        session.add(campaign)
        # Queued announcements carry the new words; posted ones get a refresh.
        announcement = build_announcement(announcement_view(session, campaign))
        session.execute(
            sa.update(OutboxMessage)
            .where(
                col(OutboxMessage.campaign_id) == campaign.id,
                col(OutboxMessage.kind) == OutboxKind.ANNOUNCEMENT,
                col(OutboxMessage.status) == OutboxStatus.PENDING,
            )
            .values(payload=json.dumps(announcement))
        )
        enqueue_refresh(session=session, campaign_id=campaign.id)
        scheduled = campaign.scheduled_for if campaign.status == CampaignStatus.SCHEDULED else None
    return Edited(campaign_id=campaign.id, scheduled_for=scheduled)


def get_campaign_for_edit(
    *, session: Session, workspace: WorkspaceRef, campaign_id: int, editor_id: str
) -> Campaign:
    """The campaign to prefill the edit form with; only its marketer may edit it."""
    # Ends with the read; expire_on_commit=False keeps the values for the caller.
    with reading(session):
        campaign = require_campaign(session=session, workspace=workspace, campaign_id=campaign_id)
        _marketer_only(campaign, editor_id, "edit this launch")
    return campaign


@dataclass(frozen=True)
class Asked:
    """A stored question (its post queued with it) and the marketer who should see it."""

    question_id: int
    marketer_id: str


def ask_question(
    *,
    session: Session,
    workspace: WorkspaceRef,
    campaign_id: int,
    user_id: str,
    text: str,
    channel_id: str,
    thread_ts: str,
) -> Asked:
    """Store a question and its post in the announcement's thread, in one transaction.

    The post is an outbox row: the delivery worker sends it (retrying what Slack refuses
    for now), records where it went, and closes the question, telling the asker, if
    Slack refuses it for good. Open until its marketer marks it answered.
    """
    campaign = require_campaign(session=session, workspace=workspace, campaign_id=campaign_id)
    assert campaign.id is not None
    with writing(session):
        question = Question(
            workspace_id=campaign.workspace_id,
            campaign_id=campaign.id,
            user_id=user_id,
            text=text,
            channel_id=channel_id,
        )
        session.add(question)
        session.flush()
        assert question.id is not None
        message = build_question_message(
            question_id=question.id, asker_id=user_id, text=text, answered_by=None
        )
        session.add(
            OutboxMessage(
                workspace_id=campaign.workspace_id,
                dedupe_key=question_key(question.id),
                kind=OutboxKind.QUESTION,
                channel_id=channel_id,
                campaign_id=campaign.id,
                payload=json.dumps({**message, "thread_ts": thread_ts}),
            )
        )
        asked = Asked(question_id=question.id, marketer_id=campaign.marketer_id)
    return asked


def question_key(question_id: int) -> str:
    """The outbox dedupe key of a question's post."""
    return f"q{question_id}:post"


def question_of_key(key: str) -> int | None:
    """The question a post's dedupe key names (None: not a question's post)."""
    if key.startswith("q") and key.endswith(":post") and key[1:-5].isdigit():
        return int(key[1:-5])
    return None


def question_posted(*, session: Session, question_id: int, ts: str) -> None:
    """Remember where a question was posted (within the caller's transaction)."""
    session.execute(sa.update(Question).where(col(Question.id) == question_id).values(ts=ts))


def question_not_posted(*, session: Session, question_id: int, reason: str, now: datetime) -> None:
    """Close a question Slack refused for good and queue the asker's note (caller commits)."""
    question = session.get(Question, question_id)
    if question is None or question.closed_at is not None:
        return
    question.closed_at, question.error = now, reason[:255]
    session.add(question)
    note = build_question_not_posted(
        text=question.text, channel_id=question.channel_id or "", reason=reason
    )
    session.add(
        OutboxMessage(
            workspace_id=question.workspace_id,
            dedupe_key=f"q{question_id}:not_posted:{uuid.uuid4().hex}",
            kind=OutboxKind.NOTICE,
            channel_id=question.user_id,
            payload=json.dumps(note),
        )
    )


def answer_question(
    *,
    session: Session,
    workspace: WorkspaceRef,
    question_id: int,
    user_id: str,
    ts: str | None = None,
) -> Question:
    """Mark a question answered; only the campaign's marketer may (`ts`: the clicked message)."""
    question = session.get(Question, question_id)
    if question is None or question.workspace_id != workspace.id:
        raise UserError("That question is no longer in Liaison.")
    if ts is not None and question.ts is not None and question.ts != ts:
        raise UserError("That button doesn't belong to this question.")
    campaign = session.get(Campaign, question.campaign_id)
    assert campaign is not None
    _marketer_only(campaign, user_id, "mark questions answered")
    if question.answered_at is None:
        with writing(session):
            question.answered_at = utcnow()
            question.answered_by = user_id
            session.add(question)
    session.refresh(question)
    return question


def only_asset(*, session: Session, campaign_id: int) -> AssetRef | None:
    """A campaign's asset when it has exactly one (the feedback modal preselects it)."""
    rows = session.exec(
        select(Asset.id, Asset.handle, Asset.title)
        .join(CampaignAsset, col(CampaignAsset.asset_id) == Asset.id)
        .where(CampaignAsset.campaign_id == campaign_id)
        .limit(2)
    ).all()
    if len(rows) != 1 or rows[0][0] is None:
        return None
    return AssetRef(id=rows[0][0], handle=rows[0][1], title=rows[0][2])


def campaign_marketer(*, session: Session, campaign_id: int) -> str | None:
    """The marketer who launched a campaign (whose App Home shows it)."""
    return session.exec(select(Campaign.marketer_id).where(Campaign.id == campaign_id)).first()


def workspace_key_of_message(*, session: Session, channel_id: str, ts: str) -> str | None:
    """The key (team id) of the Liaison workspace that posted this announcement or question.

    For a click whose payload names another organisation's team (Slack Connect), this
    says which installation the message, and so the click, belongs to.
    """
    announced = (
        select(Workspace.team_id)
        .join(Campaign, col(Campaign.workspace_id) == Workspace.id)
        .join(AnnouncementPost, col(AnnouncementPost.campaign_id) == Campaign.id)
        .where(AnnouncementPost.channel_id == channel_id, AnnouncementPost.ts == ts)
    )
    asked = (
        select(Workspace.team_id)
        .join(Question, col(Question.workspace_id) == Workspace.id)
        .where(Question.channel_id == channel_id, Question.ts == ts)
    )
    return session.exec(announced).first() or session.exec(asked).first()


def get_message_workspace_key(*, db: SessionScope, channel_id: str, ts: str) -> str | None:
    """workspace_key_of_message in a session of its own (the middleware's look-up)."""
    with db() as session:
        return workspace_key_of_message(session=session, channel_id=channel_id, ts=ts)
