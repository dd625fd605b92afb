"""Feedback as people give it: the modal, `/feedback` in one line, and rewording a comment.

Each function is one person's action, start to finish: it opens and ends its own
transactions, and asks for the App Home refresh its change calls for.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.db import SessionScope
from domain.assets import AssetRef, Lookup
from domain.feedback import FeedbackForm, QuickFeedback
from domain.nudge import build_nudge
from domain.review import review_comment
from models import Source, VoteValue, WorkspaceRef
from services.collateral import pick_assets
from services.errors import UserError
from services.home import HomeRefresh
from services.reviewer import CommentReviewer
from services.votes import (
    Feedback,
    OwnComment,
    Reworded,
    get_own_comment,
    give_feedback,
    resolve_quick,
    reword_comment,
)

GONE = "That comment can't be reworded any more: it was removed."


def submit_feedback(
    *,
    db: SessionScope,
    homes: HomeRefresh,
    reviewer: CommentReviewer | None,
    workspace: WorkspaceRef,
    author_id: str,
    form: FeedbackForm,
    campaign_id: int | None,
) -> Feedback | None:
    """Store the feedback modal's vote and comment; None when the asset no longer exists."""
    with db() as session:
        saved = give_feedback(
            session=session,
            workspace=workspace,
            asset_id=form.asset_id,
            user_id=author_id,
            value=VoteValue(form.verdict.value) if form.verdict is not None else None,
            comment=form.comment,
            followup_ok=form.followup_ok,
            source=Source.MODAL,
            campaign_id=campaign_id,
            reviewer=reviewer,
        )
    if saved is not None:
        homes.refresh(workspace.team_id, saved.owner_id)
    return saved


def give_quick_feedback(
    *,
    db: SessionScope,
    read: SessionScope,
    homes: HomeRefresh,
    reviewer: CommentReviewer | None,
    workspace: WorkspaceRef,
    user_id: str,
    command: QuickFeedback,
) -> Feedback | Lookup | None:
    """Store `/feedback <asset> <up|down> [comment]`.

    Returns what was stored; the lookup (with its closest candidates) when the text names
    no single asset; None when the asset was deleted between the lookup and the save.
    """
    with read() as session:
        resolved = resolve_quick(session=session, workspace=workspace, command=command)
    if not isinstance(resolved, tuple):
        return resolved
    reading, ref = resolved
    # A session of its own: the comment is reviewed before its write transaction begins.
    with db() as session:
        saved = give_feedback(
            session=session,
            workspace=workspace,
            asset_id=ref.id,
            user_id=user_id,
            value=VoteValue(reading.verdict.value),
            comment=reading.comment,
            followup_ok=False,
            source=Source.COMMAND,
            reviewer=reviewer,
        )
    if saved is not None:
        homes.refresh(workspace.team_id, saved.owner_id)
    return saved


@dataclass(frozen=True)
class RewordForm:
    """What the Reword form opens with: the comment, and a blame-free wording to start from."""

    comment: OwnComment
    rewording: str


def open_reword(
    *, db: SessionScope, workspace: WorkspaceRef, user_id: str, comment_id: int
) -> RewordForm:
    """The person's own comment with its suggested rewording, or a UserError when it is gone."""
    with db() as session:
        own = get_own_comment(
            session=session, workspace=workspace, user_id=user_id, comment_id=comment_id
        )
    if own is None:
        raise UserError(GONE)
    nudge = build_nudge(own.text, review_comment(own.text))
    return RewordForm(comment=own, rewording=nudge.rewording if nudge is not None else own.text)


def submit_reword(
    *,
    db: SessionScope,
    homes: HomeRefresh,
    reviewer: CommentReviewer | None,
    workspace: WorkspaceRef,
    user_id: str,
    comment_id: int,
    text: str,
) -> Reworded:
    """Replace the person's comment with a new wording, unless that wording is still flagged."""
    with db() as session:
        result = reword_comment(
            session=session,
            workspace=workspace,
            user_id=user_id,
            comment_id=comment_id,
            text=text,
            reviewer=reviewer,
        )
    if result.saved and result.comment is not None:
        homes.refresh(workspace.team_id, result.comment.owner_id)
    return result


def list_asset_choices(
    *, read: SessionScope, workspace: WorkspaceRef, query: str, campaign_id: int | None
) -> list[AssetRef]:
    """The feedback picker's best matches for what was typed (the campaign's assets first)."""
    with read() as session:
        return pick_assets(
            session=session, workspace=workspace, query=query, campaign_id=campaign_id
        )
