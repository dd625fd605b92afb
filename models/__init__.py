"""Liaison's tables and enums."""

from __future__ import annotations

from models.enums import (
    CampaignStatus,
    DigestStatus,
    LaunchPolicy,
    OutboxStatus,
    Source,
    VoteValue,
)
from models.tables import (
    Acknowledgement,
    AnnouncementPost,
    Asset,
    AssetMessage,
    Campaign,
    CampaignAsset,
    Comment,
    DigestRun,
    Launcher,
    OutboxMessage,
    ProcessedEvent,
    Question,
    SalesChannel,
    Usage,
    Vote,
    Workspace,
    WorkspaceAdmin,
    utcnow,
)

__all__ = [
    "Acknowledgement",
    "AnnouncementPost",
    "Asset",
    "AssetMessage",
    "Campaign",
    "CampaignAsset",
    "CampaignStatus",
    "Comment",
    "DigestRun",
    "DigestStatus",
    "LaunchPolicy",
    "Launcher",
    "OutboxMessage",
    "OutboxStatus",
    "ProcessedEvent",
    "Question",
    "SalesChannel",
    "Source",
    "Usage",
    "Vote",
    "VoteValue",
    "Workspace",
    "WorkspaceAdmin",
    "utcnow",
]
