"""The launch modal's rules (SPEC: "The launch modal and announcement").

Inputs: campaign name; summary; target sales channels; collateral, one per line as
`Title | URL` (a bare URL is fine); launch date, today or later; "what we need from
sales" (optional). A submitted modal either becomes a LaunchForm or a map from block id
to a short message saying what is wrong and the correct form, which Slack shows under
the offending field (`response_action: "errors"`). Nothing a user types makes this raise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from domain.text import one_line, shorten, strip_controls, unescape_slack
from domain.urls import InvalidUrl, parse_collateral_url

MAX_NAME = 150  # a header block's limit, since the name is the announcement's header
MAX_SUMMARY = 3000
MAX_ASK = 2000
MAX_COLLATERAL_LINES = 20
MAX_COLLATERAL_TITLE = 200
MAX_COLLATERAL_TEXT = 3000  # the most a plain_text_input can hold
MAX_CHANNELS = 100
MAX_DAYS_AHEAD = 365
MAX_QUESTION = 2000
MAX_ERROR = 150  # keep field errors short: Slack shows them in small red type under the input

COLLATERAL_FORM = "use `Title | https://…` or just a link"

# Conversation ids are upper-case letters and digits: C public, G private, D direct.
_CONVERSATION_ID = re.compile(r"[CDG][A-Z0-9]{1,40}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BULLET = re.compile(r"^(?:[-*•◦‣▪·]|\d{1,2}[.)])\s+")
# A whole line in Slack's link markup, optionally after "Title |": <url>, <url|label>.
_SLACK_LINK = re.compile(r"(?:(?P<title>.*?)\s*\|\s*)?<(?P<url>[^<>|\s]+)(?:\|(?P<label>[^<>]*))?>")


class _BadLine(ValueError):
    """A collateral line that can't be read; the message says why, without the line number."""


class LaunchField(StrEnum):
    """Block ids (and action ids: the same string) of the launch modal's inputs."""

    NAME = "launch_name"
    SUMMARY = "launch_summary"
    CHANNELS = "launch_channels"
    COLLATERAL = "launch_collateral"
    DATE = "launch_date"
    ASK = "launch_ask"


@dataclass(frozen=True)
class CollateralLine:
    """One collateral link from the modal; no title means fetch the page's title later."""

    url: str
    title: str | None


@dataclass(frozen=True)
class LaunchForm:
    """A launch modal that passed every rule, its text cleaned."""

    name: str
    summary: str
    channel_ids: tuple[str, ...]
    collateral: tuple[CollateralLine, ...]
    launch_date: date
    ask: str


def parse_collateral_lines(text: str) -> tuple[list[CollateralLine], list[str]]:
    """Read `Title | URL` or bare-link lines; return the links and one problem per bad line."""
    lines: list[CollateralLine] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(strip_controls(text).splitlines(), start=1):
        line = _BULLET.sub("", raw.strip()).strip()
        if not line:
            continue
        try:
            item = _parse_line(line)
        except (InvalidUrl, _BadLine) as exc:
            reason = str(exc)
            problems.append(f"Line {number}: {reason[:1].lower()}{reason[1:]}")
            continue
        if item.url in seen:
            problems.append(f"Line {number}: that link is already on line {seen[item.url]}.")
            continue
        seen[item.url] = number
        lines.append(item)
    return lines, problems


def _parse_line(line: str) -> CollateralLine:
    """Parse one non-blank collateral line, raising InvalidUrl or _BadLine."""
    slack_link = _SLACK_LINK.fullmatch(line)
    if slack_link is not None:
        url = parse_collateral_url(f"<{slack_link['url']}>")
        label = unescape_slack(slack_link["label"] or "")
        if _same_link(label, url):
            # Slack labels an auto-linked address with the address itself: not a title.
            label = ""
        return CollateralLine(url=url, title=_title(slack_link["title"] or label))
    if "|" in line:
        title, _, link = line.rpartition("|")
        if not link.strip():
            raise _BadLine(f"the link is missing after `|`: {COLLATERAL_FORM}.")
        try:
            url = parse_collateral_url(link)
        except InvalidUrl:
            if _is_link(title):
                raise _BadLine("put the title first: `Title | https://…`.") from None
            raise
        return CollateralLine(url=url, title=_title(title))
    if any(ch.isspace() for ch in line):
        *_, last = line.split()
        if _is_link(last):
            raise _BadLine("separate the title from the link with `|`: `Title | https://…`.")
        raise _BadLine(f"{COLLATERAL_FORM}.")
    try:
        return CollateralLine(url=parse_collateral_url(line), title=None)
    except InvalidUrl as exc:
        if "://" in line or line.lower().startswith("www."):
            raise
        raise _BadLine(f"{COLLATERAL_FORM}.") from exc


def _is_link(text: str) -> bool:
    try:
        parse_collateral_url(text)
    except InvalidUrl:
        return False
    return True


def _same_link(label: str, url: str) -> bool:
    def bare(text: str) -> str:
        return re.sub(r"^https?://", "", text.strip().lower()).rstrip("/")

    return bool(label) and bare(label) == bare(url)


def _title(text: str) -> str | None:
    title = one_line(text)
    if len(title) > MAX_COLLATERAL_TITLE:
        raise _BadLine(
            f"the title is {len(title):,} characters; use at most {MAX_COLLATERAL_TITLE}."
        )
    return title or None


def validate_launch(
    values: Mapping[str, Mapping[str, Any]],
    *,
    today: date,
    editing: bool = False,
    current_date: date | None = None,
) -> LaunchForm | dict[str, str]:
    """Turn a submitted launch modal's state values into a LaunchForm, or errors by block id.

    When `editing`, the modal has no channels or collateral inputs (posted announcements
    can't move), and the campaign's `current_date` stays acceptable even once it is past.
    """
    errors: dict[str, str] = {}

    name = one_line(_text(values, LaunchField.NAME))
    if not name:
        errors[LaunchField.NAME] = "Give the campaign a name, e.g. “Q3 pricing refresh”."
    elif len(name) > MAX_NAME:
        errors[LaunchField.NAME] = _too_long("the name", len(name), MAX_NAME)

    summary = _text(values, LaunchField.SUMMARY)
    if not summary:
        errors[LaunchField.SUMMARY] = "Add a short summary: what is launching and why it matters."
    elif len(summary) > MAX_SUMMARY:
        errors[LaunchField.SUMMARY] = _too_long("the summary", len(summary), MAX_SUMMARY)

    channel_ids: tuple[str, ...] = ()
    collateral: tuple[CollateralLine, ...] = ()
    if not editing:
        channel_ids = _conversations(values, LaunchField.CHANNELS)
        if not channel_ids:
            errors[LaunchField.CHANNELS] = "Pick at least one channel to announce in."
        elif len(channel_ids) > MAX_CHANNELS:
            errors[LaunchField.CHANNELS] = (
                f"Pick at most {MAX_CHANNELS} channels (you picked {len(channel_ids)})."
            )
        collateral_text = _text(values, LaunchField.COLLATERAL)
        count = sum(1 for line in collateral_text.splitlines() if line.strip())
        if len(collateral_text) > MAX_COLLATERAL_TEXT:
            errors[LaunchField.COLLATERAL] = _too_long(
                "the collateral list", len(collateral_text), MAX_COLLATERAL_TEXT
            )
        elif count > MAX_COLLATERAL_LINES:
            errors[LaunchField.COLLATERAL] = (
                f"Add at most {MAX_COLLATERAL_LINES} links, one per line (you have {count})."
            )
        else:
            items, problems = parse_collateral_lines(collateral_text)
            if problems:
                errors[LaunchField.COLLATERAL] = _join_problems(problems)
            collateral = tuple(items)

    launch_date, date_error = _launch_date(values, today=today, keep=current_date)
    if date_error:
        errors[LaunchField.DATE] = date_error

    ask = _text(values, LaunchField.ASK)
    if len(ask) > MAX_ASK:
        errors[LaunchField.ASK] = _too_long("the ask", len(ask), MAX_ASK)

    if errors or launch_date is None:
        return errors
    return LaunchForm(
        name=name,
        summary=summary,
        channel_ids=channel_ids,
        collateral=collateral,
        launch_date=launch_date,
        ask=ask,
    )


def _action(values: Mapping[str, Any], field: LaunchField) -> Mapping[str, Any]:
    """The state of a field's element, or an empty mapping when Slack sent none."""
    block = values.get(field) if isinstance(values, Mapping) else None
    if not isinstance(block, Mapping):
        return {}
    action = block.get(field)
    return action if isinstance(action, Mapping) else {}


def _text(values: Mapping[str, Any], field: LaunchField) -> str:
    value = _action(values, field).get("value")
    return strip_controls(value).strip() if isinstance(value, str) else ""


def _conversations(values: Mapping[str, Any], field: LaunchField) -> tuple[str, ...]:
    selected = _action(values, field).get("selected_conversations")
    if not isinstance(selected, list | tuple):
        return ()
    valid = (c for c in selected if isinstance(c, str) and _CONVERSATION_ID.fullmatch(c))
    return tuple(dict.fromkeys(valid))


def _launch_date(
    values: Mapping[str, Any], *, today: date, keep: date | None
) -> tuple[date | None, str | None]:
    raw = _action(values, LaunchField.DATE).get("selected_date")
    if not isinstance(raw, str) or not raw.strip():
        return None, "Pick a launch date: today posts now, a later date schedules it."
    try:
        if not _ISO_DATE.fullmatch(raw.strip()):
            raise ValueError(raw)
        chosen = date.fromisoformat(raw.strip())
    except ValueError:
        return None, "Pick a launch date from the calendar (YYYY-MM-DD)."
    if chosen == keep:
        return chosen, None
    if chosen < today:
        return None, f"Pick today or a later date: {_day(chosen)} has passed."
    latest = today + timedelta(days=MAX_DAYS_AHEAD)
    if chosen > latest:
        return None, f"Pick a date within a year, by {_day(latest)} at the latest."
    return chosen, None


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _too_long(what: str, length: int, limit: int) -> str:
    return f"Shorten {what} to {limit:,} characters (it has {length:,})."


def _join_problems(problems: list[str]) -> str:
    """The first problems, then how many more, within MAX_ERROR characters."""
    for shown in (2, 1):
        parts = problems[:shown]
        text = " ".join(parts)
        if len(problems) > len(parts):
            text += f" (and {len(problems) - len(parts)} more)"
        if len(text) <= MAX_ERROR:
            return text
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return shorten(problems[0], MAX_ERROR - len(more)) + more
