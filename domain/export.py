"""Feedback export rows (`/liaison export`, `bot.py export`): blame-free and spreadsheet-safe.

SPEC blame-free rule 4: a comment's author is shown only when the rep ticked "open to a
follow-up chat"; votes and uses never name anyone. Rule 3: accusatory (flagged) comments
are never quoted, so their text is held back here too, and they stay anonymous. Every
cell that a spreadsheet would read as a formula is neutralised (CSV injection).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from domain.commands import DEFAULT_EXPORT_DAYS, CommandError, Export
from domain.redact import redact
from domain.text import strip_controls

COLUMNS = (
    "date_utc",
    "kind",
    "asset",
    "asset_title",
    "campaign",
    "value",
    "comment",
    "flagged",
    "source",
    "author",
    "author_slack_id",
)
ANONYMOUS = "anonymous"
HELD_BACK = "(held back: rewrite suggested)"
# Spreadsheets run a cell starting with these as a formula (OWASP "CSV injection"), also
# when they come after blanks or invisible characters, and in their full-width forms
# (U+FF1D and its kin, which some spreadsheets read as = + - @): cells are checked after NFKC.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%", "\u2212")
_LEADING_NOISE = re.compile(
    r"^[\s\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\ufffe\x00-\x1f\x7f]+"
)
_VALUES = {"useful": "useful", "needs_work": "needs work"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")
# A lone surrogate (JSON can carry one) cannot be written as UTF-8 and would end the export.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class Kind(StrEnum):
    """What one exported row records; also the order of rows at the same instant."""

    VOTE = "vote"
    USE = "use"
    COMMENT = "comment"


KIND_ORDER = {Kind.VOTE: 0, Kind.USE: 1, Kind.COMMENT: 2}


@dataclass(frozen=True)
class FeedbackRecord:
    """One vote, use or comment as stored, with its asset and campaign names."""

    at: datetime  # aware UTC
    kind: Kind
    row_id: int
    asset_handle: str  # "" for a comment on a campaign alone
    asset_title: str
    campaign: str
    value: str | None  # "useful" / "needs_work"; None for uses and plain comments
    source: str
    text: str = ""
    flagged: bool = False
    followup_ok: bool = False
    user_id: str = ""  # read only for comments whose author opted in to a follow-up

    @property
    def order(self) -> tuple[datetime, int, int]:
        """Chronological order; at one instant a vote comes before its comment."""
        return (self.at, KIND_ORDER[self.kind], self.row_id)

    @property
    def shows_author(self) -> bool:
        """True when the marketer may see who wrote it (SPEC blame-free rules 3 and 4)."""
        return self.kind is Kind.COMMENT and self.followup_ok and not self.flagged


@dataclass(frozen=True)
class ExportPeriod:
    """The half-open UTC span [start, end) an export covers."""

    start: datetime
    end: datetime

    @property
    def since(self) -> str:
        """The first day covered, as YYYY-MM-DD (UTC)."""
        return self.start.date().isoformat()


def export_period(command: Export, *, now: datetime) -> ExportPeriod:
    """The span an export covers: from a UTC date, or the last N days, up to `now`.

    No argument means the last DEFAULT_EXPORT_DAYS days. A start in the future is refused
    rather than answered with an empty file.
    """
    end = now.astimezone(UTC)
    if command.since is not None:
        if command.since > end.date():
            raise CommandError(
                f"{command.since.isoformat()} is in the future (today is "
                f"{end.date().isoformat()} UTC): give a day in the past."
            )
        return ExportPeriod(datetime.combine(command.since, time(), tzinfo=UTC), end)
    days = command.days if command.days is not None else DEFAULT_EXPORT_DAYS
    return ExportPeriod(end - timedelta(days=days), end)


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows as text: no control characters, never a formula."""
    # Most cells are plain ASCII: skip the regular expressions for them (100k-row exports).
    plain = text.isascii() and text.isprintable()
    cleaned = text if plain else _SURROGATE.sub("\ufffd", strip_controls(text))
    if plain:
        firsts = {cleaned[:1], cleaned.lstrip(" ")[:1]}
    else:
        # The first character as written, and the first one after blanks and invisible
        # characters, in its NFKC form (full-width and small forms become ASCII).
        visible = _LEADING_NOISE.sub("", cleaned[:64])
        firsts = {cleaned[:1], unicodedata.normalize("NFKC", visible[:1])[:1]}
    return "'" + cleaned if any(f and f in _FORMULA_START for f in firsts) else cleaned


def export_row(record: FeedbackRecord, names: Mapping[str, str]) -> tuple[str, ...]:
    """One CSV row, in COLUMNS order; `names` maps opted-in authors' ids to display names."""
    value = "used" if record.kind is Kind.USE else _VALUES.get(record.value or "", "")
    comment = ""
    flagged = ""
    if record.kind is Kind.COMMENT:
        # The redaction the digest and App Home use: no emails, phone numbers or mentions.
        comment = HELD_BACK if record.flagged else redact(record.text, people=())
        flagged = "yes" if record.flagged else "no"
    author, author_id = ANONYMOUS, ""
    if record.shows_author and record.user_id:
        author, author_id = names.get(record.user_id) or record.user_id, record.user_id
    cells = (
        record.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        str(record.kind),
        record.asset_handle,
        record.asset_title,
        record.campaign,
        value,
        comment,
        flagged,
        record.source,
        author,
        author_id,
    )
    return tuple(safe_cell(cell) for cell in cells)


def export_filename(team_id: str, period: ExportPeriod) -> str:
    """`liaison-feedback-<team>-<since>.csv`, safe as a file name anywhere."""
    team = _SAFE_NAME.sub("", team_id)[:40] or "team"
    return f"liaison-feedback-{team}-{period.since}.csv"


def display_name(user: Mapping[str, Any]) -> str:
    """How a spreadsheet names a Slack user (`users.info`): real name, else handle, else id."""
    profile = user.get("profile") or {}
    for value in (
        profile.get("real_name"),
        user.get("real_name"),
        profile.get("display_name"),
        user.get("name"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return str(user.get("id", ""))
