"""Outcomes of `/liaison` configuration subcommands, shared by services and replies."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Result(StrEnum):
    """What a configuration subcommand did."""

    REFUSED = "refused"
    ADMINS_ONLY = "admins_only"
    ADMIN_ADDED = "admin_added"
    ADMIN_EXISTS = "admin_exists"
    ADMIN_NOT_A_PERSON = "admin_not_a_person"
    ADMIN_REMOVED = "admin_removed"
    ADMIN_NOT_NAMED = "admin_not_named"
    ADMINS_LISTED = "admins_listed"
    SALES_ADDED = "sales_added"
    SALES_EXISTS = "sales_exists"
    DIGEST_CHANNEL_SET = "digest_channel_set"
    SCHEDULE_SET = "schedule_set"
    LAUNCHERS_EVERYONE = "launchers_everyone"
    LAUNCHER_ADDED = "launcher_added"
    LAUNCHER_EXISTS = "launcher_exists"
    LAUNCHER_REMOVED = "launcher_removed"
    LAUNCHER_NOT_NAMED = "launcher_not_named"
    LAUNCHERS_GROUP = "launchers_group"
    LAUNCHERS_LISTED = "launchers_listed"
    DIGEST_REFUSED = "digest_refused"
    DIGEST_REFUSED_GUEST = "digest_refused_guest"
    DIGEST_SHARED_REFUSED = "digest_shared_refused"
    DIGEST_SHARED_ALLOWED = "digest_shared_allowed"
    DIGEST_SHARED_DENIED = "digest_shared_denied"
    DIGEST_BUSY = "digest_busy"
    EXPORT_REFUSED = "export_refused"
    EXPORT_PREPARING = "export_preparing"
    EXPORT_EMPTY = "export_empty"
    EXPORT_SENT = "export_sent"
    EXPORT_FAILED = "export_failed"


@dataclass(frozen=True)
class Outcome:
    """A result and the facts its reply needs."""

    result: Result
    channel_id: str = ""
    user_id: str = ""
    users: tuple[str, ...] = ()
    weekday: int = 0
    at: str = ""
    zone: str = ""
    policy: str = ""
    usergroup_id: str = ""
    since: str = ""  # an export's first day, YYYY-MM-DD (UTC)
    rows: int = 0  # rows an export holds
    error: str = ""  # Slack's error code when an export could not be sent
