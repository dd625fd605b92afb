"""Parsing of slash-command text into typed commands (SPEC: Slash commands).

Every malformed input becomes a CommandError whose message says what was wrong and the
correct form, so handlers can answer it ephemerally as it stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from domain.text import escape_mrkdwn, one_line, strip_controls, unescape_slack
from domain.urls import InvalidUrl, parse_collateral_url

MAX_TEXT = 4000  # Longer text is refused outright rather than parsed.
MAX_TITLE = 200
MAX_QUERY = 200
DEFAULT_EXPORT_DAYS = 30  # `/liaison export` alone: the last 30 days
MAX_EXPORT_DAYS = 3660  # `export since <N>d`: up to ten years back

COLLATERAL_FORMS = (
    "`/collateral add <url> [title]` registers an asset",
    "`/collateral search <words>` finds assets",
    "`/collateral used <asset>` records that you used an asset with a customer",
    "`/collateral` alone lists the top assets",
)

LIAISON_FORMS = (
    "`/liaison help` shows this",
    "`/liaison digest here` sends the weekly digest to this channel",
    "`/liaison digest now` posts the digest for the last 7 days here",
    "`/liaison digest preview` shows the digest only to you",
    "`/liaison digest shared allow` lets the digest go to a channel shared with another "
    "organisation (`digest shared deny`, the default, keeps it out)",
    "`/liaison schedule <weekday> <HH:MM> [zone]`, "
    "e.g. `/liaison schedule monday 09:00 Europe/Paris`",
    "`/liaison sales here` makes this channel a default launch target",
    "`/liaison admins add @person` lets someone configure Liaison (`admins list` shows them)",
    "`/liaison launchers everyone`, `launchers add @person` or `launchers group @group` "
    "sets who may `/launch` (`launchers list` shows it)",
    "`/liaison export [since YYYY-MM-DD | 90d]` sends you the feedback as a CSV file "
    f"(default: the last {DEFAULT_EXPORT_DAYS} days)",
)

EXPORT_USAGE = (
    f"Use `/liaison export` (the last {DEFAULT_EXPORT_DAYS} days), "
    "`/liaison export since 2024-05-01` (from that day, UTC) "
    "or `/liaison export since 90d` (the last 90 days)."
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class CommandError(ValueError):
    """User input that cannot be understood; the message is the reply."""


@dataclass(frozen=True)
class Help:
    """Show the command's help."""


@dataclass(frozen=True)
class CollateralAdd:
    """Register an asset; no title means fetch the page's title."""

    url: str
    title: str | None


@dataclass(frozen=True)
class CollateralSearch:
    """Find assets by words of their title or handle."""

    query: str


@dataclass(frozen=True)
class CollateralUsed:
    """Record that the caller used an asset with a customer."""

    asset: str


@dataclass(frozen=True)
class CollateralTop:
    """List the top assets."""


CollateralCommand = Help | CollateralAdd | CollateralSearch | CollateralUsed | CollateralTop


@dataclass(frozen=True)
class AdminsAdd:
    """Name a Liaison admin."""

    user_id: str


@dataclass(frozen=True)
class AdminsRemove:
    """Remove a named Liaison admin."""

    user_id: str


@dataclass(frozen=True)
class AdminsList:
    """List the named Liaison admins."""


@dataclass(frozen=True)
class SalesHere:
    """Make the current channel a default launch target."""


@dataclass(frozen=True)
class DigestHere:
    """Send the weekly digest to the current channel."""


@dataclass(frozen=True)
class DigestNow:
    """Post the last 7 days' digest here, now."""


@dataclass(frozen=True)
class DigestPreview:
    """Show the digest only to the caller."""


@dataclass(frozen=True)
class DigestShared:
    """Allow or refuse the digest in channels shared with another organisation."""

    allow: bool


@dataclass(frozen=True)
class Schedule:
    """Set the weekly digest's weekday, time and (optionally) zone."""

    weekday: int
    at: time
    zone: str | None


@dataclass(frozen=True)
class Export:
    """Send the caller the feedback as CSV: since a UTC day, or for the last N days.

    Neither set means the last DEFAULT_EXPORT_DAYS days.
    """

    since: date | None = None
    days: int | None = None


@dataclass(frozen=True)
class LaunchersEveryone:
    """Let everyone launch."""


@dataclass(frozen=True)
class LaunchersAdd:
    """Restrict launching to named people, adding one."""

    user_id: str


@dataclass(frozen=True)
class LaunchersRemove:
    """Remove a named launcher."""

    user_id: str


@dataclass(frozen=True)
class LaunchersGroup:
    """Restrict launching to the members of a user group."""

    usergroup_id: str


@dataclass(frozen=True)
class LaunchersList:
    """Show who may launch."""


LaunchersCommand = (
    LaunchersEveryone | LaunchersAdd | LaunchersRemove | LaunchersGroup | LaunchersList
)

LiaisonCommand = (
    Help
    | LaunchersEveryone
    | LaunchersAdd
    | LaunchersRemove
    | LaunchersGroup
    | LaunchersList
    | AdminsAdd
    | AdminsRemove
    | AdminsList
    | SalesHere
    | DigestHere
    | DigestNow
    | DigestPreview
    | DigestShared
    | Schedule
    | Export
)

# Subcommands that change the workspace's configuration: only admins may run them.
CONFIG_COMMANDS = (
    AdminsAdd,
    AdminsRemove,
    SalesHere,
    DigestHere,
    DigestShared,
    Schedule,
    Export,
    LaunchersEveryone,
    LaunchersAdd,
    LaunchersRemove,
    LaunchersGroup,
)

_DAYS = re.compile(r"([0-9]{1,6})(?:d|days?)")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,30})(?:\|[^>]*)?>$")
_USERGROUP = re.compile(r"^<!subteam\^(S[A-Z0-9]{2,30})(?:\|[^>]*)?>$")


def _prepare(text: str) -> tuple[str, str]:
    """Split command text into its lower-cased verb and the rest, after cleaning."""
    if len(text) > MAX_TEXT:
        raise CommandError(
            f"That's {len(text):,} characters; commands take at most {MAX_TEXT:,}. "
            "Try again with less text."
        )
    cleaned = strip_controls(text).strip()
    verb, _, rest = cleaned.partition(" ")
    return verb.lower(), rest.strip()


def _forms(forms: tuple[str, ...]) -> str:
    return "\n".join(f"• {form}" for form in forms)


def parse_collateral(text: str) -> CollateralCommand:
    """Parse `/collateral` text."""
    verb, rest = _prepare(text)
    if verb == "":
        return CollateralTop()
    if verb == "help":
        return Help()
    if verb == "add":
        return _parse_add(rest)
    if verb in ("search", "find"):
        query = one_line(unescape_slack(rest))
        if not query:
            raise CommandError("Tell me what to look for: `/collateral search <words>`.")
        if len(query) > MAX_QUERY:
            raise CommandError(f"Search for at most {MAX_QUERY} characters of words.")
        return CollateralSearch(query=query)
    if verb == "used":
        asset = one_line(unescape_slack(rest)).strip("`")
        if not asset:
            raise CommandError(
                "Which asset? `/collateral used <asset>`, with its handle such as `PD-3` "
                "or words of its title."
            )
        if len(asset) > MAX_QUERY:
            raise CommandError(f"Name the asset in at most {MAX_QUERY} characters.")
        return CollateralUsed(asset=asset)
    raise CommandError(
        f"I don't know `{_verb_for_echo(verb)}`. Here is what `/collateral` does:\n"
        + _forms(COLLATERAL_FORMS)
    )


def _parse_add(rest: str) -> CollateralAdd:
    usage = (
        "Use `/collateral add <url> [title]`, "
        "e.g. `/collateral add https://example.com/deck.pdf Pricing deck`."
    )
    if not rest:
        raise CommandError("Which link? " + usage)
    url_text, _, title_text = rest.partition(" ")
    if "\n" in url_text:
        url_text, _, more = url_text.partition("\n")
        title_text = f"{more} {title_text}"
    try:
        url = parse_collateral_url(url_text)
    except InvalidUrl as exc:
        raise CommandError(f"{exc} {usage}") from None
    # Slack sends a typed &, < and > as entities; store what the person typed.
    title = one_line(unescape_slack(title_text))
    if len(title) > MAX_TITLE:
        raise CommandError(
            f"That title is {len(title):,} characters; titles take at most {MAX_TITLE}."
        )
    return CollateralAdd(url=url, title=title or None)


def parse_liaison(text: str) -> LiaisonCommand:
    """Parse `/liaison` text."""
    verb, rest = _prepare(text)
    words = rest.split()
    sub = words[0].lower() if words else ""
    if verb in ("", "help"):
        return Help()
    if verb == "digest":
        if sub == "here" and len(words) == 1:
            return DigestHere()
        if sub == "now" and len(words) == 1:
            return DigestNow()
        if sub == "preview" and len(words) == 1:
            return DigestPreview()
        if sub == "shared" and len(words) == 2 and words[1].lower() in ("allow", "deny"):
            return DigestShared(allow=words[1].lower() == "allow")
        raise CommandError(
            "Use `/liaison digest here`, `/liaison digest now`, `/liaison digest preview` "
            "or `/liaison digest shared allow|deny`."
        )
    if verb == "sales":
        if sub == "here" and len(words) == 1:
            return SalesHere()
        raise CommandError("Use `/liaison sales here` in the channel launches should reach.")
    if verb == "schedule":
        return parse_schedule(rest)
    if verb == "export":
        return _parse_export(words)
    if verb == "admins":
        return _parse_admins(words)
    if verb == "launchers":
        return _parse_launchers(words)
    raise CommandError(
        f"I don't know `{_verb_for_echo(verb)}`. Here is what `/liaison` does:\n"
        + _forms(LIAISON_FORMS)
    )


def _parse_export(words: list[str]) -> Export:
    if words and words[0].lower() == "since":
        words = words[1:]
        if not words:
            raise CommandError("Since when? " + EXPORT_USAGE)
    if not words:
        return Export()
    joined = "".join(words)
    found = parse_since(joined) if len(words) <= 2 else None
    if found is None and _DAYS.fullmatch(joined.lower()):
        raise CommandError(
            f"Export from 1 to {MAX_EXPORT_DAYS:,} days back, e.g. 90d. " + EXPORT_USAGE
        )
    if found is None:
        shown = _verb_for_echo(" ".join(words))
        raise CommandError(
            f"`{shown}` is not a day like 2024-05-01 or a number of days like 90d. " + EXPORT_USAGE
        )
    return found


def parse_since(text: str) -> Export | None:
    """`YYYY-MM-DD` (a UTC day) or `<N>d` (the last N days); None when it is neither."""
    word = text.strip().lower()
    days = _DAYS.fullmatch(word)
    if days is not None:
        count = int(days.group(1))
        return Export(days=count) if 1 <= count <= MAX_EXPORT_DAYS else None
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", word) is None:
        return None
    try:
        return Export(since=date.fromisoformat(word))
    except ValueError:
        return None


def _parse_admins(words: list[str]) -> AdminsAdd | AdminsRemove | AdminsList:
    usage = (
        "Use `/liaison admins add @person`, `/liaison admins remove @person` "
        "or `/liaison admins list`."
    )
    sub = words[0].lower() if words else ""
    if sub == "list" and len(words) == 1:
        return AdminsList()
    if sub in ("add", "remove") and len(words) == 2:
        match = _MENTION.match(words[1])
        if match is None:
            raise CommandError(
                "Mention the person with @, e.g. `/liaison admins add @avery`. " + usage
            )
        user_id = match.group(1)
        return AdminsAdd(user_id=user_id) if sub == "add" else AdminsRemove(user_id=user_id)
    raise CommandError(usage)


def _parse_launchers(words: list[str]) -> LaunchersCommand:
    usage = (
        "Use `/liaison launchers everyone`, `/liaison launchers add @person`, "
        "`/liaison launchers remove @person`, `/liaison launchers group @group` "
        "or `/liaison launchers list`."
    )
    sub = words[0].lower() if words else ""
    if sub == "everyone" and len(words) == 1:
        return LaunchersEveryone()
    if sub == "list" and len(words) == 1:
        return LaunchersList()
    if sub in ("add", "remove") and len(words) == 2:
        match = _MENTION.match(words[1])
        if match is None:
            raise CommandError("Mention the person with @, e.g. `/liaison launchers add @morgan`.")
        if sub == "add":
            return LaunchersAdd(user_id=match.group(1))
        return LaunchersRemove(user_id=match.group(1))
    if sub == "group" and len(words) == 2:
        match = _USERGROUP.match(words[1])
        if match is None:
            raise CommandError(
                "Mention the user group with @, e.g. `/liaison launchers group @marketing`."
            )
        return LaunchersGroup(usergroup_id=match.group(1))
    raise CommandError(usage)


def parse_schedule(rest: str) -> Schedule:
    """Parse `<weekday> <HH:MM> [IANA zone]`."""
    usage = (
        "Use `/liaison schedule <weekday> <HH:MM> [zone]`, "
        "e.g. `/liaison schedule monday 09:00 Europe/Paris`."
    )
    words = rest.split()
    if len(words) not in (2, 3):
        raise CommandError(usage)
    day = words[0].lower()
    matches = [i for i, name in enumerate(WEEKDAYS) if len(day) >= 3 and name.startswith(day)]
    if len(matches) != 1:
        raise CommandError(f"`{_verb_for_echo(words[0])}` is not a weekday. " + usage)
    clock = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", words[1])
    if clock is None:
        raise CommandError(
            f"`{_verb_for_echo(words[1])}` is not a 24-hour time like 09:00. " + usage
        )
    zone = words[2] if len(words) == 3 else None
    if zone is not None:
        zone = _valid_zone(zone, usage)
    return Schedule(
        weekday=matches[0], at=time(int(clock.group(1)), int(clock.group(2))), zone=zone
    )


def _valid_zone(zone: str, usage: str) -> str:
    if zone.upper() == "UTC":
        return "UTC"
    if zone in available_timezones():
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return zone
    raise CommandError(
        f"`{_verb_for_echo(zone)}` is not a time zone I know; use an IANA name such as "
        "`America/New_York` or `Europe/Berlin`. " + usage
    )


def _verb_for_echo(word: str) -> str:
    """A user's word made safe to echo inside backticks."""
    cleaned = one_line(word).replace("`", "'")
    return escape_mrkdwn(cleaned[:40] + ("…" if len(cleaned) > 40 else ""))


def collateral_help() -> str:
    """The help text for /collateral."""
    return "*Collateral* — find, share and rate what marketing made:\n" + _forms(COLLATERAL_FORMS)


def liaison_help() -> str:
    """The help text for /liaison."""
    return (
        "*Liaison* keeps sales and marketing in step: marketers `/launch`, reps vote on "
        "collateral with 👍 / 👎 / 🎯 and `/feedback`, and team leads get a blame-free "
        "weekly digest.\n"
        + _forms(LIAISON_FORMS)
        + "\nConfiguration (digest, schedule, sales channels, admins, export) is for workspace "
        "admins and owners and the people they name. Exports name the author of a comment "
        "only when they offered a follow-up chat."
    )
