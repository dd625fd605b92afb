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
    text: str
    value: str | None
    held_back: bool  # accusatory wording: counted, not shown
    author_id: str | None


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
