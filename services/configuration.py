"""Use cases behind `/liaison`'s configuration subcommands; each returns a typed outcome."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from slack_sdk import WebClient
from sqlmodel import Session

from core.db import SessionScope
from domain.commands import (
    CONFIG_COMMANDS,
    AdminsAdd,
    AdminsList,
    AdminsRemove,
    DigestHere,
    DigestNow,
    DigestPreview,
    DigestShared,
    Export,
    LaunchersAdd,
    LaunchersEveryone,
    LaunchersGroup,
    LaunchersList,
    LaunchersRemove,
    LiaisonCommand,
    SalesHere,
    Schedule,
)
from domain.configuration import Outcome, Result
from domain.permissions import is_shared_externally, is_workspace_admin, may_configure
from models import WorkspaceRef
from services.access import get_user
from services.digest_access import channel_info
from services.digest_runs import digest_settings
from services.launches import get_launch_policy
from services.scheduling import schedule_digest
from services.workspaces import (
    add_admin,
    add_launcher,
    add_sales_channel,
    is_named_admin,
    list_admins,
    list_launchers,
    load_workspace,
    remove_admin,
    remove_launcher,
    set_digest_channel,
    set_digest_shared,
    set_launch_usergroup,
    set_launchers_everyone,
    set_schedule,
)


def configure(
    *,
    session: Session,
    command: LiaisonCommand,
    workspace: WorkspaceRef,
    actor: dict[str, Any],
    target: dict[str, Any] | None,
    channel_id: str,
    channel: Mapping[str, Any] | None = None,
) -> Outcome:
    """Check the actor may do it, then carry out one `/liaison` subcommand.

    `actor` (and `target` for `admins add`) are Slack user objects, and `channel` the
    current channel's conversations.info (for `digest here`), fetched before the session
    opened, so no Slack call ever runs inside a database transaction.
    """
    actor_id = str(actor.get("id", ""))
    named = is_named_admin(session=session, workspace=workspace, user_id=actor_id)
    if isinstance(command, CONFIG_COMMANDS) and not may_configure(
        actor, named_admin=named, workspace_key=workspace.team_id
    ):
        return Outcome(Result.REFUSED)
    if isinstance(command, AdminsAdd | AdminsRemove) and not is_workspace_admin(actor):
        # Named admins configure Liaison; only Slack's own admins decide who is one.
        return Outcome(Result.ADMINS_ONLY)
    if isinstance(command, AdminsAdd):
        if target is None or target.get("is_bot") or target.get("deleted"):
            return Outcome(Result.ADMIN_NOT_A_PERSON, user_id=command.user_id)
        added = add_admin(
            session=session, workspace=workspace, user_id=command.user_id, added_by=actor_id
        )
        return Outcome(
            Result.ADMIN_ADDED if added else Result.ADMIN_EXISTS, user_id=command.user_id
        )
    if isinstance(command, AdminsRemove):
        removed = remove_admin(session=session, workspace=workspace, user_id=command.user_id)
        return Outcome(
            Result.ADMIN_REMOVED if removed else Result.ADMIN_NOT_NAMED, user_id=command.user_id
        )
    if isinstance(command, AdminsList):
        admins = list_admins(session=session, workspace=workspace)
        return Outcome(Result.ADMINS_LISTED, users=tuple(admins))
    if isinstance(command, SalesHere):
        added = add_sales_channel(
            session=session, workspace=workspace, channel_id=channel_id, added_by=actor_id
        )
        return Outcome(Result.SALES_ADDED if added else Result.SALES_EXISTS, channel_id=channel_id)
    if isinstance(command, DigestShared):
        set_digest_shared(session=session, workspace=workspace, allow=command.allow)
        return Outcome(
            Result.DIGEST_SHARED_ALLOWED if command.allow else Result.DIGEST_SHARED_DENIED
        )
    if isinstance(command, DigestHere):
        allowed = load_workspace(session=session, workspace=workspace).digest_shared_allowed
        if channel is not None and is_shared_externally(channel) and not allowed:
            return Outcome(Result.DIGEST_SHARED_REFUSED, channel_id=channel_id)
        stored = set_digest_channel(
            session=session, workspace=workspace, channel_id=channel_id, timezone=actor.get("tz")
        )
        return Outcome(
            Result.DIGEST_CHANNEL_SET,
            channel_id=channel_id,
            weekday=stored.digest_weekday,
            at=stored.digest_time,
            zone=stored.timezone,
        )
    if isinstance(command, Schedule):
        stored = set_schedule(
            session=session,
            workspace=workspace,
            weekday=command.weekday,
            at=command.at,
            timezone=command.zone,
        )
        return Outcome(
            Result.SCHEDULE_SET,
            weekday=stored.digest_weekday,
            at=stored.digest_time,
            zone=stored.timezone,
        )
    if isinstance(command, LaunchersEveryone):
        set_launchers_everyone(session=session, workspace=workspace)
        return Outcome(Result.LAUNCHERS_EVERYONE)
    if isinstance(command, LaunchersAdd):
        added = add_launcher(
            session=session, workspace=workspace, user_id=command.user_id, added_by=actor_id
        )
        return Outcome(
            Result.LAUNCHER_ADDED if added else Result.LAUNCHER_EXISTS, user_id=command.user_id
        )
    if isinstance(command, LaunchersRemove):
        removed = remove_launcher(session=session, workspace=workspace, user_id=command.user_id)
        return Outcome(
            Result.LAUNCHER_REMOVED if removed else Result.LAUNCHER_NOT_NAMED,
            user_id=command.user_id,
        )
    if isinstance(command, LaunchersGroup):
        set_launch_usergroup(
            session=session, workspace=workspace, usergroup_id=command.usergroup_id
        )
        return Outcome(Result.LAUNCHERS_GROUP, usergroup_id=command.usergroup_id)
    if isinstance(command, LaunchersList):
        policy = get_launch_policy(session=session, workspace=workspace)
        return Outcome(
            Result.LAUNCHERS_LISTED,
            policy=str(policy.policy),
            users=tuple(list_launchers(session=session, workspace=workspace)),
            usergroup_id=policy.usergroup_id or "",
        )
    if isinstance(command, DigestNow | DigestPreview | Export):
        raise AssertionError("digests and exports are made by their own services")
    raise AssertionError(f"unhandled command {command!r}")


def configure_workspace(
    *,
    db: SessionScope,
    client: WebClient,
    scheduler: BaseScheduler,
    command: LiaisonCommand,
    workspace: WorkspaceRef,
    user_id: str,
    channel_id: str,
) -> Outcome:
    """Carry out one `/liaison` configuration subcommand and reschedule the digest if it moved.

    users.info may be retried after a 429 or 5xx for longer than Slack's 3 s, so Slack is
    asked before any database transaction opens.
    """
    actor = get_user(client=client, user_id=user_id)
    target = (
        get_user(client=client, user_id=command.user_id) if isinstance(command, AdminsAdd) else None
    )
    channel = (
        channel_info(client=client, channel_id=channel_id)
        if isinstance(command, DigestHere) and channel_id
        else None
    )
    with db() as session:
        outcome = configure(
            session=session,
            command=command,
            workspace=workspace,
            actor=actor,
            target=target,
            channel_id=channel_id,
            channel=channel,
        )
        found = (
            digest_settings(session=session, workspace=workspace)
            if outcome.result in (Result.DIGEST_CHANNEL_SET, Result.SCHEDULE_SET)
            else None
        )
    # After the session closes: the job store writes through its own connection, and
    # SQLite has one writer.
    if found is not None and found.channel_id is not None:
        schedule_digest(
            scheduler,
            workspace_id=found.workspace_id,
            weekday=found.weekday,
            at=found.at,
            zone=found.zone,
        )
    return outcome
