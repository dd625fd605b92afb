"""What the App Home shows (SPEC: who uses it; blame-free rule 4), as plain data.

A marketer sees their campaigns and assets with useful / needs-work / used counts, the
approval trend and the latest comments, anonymous unless the author opted in to a
follow-up chat; a rep sees this week's launches they have not acknowledged and the top
assets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.assets import AssetSummary
from domain.redact import safe_quote
from domain.review import Review, review_comment

MAX_HOME_QUOTE = 280
MIN_COMMENTERS = 3  # as in the digest (domain.themes): no quote traced to one of two people


def quote_allowed_on(review: Review, *, flagged: bool, commenters: int) -> bool:
    """Rule 3 for one comment: quotable by evidence, not flagged, enough commenters."""
    return review.quotable and not flagged and commenters >= MIN_COMMENTERS


@dataclass(frozen=True)
class CampaignLine:
    """One of a marketer's campaigns, with its reach."""

    id: int
    name: str
    launch_date: date
    status: str
    channels: int
    acknowledgements: int
    open_questions: int


@dataclass(frozen=True)
class AssetLine:
    """One of a marketer's assets with its counts and approval trend."""

    stats: AssetSummary
    approval: int | None  # percent useful of all votes, None without votes
    recent_approval: int | None  # percent useful of votes in the last TREND_DAYS
    earlier_approval: int | None  # percent useful of older votes


@dataclass(frozen=True)
class CommentLine:
    """A comment on one of the marketer's assets; `author_id` only on a follow-up opt-in."""

    asset_handle: str
    asset_title: str
    text: str  # redacted, on one line; "" when the comment is not shown
    value: str | None
    held_back: bool  # accusatory wording: counted, not shown
    author_id: str | None
    shown: bool = False  # quotable by evidence (SPEC rule 3), so shown verbatim


def home_comment_line(
    *,
    asset_handle: str,
    asset_title: str,
    text: str,
    value: str | None,
    flagged: bool,
    followup_ok: bool,
    author_id: str,
    commenters: int,
) -> CommentLine:
    """How the App Home shows one comment: by the digest's rules (quote by evidence).

    Shown verbatim (redacted) only when it is about the asset's content, refers to nobody,
    is in a supported language, was not flagged, and at least three people commented on
    the asset; its author only when they opted in to a follow-up and it was not flagged.
    """
    review = review_comment(text)
    shown = quote_allowed_on(review, flagged=flagged, commenters=commenters)
    quote = safe_quote(text, people=(), limit=MAX_HOME_QUOTE) if shown else None
    return CommentLine(
        asset_handle=asset_handle,
        asset_title=asset_title,
        text=quote or "",
        value=value,
        held_back=flagged or review.flagged,
        author_id=author_id if followup_ok and not (flagged or review.flagged) else None,
        shown=quote is not None,
    )


@dataclass(frozen=True)
class QuestionLine:
    """An open question on one of the marketer's campaigns."""

    campaign_name: str
    text: str
    channel_id: str | None


@dataclass(frozen=True)
class PendingLaunch:
    """A launch of this week the person has not said "Got it" to yet."""

    name: str
    launch_date: date
    channel_id: str | None


@dataclass(frozen=True)
class HomeData:
    """Everything the home tab shows for one person."""

    user_id: str
    first_visit: bool
    campaigns: list[CampaignLine]
    more_campaigns: int
    assets: list[AssetLine]
    more_assets: int
    comments: list[CommentLine]
    questions: list[QuestionLine]
    pending: list[PendingLaunch]
    top: list[AssetSummary]

    @property
    def is_marketer(self) -> bool:
        """Whether the person has launched or registered anything."""
        return bool(self.campaigns or self.assets)


def trend_arrow(recent: int | None, earlier: int | None) -> str:
    """▲, ▼ or → comparing recent approval with earlier approval ("" when either is unknown)."""
    if recent is None or earlier is None:
        return ""
    if recent >= earlier + 5:
        return "▲"
    if recent <= earlier - 5:
        return "▼"
    return "→"
