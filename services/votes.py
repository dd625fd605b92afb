"""Votes, uses and comments on assets: one vote per person per asset, the latest wins."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.db import reading as reading_step  # "reading" below is a reading of /feedback text
from core.db import writing
from domain.assets import AssetRef, Lookup, normalise_handle
from domain.feedback import QuickFeedback
from domain.nudge import Nudge, build_nudge
from domain.review import Review, review_comment
from domain.votes import (
    LoggedReaction,
    ReactionChange,
    ReactionMemory,
    ReactionState,
    Verdict,
    remember_reaction,
    remembered_state,
)
from models import (
    Asset,
    Campaign,
    CampaignAsset,
    Comment,
    Source,
    Usage,
    VoteValue,
    WorkspaceRef,
    as_utc,
    utcnow,
)
from queries import votes as vote_queries
from queries.events import claim_event
from queries.votes import StoredReactions
from services.collateral import find_asset
from services.reviewer import CommentReviewer


class Outcome(StrEnum):
    """What a reaction event did."""

    DUPLICATE = "duplicate"  # this event_id was handled before (a retried delivery)
    UNTRACKED = "untracked"  # not on a message Liaison posted for an asset
    RECORDED = "recorded"  # a vote or use was set
    REMOVED = "removed"  # a vote or use was taken back
    UNCHANGED = "unchanged"  # nothing to do (e.g. removing a reaction that set nothing)


@dataclass(frozen=True)
class ReactionResult:
    """The outcome of one reaction event, and whose App Home it touches."""

    outcome: Outcome
    asset_id: int | None = None
    owner_id: str | None = None  # the asset's marketer


# Slack-keyed: the inbox stores events as Slack sent them, unresolved (no query before the ack).
def apply_reaction(
    *, session: Session, team_id: str, event_id: str | None, change: ReactionChange
) -> ReactionResult:
    """Turn one reaction event into a vote or use change, exactly once per event_id.

    Its own transaction, committed before returning (see `record_reaction`).
    """
    with writing(session):
        return record_reaction(session=session, team_id=team_id, event_id=event_id, change=change)


def record_reaction(
    *, session: Session, team_id: str, event_id: str | None, change: ReactionChange
) -> ReactionResult:
    """`apply_reaction` in the caller's transaction, which the caller commits.

    The event's processed mark and the vote commit together (with the inbox row's
    deletion, when the inbox applies it): a crash between them leaves none, and Slack's
    retry is then handled as new. An untracked message or a duplicate event writes
    nothing.
    """
    found = vote_queries.tracked_message(
        session, team_id=team_id, channel_id=change.channel_id, ts=change.ts
    )
    if found is None:
        return ReactionResult(Outcome.UNTRACKED)
    workspace_id, asset_id, owner = found
    if event_id and not claim_event(session, event_id=event_id, team_id=team_id, at=utcnow()):
        return ReactionResult(Outcome.DUPLICATE, asset_id, owner)
    # A reaction and its removal stored at once by two instances could each miss the
    # other (the removal deleting nothing yet, the reaction seeing no removal yet).
    vote_queries.lock_person_on_asset(session, asset_id=asset_id, user_id=change.user_id)
    event = LoggedReaction(verdict=change.verdict, added=change.added, at=change.at)
    memory = remember_reaction(_memory(session, asset_id, change.user_id), event)
    _remember(session, workspace_id, asset_id, change.user_id, memory)
    state = remembered_state(memory)
    if change.verdict is Verdict.USED:
        changed = _settle_use(session, workspace_id, asset_id, change.user_id, state.used_at)
    else:
        changed = _settle_vote(session, workspace_id, asset_id, change.user_id, state)
    if not changed:
        return ReactionResult(Outcome.UNCHANGED, asset_id, owner)
    return ReactionResult(Outcome.RECORDED if change.added else Outcome.REMOVED, asset_id, owner)


def _memory(session: Session, asset_id: int, user_id: str) -> ReactionMemory:
    """What this person's earlier reactions on the asset left (one row, however many)."""
    row = vote_queries.stored_reactions(session, asset_id=asset_id, user_id=user_id)
    if row is None:
        return ReactionMemory()
    return ReactionMemory(
        vote=Verdict(row.vote) if row.vote is not None else None,
        vote_at=as_utc(row.vote_at) if row.vote_at is not None else None,
        removals=tuple(
            (Verdict(verdict), datetime.fromisoformat(at))
            for verdict, at in json.loads(row.removals)
        ),
        used=row.used,
        used_at=as_utc(row.used_at) if row.used_at is not None else None,
    )


def _remember(
    session: Session, workspace_id: int, asset_id: int, user_id: str, memory: ReactionMemory
) -> None:
    removals = [[verdict.value, at.isoformat()] for verdict, at in memory.removals]
    vote_queries.store_reactions(
        session,
        workspace_id=workspace_id,
        asset_id=asset_id,
        user_id=user_id,
        reactions=StoredReactions(
            vote=memory.vote.value if memory.vote is not None else None,
            vote_at=memory.vote_at,
            removals=json.dumps(removals),
            used=memory.used,
            used_at=memory.used_at,
        ),
        now=utcnow(),
    )


def set_vote(
    *,
    session: Session,
    workspace_id: int,
    asset_id: int,
    user_id: str,
    value: VoteValue,
    source: Source,
    at: datetime,
) -> bool:
    """Upsert a person's vote on an asset unless a later vote is already stored.

    One statement (INSERT … ON CONFLICT DO UPDATE … WHERE older), so two instances racing
    on one person's vote leave exactly one row holding the latest verdict. The caller
    commits.
    """
    stored = vote_queries.upsert_vote(
        session,
        workspace_id=workspace_id,
        asset_id=asset_id,
        user_id=user_id,
        value=value,
        source=source,
        at=at,
    )
    return stored is not None


def _settle_vote(
    session: Session, workspace_id: int, asset_id: int, user_id: str, state: ReactionState
) -> bool:
    """Make the stored vote what the person's reactions say, unless a later vote stands.

    A standing reaction vote is upserted latest-wins (a newer button, command or form vote
    is kept); a taken-back one deletes only a reaction vote no newer than its removal.
    """
    if state.vote is not None and state.vote_at is not None:
        return set_vote(
            session=session,
            workspace_id=workspace_id,
            asset_id=asset_id,
            user_id=user_id,
            value=VoteValue(state.vote.value),
            source=Source.REACTION,
            at=state.vote_at,
        )
    if state.vote_at is None:
        return False  # no reaction vote was ever made
    return vote_queries.clear_reaction_vote(
        session, asset_id=asset_id, user_id=user_id, at=state.vote_at
    )


def _settle_use(
    session: Session, workspace_id: int, asset_id: int, user_id: str, used_at: datetime | None
) -> bool:
    """One reaction use while a 🎯 stands (dated from it), none once it is taken back."""
    uses = list(
        session.exec(
            select(Usage).where(
                Usage.asset_id == asset_id,
                Usage.user_id == user_id,
                Usage.source == Source.REACTION,
            )
        ).all()
    )
    if used_at is None:
        for use in uses:
            session.delete(use)
        return bool(uses)
    if uses:
        first, *extra = uses
        for use in extra:  # written before uses were settled under one lock
            session.delete(use)
        moved = as_utc(first.created_at) != used_at
        first.created_at = used_at
        session.add(first)
        return moved or bool(extra)
    session.add(
        Usage(
            workspace_id=workspace_id,
            asset_id=asset_id,
            user_id=user_id,
            source=Source.REACTION,
            created_at=used_at,
        )
    )
    return True


@dataclass(frozen=True)
class Feedback:
    """What a piece of feedback stored, and the private nudge for its author if any."""

    asset: Asset
    value: VoteValue | None
    comment_id: int | None
    review: Review | None  # None without a comment
    owner_id: str
    nudge: Nudge | None = None  # for a flagged comment: why, and a rewording to offer


def judge_comment(
    text: str, *, reviewer: CommentReviewer | None = None
) -> tuple[Review, Nudge | None]:
    """The rules' verdict, made stricter by the model reviewer when one is configured."""
    review = review_comment(text)
    verdict = reviewer.judge(text) if reviewer is not None else None
    if verdict is not None and verdict.blame and not review.flagged:
        # The model may only be stricter: it flags, and the comment is never quoted.
        review = replace(review, flagged=True, reasons=("blame",), quotable=False)
    rewording = verdict.rewording if verdict is not None else None
    return review, build_nudge(text, review, rewording=rewording)


def give_feedback(
    *,
    session: Session,
    workspace: WorkspaceRef,
    asset_id: int,
    user_id: str,
    value: VoteValue | None,
    comment: str,
    followup_ok: bool,
    source: Source,
    campaign_id: int | None = None,
    reviewer: CommentReviewer | None = None,
) -> Feedback | None:
    """Record a vote and/or comment on an asset of this workspace; None if there is no such asset.

    The comment is stored even when it is accusatory (SPEC blame-free rule 3): it is
    flagged, so the digest counts it in themes and never quotes it.
    """
    review: Review | None = None
    nudge: Nudge | None = None
    if comment:
        # Before the transaction: the model reviewer is a network call (seconds), and no
        # write transaction (SQLite's write lock) may wait on the network.
        review, nudge = judge_comment(comment, reviewer=reviewer)
    with writing(session):
        row = session.execute(
            sa.select(Asset, col(Campaign.marketer_id))
            .outerjoin(Campaign, col(Campaign.id) == col(Asset.campaign_id))
            .where(col(Asset.workspace_id) == workspace.id, col(Asset.id) == asset_id)
        ).first()
        if row is None:
            return None
        asset: Asset = row[0]
        owner = str(row[1] or asset.added_by)
        assert asset.id is not None
        if campaign_id is not None and not _in_campaign(session, asset.id, campaign_id):
            campaign_id = None  # the modal was opened on another campaign's announcement
        now = utcnow()
        if value is not None:
            set_vote(
                session=session,
                workspace_id=asset.workspace_id,
                asset_id=asset.id,
                user_id=user_id,
                value=value,
                source=source,
                at=now,
            )
        comment_id = None
        if comment and review is not None:
            stored = Comment(
                workspace_id=asset.workspace_id,
                asset_id=asset.id,
                campaign_id=campaign_id if campaign_id is not None else asset.campaign_id,
                user_id=user_id,
                text=comment,
                value=value,
                followup_ok=followup_ok,
                flagged=review.flagged,
                source=source,
                created_at=now,
            )
            session.add(stored)
            session.flush()
            comment_id = stored.id
    session.refresh(asset)
    return Feedback(
        asset=asset,
        value=value,
        comment_id=comment_id,
        review=review,
        owner_id=owner,
        nudge=nudge,
    )


@dataclass(frozen=True)
class OwnComment:
    """A person's own stored comment, as the Reword form shows it."""

    comment_id: int
    text: str
    flagged: bool
    asset_handle: str
    asset_title: str
    owner_id: str


def get_own_comment(
    *, session: Session, workspace: WorkspaceRef, user_id: str, comment_id: int
) -> OwnComment | None:
    """One of this person's comments in this workspace, or None (someone else's, or gone)."""
    with reading_step(session):
        row = session.execute(
            sa.select(
                Comment,
                col(Asset.handle),
                col(Asset.title),
                col(Asset.added_by),
                col(Campaign.marketer_id),
            )
            .join(Asset, col(Asset.id) == col(Comment.asset_id))
            .outerjoin(Campaign, col(Campaign.id) == col(Asset.campaign_id))
            .where(
                col(Comment.workspace_id) == workspace.id,
                col(Comment.id) == comment_id,
                col(Comment.user_id) == user_id,
            )
        ).first()
    if row is None:
        return None
    comment: Comment = row[0]
    assert comment.id is not None
    return OwnComment(
        comment_id=comment.id,
        text=comment.text,
        flagged=comment.flagged,
        asset_handle=row[1],
        asset_title=row[2],
        owner_id=str(row[4] or row[3]),
    )


@dataclass(frozen=True)
class Reworded:
    """What became of a rewording: saved, or still flagged (and why), or no such comment."""

    comment: OwnComment | None
    saved: bool
    nudge: Nudge | None = None


def reword_comment(
    *,
    session: Session,
    workspace: WorkspaceRef,
    user_id: str,
    comment_id: int,
    text: str,
    reviewer: CommentReviewer | None = None,
) -> Reworded:
    """Replace a person's own comment with a new wording; the vote is left as it is.

    A wording that is still flagged is not saved: the person gets the nudge again.
    """
    own = get_own_comment(
        session=session, workspace=workspace, user_id=user_id, comment_id=comment_id
    )
    if own is None:
        return Reworded(comment=None, saved=False)
    review, nudge = judge_comment(text, reviewer=reviewer)
    if review.flagged:
        return Reworded(comment=own, saved=False, nudge=nudge)
    with writing(session):
        stored = session.get(Comment, comment_id)
        if stored is None:
            return Reworded(comment=None, saved=False)
        stored.text = text
        stored.flagged = False
        session.add(stored)
    return Reworded(comment=replace(own, text=text, flagged=False), saved=True)


def _in_campaign(session: Session, asset_id: int, campaign_id: int) -> bool:
    found = session.exec(
        select(CampaignAsset.id).where(
            CampaignAsset.asset_id == asset_id, CampaignAsset.campaign_id == campaign_id
        )
    ).first()
    return found is not None


def resolve_quick(
    *, session: Session, workspace: WorkspaceRef, command: QuickFeedback
) -> tuple[QuickFeedback, AssetRef] | Lookup:
    """The reading of `/feedback` text that names exactly one asset.

    A handle wins at once; otherwise the reading whose asset name is longest (a title
    such as "Scale up playbook" beats its first word), else the first reading's lookup,
    whose candidates are the closest matches.
    """
    first: Lookup | None = None
    best: tuple[QuickFeedback, AssetRef] | None = None
    for reading in (command, *command.alternatives):
        found = find_asset(session=session, workspace=workspace, name=reading.asset)
        first = first or found
        if found.match is None:
            continue
        if normalise_handle(reading.asset) is not None:
            return reading, found.match
        if best is None or len(reading.asset) > len(best[0].asset):
            best = (reading, found.match)
    if best is not None:
        return best
    assert first is not None
    return first
