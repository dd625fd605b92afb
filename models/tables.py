"""SQLModel tables for the SPEC's domain. Times are aware UTC; no queries live here."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import (
    CampaignStatus,
    DigestStatus,
    LaunchPolicy,
    OutboxKind,
    OutboxStatus,
    Source,
    VoteValue,
)

SLACK_ID = 32  # Slack ids are short; leave room for enterprise-grid forms.


def utcnow() -> datetime:
    """Current time in UTC (aware); every table stores UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored time as aware UTC: SQLite hands back naive UTC, PostgreSQL aware times."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Workspace(SQLModel, table=True):
    """One Slack workspace (team) and its Liaison settings."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID, unique=True)
    name: str = Field(default="", max_length=255)
    digest_channel_id: str | None = Field(default=None, max_length=SLACK_ID)
    digest_weekday: int = Field(default=0, ge=0, le=6)  # Monday = 0
    digest_time: str = Field(default="09:00", max_length=5)
    timezone: str = Field(default="UTC", max_length=64)
    launch_policy: LaunchPolicy = Field(default=LaunchPolicy.EVERYONE, sa_type=sa.String(16))
    launch_usergroup_id: str | None = Field(default=None, max_length=SLACK_ID)
    # Whether the digest may go to a channel shared with another organisation.
    digest_shared_allowed: bool = Field(
        default=False, sa_column_kwargs={"server_default": sa.false()}
    )
    next_asset_number: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WorkspaceAdmin(SQLModel, table=True):
    """A person a workspace admin named as a Liaison admin."""

    __tablename__ = "workspace_admin"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    user_id: str = Field(max_length=SLACK_ID)
    added_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(default_factory=utcnow)


class Launcher(SQLModel, table=True):
    """A person allowed to /launch when the workspace restricts launching to named people."""

    __table_args__ = (sa.UniqueConstraint("workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    user_id: str = Field(max_length=SLACK_ID)
    added_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(default_factory=utcnow)


class SalesChannel(SQLModel, table=True):
    """A channel that launches target by default (`/liaison sales here`)."""

    __tablename__ = "sales_channel"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    channel_id: str = Field(max_length=SLACK_ID)
    added_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(default_factory=utcnow)


class Campaign(SQLModel, table=True):
    """A marketer's launch."""

    __table_args__ = (sa.Index("ix_campaign_workspace_launch", "workspace_id", "launch_date"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    marketer_id: str = Field(max_length=SLACK_ID)
    name: str = Field(max_length=150)
    summary: str = Field(default="", max_length=3000)
    ask: str = Field(default="", max_length=3000)
    launch_date: date
    timezone: str = Field(default="UTC", max_length=64)  # the marketer's, for 09:00 on the day
    scheduled_for: datetime | None = None  # when a future launch posts
    status: CampaignStatus = Field(default=CampaignStatus.SCHEDULED, sa_type=sa.String(16))
    summary_sent_at: datetime | None = None  # the marketer's delivery report, sent once
    # While PREPARING: the form's collateral lines (JSON), kept until they become assets.
    pending_collateral: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AnnouncementPost(SQLModel, table=True):
    """A campaign's announcement in one target channel."""

    __tablename__ = "announcement_post"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "channel_id"),
        sa.Index("ix_announcement_post_message", "channel_id", "ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", ondelete="CASCADE")
    channel_id: str = Field(max_length=SLACK_ID)
    ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    posted_at: datetime | None = None


class Asset(SQLModel, table=True):
    """A piece of collateral, known by its short handle (e.g. PD-3)."""

    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "handle"),
        sa.UniqueConstraint("workspace_id", "number"),
        # One asset per link: a hash, because a 2000-character URL is too long to index.
        sa.UniqueConstraint("workspace_id", "url_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    number: int
    handle: str = Field(max_length=16)
    title: str = Field(max_length=200)
    url: str = Field(max_length=2000)
    url_key: str = Field(max_length=64)  # sha256 of url
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", ondelete="SET NULL")
    added_by: str = Field(max_length=SLACK_ID)
    link_ok: bool | None = None
    link_checked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class CampaignAsset(SQLModel, table=True):
    """An asset a campaign announces, in the order the marketer listed it."""

    __tablename__ = "campaign_asset"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "asset_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", ondelete="CASCADE")
    asset_id: int = Field(foreign_key="asset.id", ondelete="CASCADE")
    position: int


class AssetMessage(SQLModel, table=True):
    """A Slack message whose reactions are votes on one asset."""

    __tablename__ = "asset_message"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "channel_id", "ts"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    asset_id: int = Field(foreign_key="asset.id", ondelete="CASCADE")
    channel_id: str = Field(max_length=SLACK_ID)
    ts: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class Vote(SQLModel, table=True):
    """One person's current verdict on one asset; the latest source wins."""

    __table_args__ = (
        sa.UniqueConstraint("asset_id", "user_id"),
        # Covering index for the digest's per-period aggregate (see STYLE.md measurements).
        sa.Index("ix_vote_period", "workspace_id", "created_at", "asset_id", "value"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    asset_id: int = Field(foreign_key="asset.id", ondelete="CASCADE")
    user_id: str = Field(max_length=SLACK_ID)
    value: VoteValue = Field(sa_type=sa.String(16))
    source: Source = Field(sa_type=sa.String(16))
    created_at: datetime = Field(default_factory=utcnow)


class Usage(SQLModel, table=True):
    """A rep saying they used an asset with a customer."""

    __table_args__ = (
        sa.Index("ix_usage_period", "workspace_id", "created_at", "asset_id"),
        sa.Index("ix_usage_asset_user", "asset_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    asset_id: int = Field(foreign_key="asset.id", ondelete="CASCADE")
    user_id: str = Field(max_length=SLACK_ID)
    source: Source = Field(sa_type=sa.String(16))
    created_at: datetime = Field(default_factory=utcnow)


class PersonReactions(SQLModel, table=True):
    """What one person's reaction events on one asset leave to remember, not the events.

    Replaying a person's reactions by event time (domain.votes.fold_reactions) needs only
    the latest 👍/👎 put, the removals made after it and the latest 🎯 event
    (domain.votes.ReactionMemory), so a reaction reads and writes this one row however
    many times the person toggled before.
    """

    __tablename__ = "reaction_state"
    __table_args__ = (sa.UniqueConstraint("asset_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    asset_id: int = Field(foreign_key="asset.id", ondelete="CASCADE")
    user_id: str = Field(max_length=SLACK_ID)
    vote: str | None = Field(default=None, max_length=16)  # domain.votes.Verdict
    vote_at: datetime | None = None
    # JSON list of [verdict, ISO time]: removals made after the latest put (usually empty).
    removals: str = Field(default="[]", sa_type=sa.Text)
    used: bool = False
    used_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class Comment(SQLModel, table=True):
    """Written feedback on an asset or campaign; its author is shown only on opt-in."""

    __table_args__ = (sa.Index("ix_comment_period", "workspace_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    asset_id: int | None = Field(default=None, foreign_key="asset.id", ondelete="CASCADE")
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", ondelete="CASCADE")
    user_id: str = Field(max_length=SLACK_ID)
    text: str = Field(max_length=3000)
    value: VoteValue | None = Field(default=None, sa_type=sa.String(16))
    followup_ok: bool = False
    flagged: bool = False  # accusatory: counted in themes, never quoted
    source: Source = Field(sa_type=sa.String(16))
    created_at: datetime = Field(default_factory=utcnow)


class Acknowledgement(SQLModel, table=True):
    """A rep's "Got it" on a campaign, once per person."""

    __table_args__ = (sa.UniqueConstraint("campaign_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    campaign_id: int = Field(foreign_key="campaign.id", ondelete="CASCADE")
    user_id: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(default_factory=utcnow)


class Question(SQLModel, table=True):
    """A question asked on an announcement, open until its marketer marks it answered.

    It is stored with its post (an outbox row) in one transaction; a post Slack refuses
    for good closes it (`closed_at`, with the reason in `error`) and the asker is told.
    """

    __table_args__ = (sa.Index("ix_question_message", "channel_id", "ts"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    campaign_id: int = Field(foreign_key="campaign.id", ondelete="CASCADE")
    user_id: str = Field(max_length=SLACK_ID)
    text: str = Field(max_length=3000)
    channel_id: str | None = Field(default=None, max_length=SLACK_ID)
    ts: str | None = Field(default=None, max_length=32)
    answered_at: datetime | None = None
    answered_by: str | None = Field(default=None, max_length=SLACK_ID)
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    error: str | None = Field(default=None, max_length=255)


class DigestRun(SQLModel, table=True):
    """The claim on one workspace's scheduled digest for one period: exactly once."""

    __tablename__ = "digest_run"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "period_start"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    period_start: datetime
    period_end: datetime
    status: DigestStatus = Field(default=DigestStatus.CLAIMED, sa_type=sa.String(16))
    claimed_by: str = Field(default="", max_length=64)
    claimed_at: datetime = Field(default_factory=utcnow)
    channel_id: str | None = Field(default=None, max_length=SLACK_ID)
    ts: str | None = Field(default=None, max_length=32)
    posted_at: datetime | None = None


class HomeVisit(SQLModel, table=True):
    """Someone who has opened Liaison's App Home, so it can be refreshed when data changes."""

    __tablename__ = "home_visit"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    user_id: str = Field(max_length=SLACK_ID)
    first_seen_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class ProcessedEvent(SQLModel, table=True):
    """An Events API event_id already handled, so retried deliveries never count twice."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    team_id: str = Field(max_length=SLACK_ID)
    received_at: datetime = Field(default_factory=utcnow, index=True)


class InboxEvent(SQLModel, table=True):
    """An acknowledged Slack event committed before its 200, until a worker applies it.

    Slack's retries of one event share its event_id: the unique key keeps one row. A
    worker leases a row (`claimed_until`, `attempts`) and deletes it in the transaction
    that applies it; a row whose lease ran out belongs to whoever leases it next. After
    too many attempts it is parked (`parked_at`, `error`) and left for an operator.
    """

    __tablename__ = "inbox_event"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "event_id", name="uq_inbox_event_team_event"),
        sa.Index("ix_inbox_event_due", "parked_at", "claimed_until", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    event_id: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    payload: str = Field(sa_type=sa.Text)  # JSON of what the worker needs
    received_at: datetime = Field(default_factory=utcnow)
    claimed_until: datetime | None = None
    attempts: int = 0
    parked_at: datetime | None = None
    error: str | None = Field(default=None, max_length=255)


class OutboxMessage(SQLModel, table=True):
    """A Slack message committed before it is sent, so a crash never loses it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        # A channel's queue, oldest first: only its head may be claimed.
        sa.Index("ix_outbox_channel_queue", "channel_id", "id"),
        # Retention finds old sent rows, and a row's replies (deleted before it), by index.
        sa.Index("ix_outbox_sent", "sent_at"),
        sa.Index("ix_outbox_parent", "parent_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    dedupe_key: str = Field(max_length=200, unique=True)
    kind: OutboxKind = Field(sa_type=sa.String(32))
    channel_id: str = Field(max_length=SLACK_ID)
    parent_id: int | None = Field(default=None, foreign_key="outbox_message.id")
    campaign_id: int | None = Field(
        default=None, foreign_key="campaign.id", ondelete="CASCADE", index=True
    )
    asset_id: int | None = Field(default=None, foreign_key="asset.id", ondelete="CASCADE")
    payload: str = Field(sa_type=sa.Text)  # JSON of chat.postMessage arguments
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=sa.String(16))
    attempts: int = 0
    # The last attempt may have reached Slack (crash, timeout, 5xx): look before posting again.
    verify_first: bool = False
    next_attempt_at: datetime = Field(default_factory=utcnow)
    locked_by: str | None = Field(default=None, max_length=64)
    locked_until: datetime | None = None
    ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class Installation(SQLModel, table=True):
    """One workspace's (or org's) latest OAuth install; every token is stored encrypted.

    Bolt's installation store reads and writes these rows (services.installations). An
    org-wide install has no team: its `team_id` is the empty string, so the unique key
    holds for both kinds.
    """

    __tablename__ = "slack_installation"
    __table_args__ = (sa.UniqueConstraint("client_id", "enterprise_id", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64)
    app_id: str | None = Field(default=None, max_length=SLACK_ID)
    enterprise_id: str = Field(default="", max_length=SLACK_ID)
    enterprise_name: str | None = Field(default=None, max_length=200)
    team_id: str = Field(default="", max_length=SLACK_ID, index=True)
    team_name: str | None = Field(default=None, max_length=200)
    is_enterprise_install: bool = False
    bot_id: str | None = Field(default=None, max_length=SLACK_ID)
    bot_user_id: str | None = Field(default=None, max_length=SLACK_ID)
    bot_scopes: str | None = Field(default=None, sa_type=sa.Text)
    bot_token: str | None = Field(default=None, sa_type=sa.Text)  # encrypted
    bot_refresh_token: str | None = Field(default=None, sa_type=sa.Text)  # encrypted
    bot_token_expires_at: datetime | None = None
    user_id: str | None = Field(default=None, max_length=SLACK_ID)
    user_scopes: str | None = Field(default=None, sa_type=sa.Text)
    user_token: str | None = Field(default=None, sa_type=sa.Text)  # encrypted
    user_refresh_token: str | None = Field(default=None, sa_type=sa.Text)  # encrypted
    user_token_expires_at: datetime | None = None
    token_type: str | None = Field(default=None, max_length=32)
    installed_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class OAuthState(SQLModel, table=True):
    """A one-time OAuth `state`, so an install callback is accepted once, by any instance."""

    __tablename__ = "oauth_state"

    state: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(index=True)


class TallyDelta(SQLModel, table=True):
    """A change of a row count, written by a database trigger with the change itself.

    Triggers on `outbox_message` and `digest_run` insert +1/-1 rows here in the same
    transaction as every insert, status change and delete (whatever code or cascade made
    it), so counts never drift; only inserts, so concurrent writers never wait on a
    shared counter row. The maintenance job folds them into `tally_total`.
    """

    __tablename__ = "tally_delta"

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=32)  # the counted table: outbox_message, digest_run
    status: str = Field(max_length=16)
    kind: str = Field(default="", max_length=32)
    n: int


class TallyTotal(SQLModel, table=True):
    """Row counts folded from `tally_delta`; /metrics adds the few deltas not folded yet."""

    __tablename__ = "tally_total"

    subject: str = Field(primary_key=True, max_length=32)
    status: str = Field(primary_key=True, max_length=16)
    kind: str = Field(default="", primary_key=True, max_length=32)
    n: int = Field(sa_type=sa.BigInteger)
