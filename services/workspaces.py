"""Workspaces, their admins and their configuration."""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.db import SessionScope, writing
from models import (
    Launcher,
    LaunchPolicy,
    SalesChannel,
    Workspace,
    WorkspaceAdmin,
    WorkspaceRef,
    utcnow,
)
from services.errors import UserError

MAX_NAMED_ADMINS = 50


def ensure_workspace(*, session: Session, team_id: str) -> Workspace:
    """The workspace row for a team, created on first contact (safe under concurrency)."""
    existing = session.exec(select(Workspace).where(Workspace.team_id == team_id)).first()
    if existing is not None:
        return existing
    with writing(session):
        try:
            with session.begin_nested():
                session.add(Workspace(team_id=team_id))
        except sa.exc.IntegrityError:
            pass  # another request created it between our read and our insert
        found = session.exec(select(Workspace).where(Workspace.team_id == team_id)).one()
    return found


def ref_of(workspace: Workspace) -> WorkspaceRef:
    """The identity of a stored workspace row."""
    assert workspace.id is not None
    return WorkspaceRef(id=workspace.id, team_id=workspace.team_id)


def find_workspace(*, session: Session, team_id: str) -> WorkspaceRef | None:
    """The workspace of a team if Liaison has seen it; nothing is created."""
    found = session.exec(select(Workspace.id).where(Workspace.team_id == team_id)).first()
    return None if found is None else WorkspaceRef(id=found, team_id=team_id)


def workspace_by_id(*, session: Session, workspace_id: int) -> WorkspaceRef | None:
    """The workspace a job names by row id (jobs persist ids), None when it is gone."""
    found = session.exec(select(Workspace.team_id).where(Workspace.id == workspace_id)).first()
    return None if found is None else WorkspaceRef(id=workspace_id, team_id=found)


def resolve_workspace(*, db: SessionScope, read: SessionScope, team_id: str) -> WorkspaceRef:
    """The one resolver: a team's workspace, created on first contact (safe under concurrency).

    Looked up on a read-only session first (never queued behind a writer on SQLite); only
    a team's first request writes.
    """
    with read() as session:
        found = find_workspace(session=session, team_id=team_id)
    if found is not None:
        return found
    with db() as session:
        return ref_of(ensure_workspace(session=session, team_id=team_id))


def load_workspace(*, session: Session, workspace: WorkspaceRef) -> Workspace:
    """The row behind a resolved workspace, to read or change its settings."""
    row = session.get(Workspace, workspace.id)
    if row is None:  # forgotten (uninstalled and purged) since it was resolved: as on first contact
        return ensure_workspace(session=session, team_id=workspace.team_id)
    return row


def is_named_admin(*, session: Session, workspace: WorkspaceRef, user_id: str) -> bool:
    """True when a workspace admin has named this person a Liaison admin."""
    query = select(WorkspaceAdmin.id).where(
        WorkspaceAdmin.workspace_id == workspace.id, WorkspaceAdmin.user_id == user_id
    )
    return session.exec(query).first() is not None


def add_admin(*, session: Session, workspace: WorkspaceRef, user_id: str, added_by: str) -> bool:
    """Name a Liaison admin; False when they already were one."""
    stored = load_workspace(session=session, workspace=workspace)
    if is_named_admin(session=session, workspace=workspace, user_id=user_id):
        return False
    count = session.exec(
        select(sa.func.count()).where(WorkspaceAdmin.workspace_id == stored.id)
    ).one()
    if count >= MAX_NAMED_ADMINS:
        raise UserError(
            f"Liaison keeps at most {MAX_NAMED_ADMINS} named admins; remove one first "
            "with `/liaison admins remove @person`."
        )
    assert stored.id is not None
    with writing(session):
        try:
            with session.begin_nested():
                session.add(
                    WorkspaceAdmin(workspace_id=stored.id, user_id=user_id, added_by=added_by)
                )
        except sa.exc.IntegrityError:
            return False  # named at the same moment by someone else: nothing to write
    return True


def remove_admin(*, session: Session, workspace: WorkspaceRef, user_id: str) -> bool:
    """Remove a named Liaison admin; False when they were not one."""
    row = session.exec(
        select(WorkspaceAdmin).where(
            WorkspaceAdmin.workspace_id == workspace.id, WorkspaceAdmin.user_id == user_id
        )
    ).first()
    if row is None:
        return False
    with writing(session):
        session.delete(row)
    return True


def list_admins(*, session: Session, workspace: WorkspaceRef) -> list[str]:
    """User ids of the named Liaison admins, oldest first."""
    query = (
        select(WorkspaceAdmin.user_id)
        .where(WorkspaceAdmin.workspace_id == workspace.id)
        .order_by(col(WorkspaceAdmin.id))
    )
    return list(session.exec(query).all())


def add_sales_channel(
    *, session: Session, workspace: WorkspaceRef, channel_id: str, added_by: str
) -> bool:
    """Make a channel a default launch target; False when it already was one."""
    stored = load_workspace(session=session, workspace=workspace)
    assert stored.id is not None
    exists = session.exec(
        select(SalesChannel.id).where(
            SalesChannel.workspace_id == stored.id, SalesChannel.channel_id == channel_id
        )
    ).first()
    if exists is not None:
        return False
    with writing(session):
        try:
            with session.begin_nested():
                session.add(
                    SalesChannel(workspace_id=stored.id, channel_id=channel_id, added_by=added_by)
                )
        except sa.exc.IntegrityError:
            return False  # named at the same moment by someone else: nothing to write
    return True


def list_sales_channels(*, session: Session, workspace: WorkspaceRef) -> list[str]:
    """Channel ids of the workspace's default launch targets."""
    query = (
        select(SalesChannel.channel_id)
        .where(SalesChannel.workspace_id == workspace.id)
        .order_by(col(SalesChannel.id))
    )
    return list(session.exec(query).all())


def set_digest_shared(*, session: Session, workspace: WorkspaceRef, allow: bool) -> None:
    """Allow (or keep out) the digest in channels shared with another organisation."""
    stored = load_workspace(session=session, workspace=workspace)
    with writing(session):
        stored.digest_shared_allowed = allow
        stored.updated_at = utcnow()
        session.add(stored)


def set_digest_channel(
    *, session: Session, workspace: WorkspaceRef, channel_id: str, timezone: str | None
) -> Workspace:
    """Send the weekly digest to a channel; the first time, adopt the caller's time zone."""
    stored = load_workspace(session=session, workspace=workspace)
    with writing(session):
        first_time = stored.digest_channel_id is None
        stored.digest_channel_id = channel_id
        if first_time and timezone:
            stored.timezone = timezone
        stored.updated_at = utcnow()
        session.add(stored)
    return stored


def set_schedule(
    *, session: Session, workspace: WorkspaceRef, weekday: int, at: time, timezone: str | None
) -> Workspace:
    """Set the weekly digest's weekday, time and (when given) time zone."""
    stored = load_workspace(session=session, workspace=workspace)
    with writing(session):
        stored.digest_weekday = weekday
        stored.digest_time = at.strftime("%H:%M")
        if timezone:
            stored.timezone = timezone
        stored.updated_at = utcnow()
        session.add(stored)
    return stored


def set_launchers_everyone(*, session: Session, workspace: WorkspaceRef) -> None:
    """Let everyone launch (named launchers are kept for a later restriction)."""
    stored = load_workspace(session=session, workspace=workspace)
    with writing(session):
        stored.launch_policy = LaunchPolicy.EVERYONE
        stored.updated_at = utcnow()
        session.add(stored)


def add_launcher(*, session: Session, workspace: WorkspaceRef, user_id: str, added_by: str) -> bool:
    """Restrict launching to named people, adding one; False when already named."""
    stored = load_workspace(session=session, workspace=workspace)
    assert stored.id is not None
    with writing(session):
        stored.launch_policy = LaunchPolicy.NAMED
        session.add(stored)
        exists = session.exec(
            select(Launcher.id).where(
                Launcher.workspace_id == stored.id, Launcher.user_id == user_id
            )
        ).first()
        if exists is None:
            session.add(Launcher(workspace_id=stored.id, user_id=user_id, added_by=added_by))
    return exists is None


def remove_launcher(*, session: Session, workspace: WorkspaceRef, user_id: str) -> bool:
    """Remove a named launcher; False when they were not one."""
    row = session.exec(
        select(Launcher).where(Launcher.workspace_id == workspace.id, Launcher.user_id == user_id)
    ).first()
    if row is None:
        return False
    with writing(session):
        session.delete(row)
    return True


def set_launch_usergroup(*, session: Session, workspace: WorkspaceRef, usergroup_id: str) -> None:
    """Restrict launching to the members of a user group."""
    stored = load_workspace(session=session, workspace=workspace)
    with writing(session):
        stored.launch_policy = LaunchPolicy.USERGROUP
        stored.launch_usergroup_id = usergroup_id
        stored.updated_at = utcnow()
        session.add(stored)


def list_launchers(*, session: Session, workspace: WorkspaceRef) -> list[str]:
    """User ids of the named launchers, oldest first."""
    query = (
        select(Launcher.user_id)
        .where(Launcher.workspace_id == workspace.id)
        .order_by(col(Launcher.id))
    )
    return list(session.exec(query).all())
