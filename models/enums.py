"""Closed vocabularies stored as short strings (portable across SQLite and PostgreSQL)."""

from __future__ import annotations

from enum import StrEnum


class VoteValue(StrEnum):
    """A rep's verdict on an asset."""

    USEFUL = "useful"
    NEEDS_WORK = "needs_work"


class Source(StrEnum):
    """Where a vote, usage or comment came from."""

    REACTION = "reaction"
    BUTTON = "button"
    COMMAND = "command"
    MODAL = "modal"


class LaunchPolicy(StrEnum):
    """Who may use /launch in a workspace."""

    EVERYONE = "everyone"
    NAMED = "named"
    USERGROUP = "usergroup"


class CampaignStatus(StrEnum):
    """Life of a campaign's announcement."""

    PREPARING = "preparing"  # stored, its collateral not yet turned into assets
    SCHEDULED = "scheduled"
    POSTING = "posting"
    POSTED = "posted"


class OutboxStatus(StrEnum):
    """Delivery state of one outgoing Slack message."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxKind(StrEnum):
    """What an outgoing Slack message is; stored in `outbox_message.kind` as these strings."""

    ANNOUNCEMENT = "announcement"  # a campaign's post in a sales channel
    ASSET_REPLY = "asset_reply"  # one asset, in its announcement's thread
    SUMMARY = "summary"  # the delivery report, privately to the marketer
    REFRESH = "refresh"  # chat.update of a posted announcement, rendered when sent
    QUESTION = "question"  # a question in an announcement's thread
    NOTICE = "notice"  # a private note to one person (a launch refused, a question not posted)
    DIGEST = "digest"  # the weekly digest


class DigestStatus(StrEnum):
    """State of one digest period's claim."""

    CLAIMED = "claimed"
    POSTED = "posted"
    FAILED = "failed"
