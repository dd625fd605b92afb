"""Use cases behind `/liaison`'s configuration subcommands; each returns the reply text."""

from __future__ import annotations

from slack_sdk import WebClient
from sqlmodel import Session

from domain.commands import (
    WEEKDAYS,
    AdminsAdd,
    AdminsList,
    AdminsRemove,
    DigestHere,
    DigestNow,
    DigestPreview,
    Export,
    LiaisonCommand,
    SalesHere,
    Schedule,
)
from services.access import get_user
from services.workspaces import (
    add_admin,
    add_sales_channel,
    list_admins,
    remove_admin,
    set_digest_channel,
    set_schedule,
)

NOT_YET = (
    "`/liaison {what}` is not available in this version of Liaison yet: it arrives with the "
    "weekly digest. Your settings are kept."
)


def apply(
    *,
    session: Session,
    client: WebClient,
    command: LiaisonCommand,
    team_id: str,
    user_id: str,
    channel_id: str,
) -> str:
    """Carry out one parsed `/liaison` subcommand and describe the result."""
    if isinstance(command, AdminsAdd):
        person = get_user(client=client, user_id=command.user_id)
        if person.get("is_bot") or person.get("deleted"):
            return f"<@{command.user_id}> can't be a Liaison admin: only active people can."
        added = add_admin(
            session=session, team_id=team_id, user_id=command.user_id, added_by=user_id
        )
        if not added:
            return f"<@{command.user_id}> is already a Liaison admin."
        return f"<@{command.user_id}> can now configure Liaison."
    if isinstance(command, AdminsRemove):
        removed = remove_admin(session=session, team_id=team_id, user_id=command.user_id)
        if not removed:
            return f"<@{command.user_id}> wasn't a named Liaison admin."
        return f"<@{command.user_id}> is no longer a Liaison admin."
    if isinstance(command, AdminsList):
        admins = list_admins(session=session, team_id=team_id)
        if not admins:
            return (
                "No named Liaison admins yet: workspace admins and owners can configure "
                "Liaison, and can name others with `/liaison admins add @person`."
            )
        return "Liaison admins besides workspace admins and owners: " + ", ".join(
            f"<@{a}>" for a in admins
        )
    if isinstance(command, SalesHere):
        added = add_sales_channel(
            session=session, team_id=team_id, channel_id=channel_id, added_by=user_id
        )
        if not added:
            return f"<#{channel_id}> is already a default launch channel."
        return f"Launches will target <#{channel_id}> by default."
    if isinstance(command, DigestHere):
        zone = get_user(client=client, user_id=user_id).get("tz")
        workspace = set_digest_channel(
            session=session, team_id=team_id, channel_id=channel_id, timezone=zone
        )
        return (
            f"The weekly digest will be posted in <#{channel_id}> every "
            f"{WEEKDAYS[workspace.digest_weekday].title()} at {workspace.digest_time} "
            f"({workspace.timezone}). Change it with `/liaison schedule <weekday> <HH:MM> [zone]`."
        )
    if isinstance(command, Schedule):
        workspace = set_schedule(
            session=session,
            team_id=team_id,
            weekday=command.weekday,
            at=command.at,
            timezone=command.zone,
        )
        return (
            f"The weekly digest is set for every {WEEKDAYS[workspace.digest_weekday].title()} "
            f"at {workspace.digest_time} ({workspace.timezone})."
        )
    if isinstance(command, DigestNow):
        return NOT_YET.format(what="digest now")
    if isinstance(command, DigestPreview):
        return NOT_YET.format(what="digest preview")
    if isinstance(command, Export):
        return NOT_YET.format(what="export").replace("weekly digest", "feedback export")
    raise AssertionError(f"unhandled command {command!r}")
