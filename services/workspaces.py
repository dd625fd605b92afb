"""Workspaces, their admins and their configuration."""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.db import writing
from models import Launcher, LaunchPolicy, SalesChannel, Workspace, WorkspaceAdmin, utcnow
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


def get_workspace(*, session: Session, team_id: str) -> Workspace | None:
    """The workspace row for a team, if Liaison has seen it."""
    return session.exec(select(Workspace).where(Workspace.team_id == team_id)).first()


def is_named_admin(*, session: Session, team_id: str, user_id: str) -> bool:
    """True when a workspace admin has named this person a Liaison admin."""
    query = (
        select(WorkspaceAdmin.id)
        .join(Workspace, col(Workspace.id) == WorkspaceAdmin.workspace_id)
        .where(Workspace.team_id == team_id, WorkspaceAdmin.user_id == user_id)
    )
    return session.exec(query).first() is not None


def add_admin(*, session: Session, team_id: str, user_id: str, added_by: str) -> bool:
    """Name a Liaison admin; False when they already were one."""
    workspace = ensure_workspace(session=session, team_id=team_id)
    if is_named_admin(session=session, team_id=team_id, user_id=user_id):
        return False
    count = session.exec(
        select(sa.func.count()).where(WorkspaceAdmin.workspace_id == workspace.id)
    ).one()
    if count >= MAX_NAMED_ADMINS:
        raise UserError(
            f"Liaison keeps at most {MAX_NAMED_ADMINS} named admins; remove one first "
            "with `/liaison admins remove @person`."
        )
    assert workspace.id is not None
    with writing(session):
        try:
            with session.begin_nested():
                session.add(
                    WorkspaceAdmin(workspace_id=workspace.id, user_id=user_id, added_by=added_by)
                )
        except sa.exc.IntegrityError:
            return False  # named at the same moment by someone else: nothing to write
    return True


def remove_admin(*, session: Session, team_id: str, user_id: str) -> bool:
    """Remove a named Liaison admin; False when they were not one."""
    workspace = get_workspace(session=session, team_id=team_id)
    if workspace is None:
        return False
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


def list_admins(*, session: Session, team_id: str) -> list[str]:
    """User ids of the named Liaison admins, oldest first."""
    query = (
        select(WorkspaceAdmin.user_id)
        .join(Workspace, col(Workspace.id) == WorkspaceAdmin.workspace_id)
        .where(Workspace.team_id == team_id)
        .order_by(col(WorkspaceAdmin.id))
    )
    return list(session.exec(query).all())


def add_sales_channel(*, session: Session, team_id: str, channel_id: str, added_by: str) -> bool:
    """Make a channel a default launch target; False when it already was one."""
    workspace = ensure_workspace(session=session, team_id=team_id)
    assert workspace.id is not None
    exists = session.exec(
        select(SalesChannel.id).where(
            SalesChannel.workspace_id == workspace.id, SalesChannel.channel_id == channel_id
        )
    ).first()
    if exists is not None:
        return False
    with writing(session):
        try:
            with session.begin_nested():
                session.add(
                    SalesChannel(
                        workspace_id=workspace.id, channel_id=channel_id, added_by=added_by
                    )
                )
        except sa.exc.IntegrityError:
            return False  # named at the same moment by someone else: nothing to write
    return True


def list_sales_channels(*, session: Session, team_id: str) -> list[str]:
    """Channel ids of the workspace's default launch targets."""
    query = (
        select(SalesChannel.channel_id)
        .join(Workspace, col(Workspace.id) == SalesChannel.workspace_id)
        .where(Workspace.team_id == team_id)
        .order_by(col(SalesChannel.id))
    )
    return list(session.exec(query).all())


def set_digest_shared(*, session: Session, team_id: str, allow: bool) -> None:
    """Allow (or keep out) the digest in channels shared with another organisation."""
    workspace = ensure_workspace(session=session, team_id=team_id)
    with writing(session):
        workspace.digest_shared_allowed = allow
        workspace.updated_at = utcnow()
        session.add(workspace)


def set_digest_channel(
    *, session: Session, team_id: str, channel_id: str, timezone: str | None
) -> Workspace:
    """Send the weekly digest to a channel; the first time, adopt the caller's time zone."""
    workspace = ensure_workspace(session=session, team_id=team_id)
    with writing(session):
        first_time = workspace.digest_channel_id is None
        workspace.digest_channel_id = channel_id
        if first_time and timezone:
            workspace.timezone = timezone
        workspace.updated_at = utcnow()
        session.add(workspace)
    return workspace


def set_schedule(
    *, session: Session, team_id: str, weekday: int, at: time, timezone: str | None
) -> Workspace:
    """Set the weekly digest's weekday, time and (when given) time zone."""
    workspace = ensure_workspace(session=session, team_id=team_id)
    with writing(session):
        workspace.digest_weekday = weekday
        workspace.digest_time = at.strftime("%H:%M")
        if timezone:
            workspace.timezone = timezone
        workspace.updated_at = utcnow()
        session.add(workspace)
    return workspace


def set_launchers_everyone(*, session: Session, team_id: str) -> None:
    """Let everyone launch (named launchers are kept for a later restriction)."""
    workspace = ensure_workspace(session=session, team_id=team_id)
    with writing(session):
        workspace.launch_policy = LaunchPolicy.EVERYONE
        workspace.updated_at = utcnow()
        session.add(workspace)


def add_launcher(*, session: Session, team_id: str, user_id: str, added_by: str) -> bool:
    """Restrict launching to named people, adding one; False when already named."""
    workspace = ensure_workspace(session=session, team_id=team_id)
    assert workspace.id is not None
    with writing(session):
        workspace.launch_policy = LaunchPolicy.NAMED
        session.add(workspace)
        exists = session.exec(
            select(Launcher.id).where(
                Launcher.workspace_id == workspace.id, Launcher.user_id == user_id
            )
        ).first()
        if exists is None:
            session.add(Launcher(workspace_id=workspace.id, user_id=user_id, added_by=added_by))
    return exists is None


def remove_launcher(*, session: Session, team_id: str, user_id: str) -> bool:
    """Remove a named launcher; False when they were not one."""
    workspace = get_workspace(session=session, team_id=team_id)
    if workspace is None:
        return False
    row = session.exec(
        select(Launcher).where(Launcher.workspace_id == workspace.id, Launcher.user_id == user_id)
    ).first()
    if row is None:
        return False
    with writing(session):
        session.delete(row)
    return True


def set_launch_usergroup(*, session: Session, team_id: str, usergroup_id: str) -> None:
    """Restrict launching to the members of a user group."""
    workspace = ensure_workspace(session=session, team_id=team_id)
    with writing(session):
        workspace.launch_policy = LaunchPolicy.USERGROUP
        workspace.launch_usergroup_id = usergroup_id
        workspace.updated_at = utcnow()
        session.add(workspace)


def list_launchers(*, session: Session, team_id: str) -> list[str]:
    """User ids of the named launchers, oldest first."""
    query = (
        select(Launcher.user_id)
        .join(Workspace, col(Workspace.id) == Launcher.workspace_id)
        .where(Workspace.team_id == team_id)
        .order_by(col(Launcher.id))
    )
    return list(session.exec(query).all())
