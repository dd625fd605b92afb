"""One workspace's feedback as CSV, streamed: keyset batches, constant memory, short reads.

Votes, uses and comments are each read in (created_at, id) order over their period
indexes, `batch_size` rows at a time, and merged in Python, so memory holds at most three
batches however long the period. Each batch is its own short transaction: on SQLite every
transaction takes the write lock (core.db), and one long read would stall every vote.
The period's end is fixed when the export starts, so a vote changed meanwhile (its time
moves to now) is never written twice.

Two use cases: `export_feedback` writes the CSV wherever its caller opens (the command
line's file or stdout), and `send_feedback_export` is `/liaison export`, which checks who
asks and uploads the file to their DM with Liaison.
"""

from __future__ import annotations

import csv
import heapq
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlmodel import Session, col

from blocks.config import export_comment, export_title
from core.db import SessionScope, reading
from domain.configuration import Outcome, Result
from domain.export import (
    COLUMNS,
    ExportPeriod,
    FeedbackRecord,
    Kind,
    display_name,
    export_filename,
    export_row,
)
from domain.permissions import may_configure
from models import Asset, Campaign, Comment, Usage, Vote, WorkspaceRef, as_utc
from services.access import get_user
from services.workspaces import is_named_admin

BATCH_SIZE = 2_000
# users.info per opted-in author: beyond this many, the export shows their Slack ids.
MAX_NAMED_AUTHORS = 100

Progress = Callable[[int], None]
# Opens where an export's CSV goes, told how many rows it will hold (for a progress bar).
# The file must be opened with newline="" (the csv module writes CRLF itself).
Opener = Callable[[int], AbstractContextManager[TextIO]]


def may_export(*, session: Session, workspace: WorkspaceRef, actor: Mapping[str, Any]) -> bool:
    """True when this Slack user may export (the configuration rule: admins, owners, named)."""
    with reading(session):
        named = is_named_admin(
            session=session, workspace=workspace, user_id=str(actor.get("id", ""))
        )
    return may_configure(actor, named_admin=named, workspace_key=workspace.team_id)


def _span(column: Any, period: ExportPeriod) -> sa.ColumnElement[bool]:
    # Bound UTC boundaries on the bare column, so the period indexes are used.
    return sa.and_(column >= as_utc(period.start), column < as_utc(period.end))


def count_feedback(*, session: Session, workspace: WorkspaceRef, period: ExportPeriod) -> int:
    """How many rows an export of this period holds."""
    total = 0
    with reading(session):
        for model in (Vote, Usage, Comment):
            created = col(model.created_at)
            total += session.execute(
                sa.select(sa.func.count())
                .select_from(model)
                .where(col(model.workspace_id) == workspace.id, _span(created, period))
            ).scalar_one()
    return total


def followup_authors(
    *,
    session: Session,
    workspace: WorkspaceRef,
    period: ExportPeriod,
    limit: int = MAX_NAMED_AUTHORS,
) -> list[str]:
    """Slack ids of the people whose comments in the period the export may name."""
    with reading(session):
        ids = (
            session.execute(
                sa.select(col(Comment.user_id))
                .where(
                    col(Comment.workspace_id) == workspace.id,
                    _span(col(Comment.created_at), period),
                    col(Comment.followup_ok).is_(True),
                    col(Comment.flagged).is_(False),
                )
                .distinct()
                .order_by(col(Comment.user_id))
                .limit(limit)
            )
            .scalars()
            .all()
        )
    return list(ids)


def _after(created: Any, row_id: Any, after: tuple[datetime, int] | None) -> Any:
    if after is None:
        return sa.true()
    at, last_id = after
    # (created, id) > (at, last_id), written so the index range on created_at still applies.
    return sa.and_(created >= at, sa.or_(created > at, row_id > last_id))


def _batches(
    session: Session,
    query: Any,
    created: Any,
    row_id: Any,
    batch_size: int,
) -> Iterator[sa.Row[Any]]:
    after: tuple[datetime, int] | None = None
    while True:
        with reading(session):  # no transaction is held while rows are written out
            rows = session.execute(
                query.where(_after(created, row_id, after))
                .order_by(created, row_id)
                .limit(batch_size)
            ).all()
        yield from rows
        if len(rows) < batch_size:
            return
        after = (rows[-1].created_at, rows[-1].id)


def _asset_feedback(
    session: Session,
    workspace: WorkspaceRef,
    period: ExportPeriod,
    batch_size: int,
    *,
    model: type[Vote] | type[Usage],
    kind: Kind,
) -> Iterator[FeedbackRecord]:
    """Votes or uses of the period: both are one person's mark on one asset."""
    created, row_id = col(model.created_at), col(model.id)
    value = col(Vote.value) if model is Vote else sa.null()
    query = (
        sa.select(
            row_id,
            created,
            value.label("value"),
            col(model.source),
            col(Asset.handle),
            col(Asset.title),
            col(Campaign.name),
        )
        .join(Asset, col(Asset.id) == col(model.asset_id))
        .outerjoin(Campaign, col(Campaign.id) == col(Asset.campaign_id))
        .where(col(model.workspace_id) == workspace.id, _span(created, period))
    )
    for row in _batches(session, query, created, row_id, batch_size):
        yield FeedbackRecord(
            at=as_utc(row.created_at),
            kind=kind,
            row_id=row.id,
            asset_handle=row.handle,
            asset_title=row.title,
            campaign=row.name or "",
            value=str(row.value) if row.value is not None else None,
            source=str(row.source),
        )


def _votes(
    session: Session, workspace: WorkspaceRef, period: ExportPeriod, batch_size: int
) -> Iterator[FeedbackRecord]:
    return _asset_feedback(session, workspace, period, batch_size, model=Vote, kind=Kind.VOTE)


def _uses(
    session: Session, workspace: WorkspaceRef, period: ExportPeriod, batch_size: int
) -> Iterator[FeedbackRecord]:
    return _asset_feedback(session, workspace, period, batch_size, model=Usage, kind=Kind.USE)


def _comments(
    session: Session, workspace: WorkspaceRef, period: ExportPeriod, batch_size: int
) -> Iterator[FeedbackRecord]:
    query = (
        sa.select(
            col(Comment.id),
            col(Comment.created_at),
            col(Comment.value),
            col(Comment.source),
            col(Comment.text),
            col(Comment.flagged),
            col(Comment.followup_ok),
            col(Comment.user_id),
            col(Asset.handle),
            col(Asset.title),
            col(Campaign.name),
        )
        .outerjoin(Asset, col(Asset.id) == col(Comment.asset_id))
        .outerjoin(
            Campaign,
            col(Campaign.id) == sa.func.coalesce(col(Comment.campaign_id), col(Asset.campaign_id)),
        )
        .where(col(Comment.workspace_id) == workspace.id, _span(col(Comment.created_at), period))
    )
    for row in _batches(session, query, col(Comment.created_at), col(Comment.id), batch_size):
        shown = bool(row.followup_ok) and not row.flagged
        yield FeedbackRecord(
            at=as_utc(row.created_at),
            kind=Kind.COMMENT,
            row_id=row.id,
            asset_handle=row.handle or "",
            asset_title=row.title or "",
            campaign=row.name or "",
            value=str(row.value) if row.value is not None else None,
            source=str(row.source),
            text=row.text,
            flagged=bool(row.flagged),
            followup_ok=bool(row.followup_ok),
            # Anyone else's id never leaves the database.
            user_id=row.user_id if shown else "",
        )


def iter_feedback(
    *, session: Session, workspace: WorkspaceRef, period: ExportPeriod, batch_size: int = BATCH_SIZE
) -> Iterator[FeedbackRecord]:
    """Every vote, use and comment of the period, oldest first, read in batches."""
    streams = (
        reader(session, workspace, period, batch_size) for reader in (_votes, _uses, _comments)
    )
    return heapq.merge(*streams, key=lambda record: record.order)


def write_feedback_csv(
    *,
    session: Session,
    workspace: WorkspaceRef,
    period: ExportPeriod,
    out: TextIO,
    names: Mapping[str, str],
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> int:
    """Write the period's feedback as CSV (header first) to `out`; returns the row count.

    `out` must be opened with newline="" (the csv module writes CRLF itself);
    `progress` is told the rows written so far after every batch and at the end.
    """
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    written = 0
    for record in iter_feedback(
        session=session, workspace=workspace, period=period, batch_size=batch_size
    ):
        writer.writerow(export_row(record, names))
        written += 1
        if progress is not None and written % batch_size == 0:
            progress(written)
    if progress is not None:
        progress(written)
    return written


@dataclass(frozen=True)
class FeedbackExport:
    """What one export wrote."""

    workspace_id: int
    total: int = 0  # rows the period held when the export started
    rows: int = 0  # rows written


def export_feedback(
    *,
    db: SessionScope,
    workspace: WorkspaceRef,
    period: ExportPeriod,
    out: Opener,
    client: WebClient | None = None,
    progress: Progress | None = None,
) -> FeedbackExport:
    """Write a team's feedback of the period as CSV to what `out` opens; the rows written.

    With a client, the opted-in authors are named (users.info, asked between the reads,
    never inside a transaction); without, they keep their Slack ids.
    """
    with db() as session:
        total = count_feedback(session=session, workspace=workspace, period=period)
        authors = followup_authors(session=session, workspace=workspace, period=period)
    names = author_names(client=client, user_ids=authors) if client is not None else {}
    with out(total) as handle, db() as session:
        rows = write_feedback_csv(
            session=session,
            workspace=workspace,
            period=period,
            out=handle,
            names=names,
            progress=progress,
        )
    return FeedbackExport(workspace_id=workspace.id, total=total, rows=rows)


def author_names(*, client: WebClient, user_ids: list[str]) -> dict[str, str]:
    """The display names of these Slack users, as far as Slack will say."""
    names: dict[str, str] = {}
    for user_id in user_ids:
        try:
            names[user_id] = display_name(get_user(client=client, user_id=user_id))
        except SlackApiError:
            continue  # a deleted or unknown person keeps their Slack id in the file
        except (SlackClientError, OSError):
            break  # Slack unreachable: the export goes on with ids
    return names


def send_feedback_export(
    *,
    db: SessionScope,
    client: WebClient,
    workspace: WorkspaceRef,
    user_id: str,
    period: ExportPeriod,
    notify: Callable[[Outcome], None],
) -> Outcome:
    """`/liaison export`: the feedback as CSV, uploaded to the person's DM with Liaison.

    Who may export is checked before anything is promised (`notify` then hears that the
    export is being prepared); the file is written from batched reads (no transaction
    spans a Slack call) to a temporary file, then uploaded. Exports change nothing, so a
    failure loses nothing.
    """
    actor = get_user(client=client, user_id=user_id)
    with db() as session:
        allowed = may_export(session=session, workspace=workspace, actor=actor)
    if not allowed:
        return Outcome(Result.EXPORT_REFUSED)
    notify(Outcome(Result.EXPORT_PREPARING, since=period.since))
    with tempfile.TemporaryDirectory(prefix="liaison-export-") as folder:
        path = Path(folder) / export_filename(workspace.team_id, period)
        written = export_feedback(
            db=db,
            workspace=workspace,
            period=period,
            # utf-8-sig: spreadsheet apps then read names and emoji correctly.
            out=lambda _total: path.open("w", encoding="utf-8-sig", newline=""),
            client=client,
        )
        if written.rows == 0:
            return Outcome(Result.EXPORT_EMPTY, since=period.since)
        try:
            dm = client.conversations_open(users=user_id)["channel"]["id"]
            client.files_upload_v2(
                channel=dm,
                file=str(path),
                filename=path.name,
                title=export_title(period.since),
                initial_comment=export_comment(since=period.since, rows=written.rows),
            )
        except SlackApiError as error:
            return Outcome(Result.EXPORT_FAILED, error=str(error.response.get("error")))
    return Outcome(Result.EXPORT_SENT, since=period.since, rows=written.rows)
