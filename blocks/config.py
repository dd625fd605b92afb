"""Replies to `/liaison` configuration subcommands."""

from __future__ import annotations

from typing import Any

from blocks.replies import build_message
from domain.commands import WEEKDAYS
from domain.configuration import Outcome, Result
from domain.text import escape_mrkdwn


def _day(outcome: Outcome) -> str:
    return WEEKDAYS[outcome.weekday].title()


def _launchers(outcome: Outcome) -> str:
    if outcome.policy == "usergroup":
        return f"Members of <!subteam^{outcome.usergroup_id}> and workspace admins can `/launch`."
    if outcome.policy == "named":
        named = ", ".join(f"<@{u}>" for u in outcome.users) or "nobody yet"
        return f"These people and workspace admins can `/launch`: {named}."
    return "Everyone can `/launch` campaigns."


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count:,} rows"


def export_title(since: str) -> str:
    """The title of an exported CSV file."""
    return f"Liaison feedback since {since} (UTC)"


def export_comment(*, since: str, rows: int) -> str:
    """The message that comes with an exported CSV file in the admin's DM."""
    return (
        f"Here is Liaison's feedback since {since} (UTC): {_rows(rows)} of votes, "
        "🎯 uses and comments. A comment's author is shown only when they offered a "
        "follow-up chat; comments flagged as accusatory are held back, as in the digest."
    )


def config_text(outcome: Outcome) -> str:
    """The reply text for one configuration outcome."""
    who, where = f"<@{outcome.user_id}>", f"<#{outcome.channel_id}>"
    texts = {
        Result.REFUSED: (
            "Only workspace admins and owners, and the people they name with "
            "`/liaison admins add @person`, can change Liaison's settings (never guests or "
            "people from another organisation). Ask one of them if this should change."
        ),
        Result.ADMINS_ONLY: (
            "Only workspace admins and owners can name or remove Liaison admins. "
            "Ask one of them if this should change."
        ),
        Result.ADMIN_ADDED: f"{who} can now configure Liaison.",
        Result.ADMIN_EXISTS: f"{who} is already a Liaison admin.",
        Result.ADMIN_NOT_A_PERSON: f"{who} can't be a Liaison admin: only active people can.",
        Result.ADMIN_REMOVED: f"{who} is no longer a Liaison admin.",
        Result.ADMIN_NOT_NAMED: f"{who} wasn't a named Liaison admin.",
        Result.ADMINS_LISTED: (
            "Liaison admins besides workspace admins and owners: "
            + ", ".join(f"<@{u}>" for u in outcome.users)
            if outcome.users
            else "No named Liaison admins yet: workspace admins and owners can configure "
            "Liaison, and can name others with `/liaison admins add @person`."
        ),
        Result.SALES_ADDED: f"Launches will target {where} by default.",
        Result.SALES_EXISTS: f"{where} is already a default launch channel.",
        Result.DIGEST_CHANNEL_SET: (
            f"The weekly digest will be posted in {where} every {_day(outcome)} at "
            f"{outcome.at} ({outcome.zone}). Change it with "
            "`/liaison schedule <weekday> <HH:MM> [zone]`."
        ),
        Result.SCHEDULE_SET: (
            f"The weekly digest is set for every {_day(outcome)} at {outcome.at} ({outcome.zone})."
        ),
        Result.LAUNCHERS_EVERYONE: "Everyone can `/launch` campaigns now.",
        Result.LAUNCHER_ADDED: (
            f"{who} can `/launch` campaigns. Launching is now limited to named people "
            "(and workspace admins); `/liaison launchers everyone` opens it again."
        ),
        Result.LAUNCHER_EXISTS: f"{who} can already `/launch` campaigns.",
        Result.LAUNCHER_REMOVED: f"{who} can no longer `/launch` campaigns.",
        Result.LAUNCHER_NOT_NAMED: f"{who} wasn't a named launcher.",
        Result.LAUNCHERS_GROUP: (
            f"Only members of <!subteam^{outcome.usergroup_id}> (and workspace admins) can "
            "`/launch` campaigns now."
        ),
        Result.LAUNCHERS_LISTED: _launchers(outcome),
        Result.DIGEST_REFUSED: (
            "The digest is for Liaison admins (workspace admins and owners, and the people "
            "they name with `/liaison admins add @person`) and "
            + (
                f"the members of {where}, where it is posted each week."
                if outcome.channel_id
                else "the members of the digest channel, once an admin sets one with "
                "`/liaison digest here`."
            )
            + " Ask one of them if you need it."
        ),
        Result.DIGEST_REFUSED_GUEST: (
            "The digest is for members of this workspace: guests and people from another "
            "organisation can't read it. Ask a Liaison admin if you need something from it."
        ),
        Result.DIGEST_SHARED_REFUSED: (
            f"{where} is shared with another organisation, so the digest isn't posted "
            "there. Use a channel of this workspace, or a Liaison admin can allow shared "
            "channels with `/liaison digest shared allow`."
        ),
        Result.DIGEST_SHARED_ALLOWED: (
            "The digest may now go to channels shared with another organisation. "
            "`/liaison digest shared deny` keeps it out of them again."
        ),
        Result.DIGEST_SHARED_DENIED: (
            "The digest stays out of channels shared with another organisation "
            "(`/liaison digest shared allow` changes that)."
        ),
        Result.DIGEST_BUSY: (
            "I'm still preparing the digest you asked for a moment ago; it will be here shortly."
        ),
        Result.EXPORT_REFUSED: (
            "Only workspace admins and owners, and the people they name with "
            "`/liaison admins add @person`, can export Liaison's feedback (never guests or "
            "people from another organisation). Ask one of them if you need it."
        ),
        Result.EXPORT_PREPARING: (
            f"Preparing your export of the feedback since {outcome.since} (UTC)… "
            "I'll send it to you in a direct message."
        ),
        Result.EXPORT_EMPTY: (
            f"There is no feedback since {outcome.since} (UTC), so there is nothing to "
            "export yet. Try a longer period, e.g. `/liaison export since 90d`."
        ),
        Result.EXPORT_SENT: (
            f"Your export is in your direct messages with Liaison: {_rows(outcome.rows)} "
            f"of feedback since {outcome.since} (UTC)."
        ),
        Result.EXPORT_FAILED: (
            f"I couldn't send your export (Slack said `{escape_mrkdwn(outcome.error)}`). "
            "Nothing was changed or lost: run `/liaison export` again in a moment. If it "
            "keeps failing, check that Liaison may send you direct messages."
        ),
    }
    return texts[outcome.result]


def build_config_reply(outcome: Outcome) -> dict[str, Any]:
    """The ephemeral reply for one configuration outcome."""
    return build_message(config_text(outcome))
