"""The weekly digest's data: what it is built from and what it says (SPEC: "The weekly digest").

Plain, frozen records shared by the three steps that make a digest: `services.digest`
gathers a DigestInput from the database, `domain.digest.assemble_digest` turns it into a
Digest (blame-free by construction: every quoted text redacted, accusatory comments only
counted), and `blocks.digest` renders that as Block Kit, plain text and charts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

# ----------------------------------------------------------------------------- input


@dataclass(frozen=True)
class Period:
    """The half-open span [start, end) a digest covers, in aware UTC, labelled in local time."""

    start: datetime
    end: datetime
    label: str  # e.g. "16-22 Nov 2026", in the workspace's zone


@dataclass(frozen=True)
class LaunchRecord:
    """A campaign launched (posted) in the period, with its reach."""

    campaign_id: int
    name: str
    launch_date: date
    channels: int  # channels its announcement reached
    failed_channels: int  # target channels it could not be posted to
    acknowledgements: int  # "Got it" count, all time
    open_questions: int


@dataclass(frozen=True)
class AssetRecord:
    """One asset's counts: current verdicts given in the period and in the period before."""

    asset_id: int
    handle: str
    title: str
    url: str
    campaign_name: str | None
    useful: int
    needs_work: int
    used: int
    useful_before: int  # the previous period, for week-over-week trends
    needs_work_before: int
    used_before: int


@dataclass(frozen=True)
class CommentRecord:
    """A comment given in the period; `flagged` ones are counted in themes, never quoted."""

    text: str
    flagged: bool
    value: str | None  # "useful", "needs_work" or None
    asset_handle: str | None
    campaign_name: str | None
    # Who wrote it, only to count distinct commenters per asset (rule 3's minimum of
    # three); never shown. Empty when unknown: such comments count as one person.
    author: str = ""


@dataclass(frozen=True)
class QuestionRecord:
    """A question on an announcement that its marketer has not marked answered yet."""

    campaign_name: str
    text: str
    asked_at: datetime


@dataclass(frozen=True)
class BrokenLink:
    """An asset whose link did not answer the check before this digest."""

    handle: str
    title: str
    url: str
    reason: str  # short and neutral, e.g. "404 Not Found", "timed out"


@dataclass(frozen=True)
class Participation:
    """How many took part, as counts only (SPEC rule 1: no names)."""

    voters: int = 0
    votes: int = 0
    commenters: int = 0
    comments: int = 0
    users_of_assets: int = 0
    uses: int = 0
    acknowledgers: int = 0
    acknowledgements: int = 0


@dataclass(frozen=True)
class WeekVolume:
    """Feedback volume in one week (for the eight-week line chart)."""

    week_start: date
    votes: int
    comments: int


@dataclass(frozen=True)
class DigestInput:
    """Everything a digest is built from, gathered for one workspace and period."""

    period: Period
    launches: list[LaunchRecord]
    assets: list[AssetRecord]  # every asset with activity in this or the previous period
    comments: list[CommentRecord]
    questions: list[QuestionRecord]
    this_week: Participation
    last_week: Participation
    volume: list[WeekVolume]  # the last eight weeks, oldest first, this period last
    broken_links: list[BrokenLink] = field(default_factory=list)
    # Everything that could identify a person, for redaction: user ids, user names,
    # display and real names, emails (from users.list; SPEC blame-free rule 1).
    people: list[str] = field(default_factory=list)
    more_assets: int = 0  # assets with activity left out of `assets` by the gatherer


# ---------------------------------------------------------------------------- output


class ChartKind(StrEnum):
    """Chart types the digest draws."""

    BAR = "bar"
    LINE = "line"


@dataclass(frozen=True)
class ChartSeries:
    """One named series, one value per category."""

    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class ChartData:
    """Numbers for one chart: Slack's data_visualization block and the PNG draw the same."""

    kind: ChartKind
    title: str
    categories: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    x_label: str = ""
    y_label: str = ""


@dataclass(frozen=True)
class ScoreLine:
    """One asset on the scoreboard, with its plain counts."""

    handle: str
    title: str  # redacted
    url: str
    useful: int
    needs_work: int
    used: int
    approval: int | None  # percent useful of this period's verdicts
    trend: str  # "▲", "▼", "→" or "" (no earlier votes)


@dataclass(frozen=True)
class LaunchLine:
    """A launch of the period as the digest shows it."""

    name: str  # redacted
    launch_date: date
    channels: int
    failed_channels: int
    acknowledgements: int
    open_questions: int


@dataclass(frozen=True)
class Theme:
    """A recurring subject in comments, with how many raised it and safe quotes."""

    label: str
    count: int
    quotes: tuple[str, ...] = ()  # redacted, from comments that were not flagged


@dataclass(frozen=True)
class Trend:
    """A week-over-week figure, e.g. votes 42 (last week 30)."""

    label: str
    this_week: int
    last_week: int


@dataclass(frozen=True)
class Digest:
    """What one digest says, every text already safe to show (SPEC blame-free rules 1-4)."""

    title: str
    period_label: str
    empty: bool  # no activity at all: a friendly note instead of empty sections
    launches: list[LaunchLine]
    more_launches: int
    working: list[ScoreLine]  # "what's working"
    improving: list[ScoreLine]  # "being improved" (never "worst")
    more_assets: int
    themes: list[Theme]
    open_asks: list[str]  # unanswered questions (redacted), broken links as asks
    more_asks: int
    trends: list[Trend]
    thanks: str  # participation as counts
    charts: list[ChartData]  # at most two: approval (bar) and feedback volume (line)
