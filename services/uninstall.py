"""What an uninstall does to a workspace's data: stop its queued messages, keep or purge it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import DigestRun, DigestStatus, OutboxMessage, OutboxStatus, ProcessedEvent, Workspace

UNINSTALLED = "Liaison was uninstalled from this workspace"


@dataclass(frozen=True)
class Forgotten:
    """What became of an uninstalled workspace's data."""

    workspace_id: int | None  # None: Liaison never stored anything for it
    cancelled: int  # queued messages that will not be sent
    purged: bool


def forget_workspace(*, session: Session, team_id: str, purge: bool) -> Forgotten:
    """Cancel the workspace's queued messages; with `purge`, delete everything it owns.

    Kept data comes back into use if the workspace installs Liaison again.
    """
    workspace_id = session.exec(select(Workspace.id).where(Workspace.team_id == team_id)).first()
    if workspace_id is None:
        return Forgotten(workspace_id=None, cancelled=0, purged=False)
    cancelled = session.execute(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.workspace_id) == workspace_id,
            col(OutboxMessage.status).in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        )
        .values(status=OutboxStatus.FAILED, error=UNINSTALLED, locked_by=None, locked_until=None)
        .returning(col(OutboxMessage.id))
    ).all()
    # A claimed digest whose message was just cancelled will not post.
    session.execute(
        sa.update(DigestRun)
        .where(
            col(DigestRun.workspace_id) == workspace_id,
            col(DigestRun.status) == DigestStatus.CLAIMED.value,
        )
        .values(status=DigestStatus.FAILED.value)
    )
    if purge:
        # Thread replies point at their announcement without a cascade: children first.
        session.execute(
            sa.delete(OutboxMessage).where(
                col(OutboxMessage.workspace_id) == workspace_id,
                col(OutboxMessage.parent_id).is_not(None),
            )
        )
        session.execute(
            sa.delete(OutboxMessage).where(col(OutboxMessage.workspace_id) == workspace_id)
        )
        session.execute(sa.delete(ProcessedEvent).where(col(ProcessedEvent.team_id) == team_id))
        # Every other table hangs off the workspace with ON DELETE CASCADE.
        session.execute(sa.delete(Workspace).where(col(Workspace.id) == workspace_id))
    session.commit()
    return Forgotten(workspace_id=workspace_id, cancelled=len(cancelled), purged=purge)
