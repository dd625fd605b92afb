"""Making and posting digests: the scheduled one exactly once per period, on-demand ones freely.

Exactly once: posting a scheduled digest first claims the unique (workspace, period) row
and, in the same transaction, queues the message in the outbox. A second instance, or a
second run of the job, finds the claim and does nothing; a crash after the claim leaves
the queued message, which the delivery worker posts exactly once (it looks for the
message before posting again after a crash). On-demand digests (`digest now`) skip the
claim, so they never use up or block the week's scheduled one (SPEC: `/liaison`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, time
from enum import StrEnum

import httpx
import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, select

from blocks.digest import build_digest_message
from core.db import SessionScope, conflict_insert, reading, writing
from domain.digest import assemble_digest
from domain.digest_data import Digest, DigestInput, Period
from domain.periods import previous_period, rolling_period, scheduled_period, week_starts
from models import (
    DigestRun,
    DigestStatus,
    OutboxKind,
    OutboxMessage,
    Workspace,
    WorkspaceRef,
    as_utc,
    utcnow,
)
from services.access import people_terms
from services.digest import gather_digest
from services.digest_access import shared_channel_refused
from services.links import check_workspace_links
from services.workspaces import load_workspace

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestSettings:
    """Where and when a workspace's weekly digest goes."""

    workspace_id: int
    team_id: str
    name: str
    channel_id: str | None
    weekday: int
    at: str  # HH:MM
    zone: str
    configured_at: datetime
    # Whether an admin let the digest go to channels shared with another organisation.
    shared_allowed: bool = False

    @property
    def workspace(self) -> WorkspaceRef:
        """The workspace these settings are of."""
        return WorkspaceRef(id=self.workspace_id, team_id=self.team_id)


def digest_settings(*, session: Session, workspace: WorkspaceRef) -> DigestSettings | None:
    """A workspace's digest settings (None: its row is gone)."""
    stored = session.get(Workspace, workspace.id)
    return _settings(stored) if stored is not None else None


def scheduled_workspaces(*, session: Session) -> list[DigestSettings]:
    """Every workspace with a digest channel (each gets one weekly job)."""
    rows = session.exec(
        select(Workspace).where(col(Workspace.digest_channel_id).is_not(None))
    ).all()
    return [_settings(w) for w in rows]


def _settings(workspace: Workspace) -> DigestSettings:
    assert workspace.id is not None
    return DigestSettings(
        workspace_id=workspace.id,
        team_id=workspace.team_id,
        name=workspace.name,
        channel_id=workspace.digest_channel_id,
        weekday=workspace.digest_weekday,
        at=workspace.digest_time,
        zone=workspace.timezone,
        configured_at=workspace.updated_at,
        shared_allowed=workspace.digest_shared_allowed,
    )


def period_for_schedule(settings: DigestSettings, now: datetime) -> Period:
    """The period the latest scheduled run (at or before now) covers."""
    hour, minute = (int(p) for p in settings.at.split(":"))
    return scheduled_period(
        now, weekday=settings.weekday, at=time(hour, minute), zone=settings.zone
    )


def on_demand_period(settings: DigestSettings, now: datetime) -> Period:
    """The last seven days up to now, for `digest now` and `digest preview`."""
    return rolling_period(now, zone=settings.zone)


def is_claimed(*, session: Session, workspace: WorkspaceRef, period: Period) -> bool:
    """Whether this period's scheduled digest has been claimed already (by any instance)."""
    with reading(session):
        found = session.exec(
            select(DigestRun.id).where(
                DigestRun.workspace_id == workspace.id, DigestRun.period_start == period.start
            )
        ).first()
    return found is not None


def make_digest(
    *,
    session: Session,
    client: WebClient | None,
    http: httpx.Client,
    settings: DigestSettings,
    period: Period,
    allow_private: bool,
) -> Digest:
    """Check links, learn who to redact, gather the period's records and assemble the digest.

    Without a client (no token) nobody can be listed: the digest then quotes nothing.
    """
    check_workspace_links(
        session=session,
        http=http,
        workspace=settings.workspace,
        allow_private=allow_private,
    )
    people: list[str] | None = None
    if client is not None and client.token:
        try:
            people = people_terms(client=client)
        except SlackApiError as error:
            logger.warning(
                "could not list people for redaction (Slack said %s): quoting nothing",
                error.response.get("error"),
            )
        except Exception:
            logger.warning("could not list people for redaction: quoting nothing", exc_info=True)
    # The period's records, read without SQLite's write lock: on a large workspace this
    # takes a while, and neither the writers nor this read may wait for the other.
    with reading(session):
        data = gather_digest(
            session=session,
            workspace=settings.workspace,
            period=period,
            previous=previous_period(period, zone=settings.zone),
            weeks=week_starts(period, zone=settings.zone),
        )
    return assemble_digest(bounded_for_analysis(data, people), workspace_name=settings.name)


# Themes review every comment's words: bound the text so a digest still posts within 20 s.
MAX_ANALYSED_COMMENTS = 500
MAX_ANALYSED_CHARS = 600


def bounded_for_analysis(data: DigestInput, people: list[str] | None) -> DigestInput:
    """The newest comments, each cut short, and nothing quotable when names are unknown.

    Without the workspace's list of people the redactor cannot know every name, so the
    digest fails closed (SPEC blame-free rule 1): comments and questions count but are
    not quoted. Themes still come from their words: a theme is a label of the curated
    taxonomy (`domain.themes`), never a word people wrote, so it names nobody.
    """
    comments = [
        replace(c, text=c.text[:MAX_ANALYSED_CHARS]) for c in data.comments[:MAX_ANALYSED_COMMENTS]
    ]
    questions = data.questions
    if people is None:
        # Flagged comments are never quoted (domain.themes.quote_allowed).
        comments = [replace(c, flagged=True) for c in comments]
        questions = [replace(q, text="") for q in questions]
    return replace(data, comments=comments, questions=questions, people=people or [])


def claim_and_queue(
    *,
    session: Session,
    settings: DigestSettings,
    period: Period,
    message: dict[str, object],
    claimed_by: str,
) -> bool:
    """Claim this period's scheduled digest and queue its message; False if already claimed."""
    assert settings.channel_id is not None
    table = DigestRun.__table__  # type: ignore[attr-defined]
    claim = (
        conflict_insert(session.get_bind().dialect.name)(table)
        .values(
            workspace_id=settings.workspace_id,
            period_start=period.start,
            period_end=period.end,
            status=DigestStatus.CLAIMED.value,
            claimed_by=claimed_by[:64],
            claimed_at=utcnow(),
            channel_id=settings.channel_id,
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "period_start"])
        .returning(table.c.id)
    )
    # The claim and its message: one step, so the digest is queued exactly once.
    with writing(session):
        run_id = session.execute(claim).scalar()
        if run_id is None:
            return False  # claimed by another run: nothing was inserted
        session.add(
            OutboxMessage(
                workspace_id=settings.workspace_id,
                dedupe_key=digest_key(settings.workspace_id, period.start),
                kind=OutboxKind.DIGEST,
                channel_id=settings.channel_id,
                payload=json.dumps(message),
            )
        )
    return True


def digest_key(workspace_id: int, period_start: datetime) -> str:
    """The outbox dedupe key of a period's scheduled digest; it names the run it settles."""
    return f"{OutboxKind.DIGEST}:{workspace_id}:{period_start.isoformat()}"


def settle_runs(
    *, session: Session, outcomes: list[tuple[int, str, DigestStatus, str | None, datetime]]
) -> None:
    """Record what became of scheduled digests' messages on their runs, in the caller's
    transaction: (workspace id, outbox dedupe key, posted or failed, ts, when).

    Without this a run stayed `claimed` after its digest posted (the metric said so).
    """
    for workspace_id, key, status, ts, at in outcomes:
        prefix = f"{OutboxKind.DIGEST}:{workspace_id}:"
        if not key.startswith(prefix):
            continue
        try:
            start = datetime.fromisoformat(key[len(prefix) :])
        except ValueError:
            continue
        session.execute(
            sa.update(DigestRun)
            .where(
                col(DigestRun.workspace_id) == workspace_id,
                col(DigestRun.period_start) == start,
                col(DigestRun.status) == DigestStatus.CLAIMED.value,
            )
            .values(
                status=status.value,
                ts=ts,
                posted_at=at if status is DigestStatus.POSTED else None,
            )
        )


def on_demand_digest(
    *,
    session: Session,
    client: WebClient | None,
    http: httpx.Client,
    workspace: WorkspaceRef,
    now: datetime,
    allow_private: bool,
) -> Digest:
    """The last seven days' digest for `digest now` / `digest preview` (no claim involved)."""
    # Read first: a workspace seen before needs no write (nor SQLite's write lock).
    with reading(session):
        settings = digest_settings(session=session, workspace=workspace)
    if settings is None:
        settings = _settings(load_workspace(session=session, workspace=workspace))
    return make_digest(
        session=session,
        client=client,
        http=http,
        settings=settings,
        period=on_demand_period(settings, now),
        allow_private=allow_private,
    )


def scheduled_posts(*, session: Session, workspace_id: int) -> int:
    """How many scheduled digests have been claimed for a workspace (for tests and health)."""
    count = session.execute(
        sa.select(sa.func.count()).where(col(DigestRun.workspace_id) == workspace_id)
    ).scalar()
    return int(count or 0)


def digest_message(digest: Digest) -> dict[str, object]:
    """The chat.postMessage arguments (text and blocks) for a digest."""
    return dict(build_digest_message(digest))


class Scheduled(StrEnum):
    """What became of one run of a workspace's scheduled digest."""

    NO_CHANNEL = "no_channel"  # the workspace is gone, or has no digest channel
    SHARED_REFUSED = "shared_refused"  # its channel became shared with another organisation
    ALREADY_CLAIMED = "already_claimed"  # this period's digest was claimed before it was made
    QUEUED = "queued"  # claimed and queued for the delivery worker
    CLAIMED_ELSEWHERE = "claimed_elsewhere"  # another run claimed it while this one made it


def queue_scheduled_digest(
    *,
    db: SessionScope,
    client: WebClient,
    http: httpx.Client,
    workspace: WorkspaceRef,
    now: datetime,
    allow_private: bool,
    claimed_by: str,
) -> Scheduled:
    """Make this period's scheduled digest and queue it, unless any instance already has.

    The claim and the queued message share one transaction (see the module docstring);
    the delivery worker posts it.
    """
    with db() as session:
        settings = digest_settings(session=session, workspace=workspace)
    if settings is None or settings.channel_id is None:
        return Scheduled.NO_CHANNEL
    refused = shared_channel_refused(
        client=client, channel_id=settings.channel_id, allowed=settings.shared_allowed
    )
    if refused is not None:
        # The channel became shared with another organisation after `digest here`.
        logger.warning(
            "digest for workspace %d: its channel is shared with another organisation, "
            "so nothing was posted (`/liaison digest shared allow` lets it go there)",
            workspace.id,
        )
        return Scheduled.SHARED_REFUSED
    with db() as session:
        period = period_for_schedule(settings, now)
        # Cheap check first: the claim below is what guarantees exactly once.
        if is_claimed(session=session, workspace=workspace, period=period):
            logger.info("digest for workspace %d, %s: already claimed", workspace.id, period.label)
            return Scheduled.ALREADY_CLAIMED
        digest = make_digest(
            session=session,
            client=client,
            http=http,
            settings=settings,
            period=period,
            allow_private=allow_private,
        )
        claimed = claim_and_queue(
            session=session,
            settings=settings,
            period=period,
            message=digest_message(digest),
            claimed_by=claimed_by,
        )
    logger.info(
        "digest for workspace %d, %s: %s",
        workspace.id,
        period.label,
        "queued" if claimed else "claimed by another run",
    )
    return Scheduled.QUEUED if claimed else Scheduled.CLAIMED_ELSEWHERE


def missed_digests(*, db: SessionScope, now: datetime) -> list[tuple[DigestSettings, bool]]:
    """Every workspace with a digest channel, and whether its last scheduled run was missed.

    Missed: the run passed unclaimed after the schedule was set (the app was down, or
    crashed before claiming).
    """
    with db() as session:
        workspaces = scheduled_workspaces(session=session)
    found = []
    for settings in workspaces:
        period = period_for_schedule(settings, now)
        with db() as session:
            missed = period.end > as_utc(settings.configured_at) and not is_claimed(
                session=session, workspace=settings.workspace, period=period
            )
        found.append((settings, missed))
    return found
