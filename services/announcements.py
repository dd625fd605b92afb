"""What people do from a launch announcement: confirm it, open its forms, answer questions.

Each function is one click, start to finish: it opens and ends its own transactions, wakes
the delivery worker when it queued messages, and asks for the App Home refreshes its
change calls for. Slack calls that render the result are left to the listener.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from core.db import SessionScope
from domain.assets import AssetRef
from models import Campaign, Question, WorkspaceRef
from services import launches
from services.access import get_user
from services.home import HomeRefresh
from services.scheduling import Waker


def confirm_ready(
    *,
    db: SessionScope,
    worker: Waker,
    homes: HomeRefresh,
    workspace: WorkspaceRef,
    campaign_id: int,
    user_id: str,
    channel_id: str,
    ts: str,
) -> bool:
    """Record one person's "Got it" on an announcement; True the first time they click it.

    The ready count on the posted message follows through the outbox.
    """
    with db() as session:
        acked = launches.acknowledge(
            session=session,
            workspace=workspace,
            campaign_id=campaign_id,
            user_id=user_id,
            channel_id=channel_id,
            ts=ts,
        )
        marketer = launches.campaign_marketer(session=session, campaign_id=campaign_id)
    worker.wake()
    # The rep's "launches waiting for you" and the marketer's ready count both changed.
    for person in {user_id, marketer} - {None}:
        homes.refresh(workspace.team_id, str(person))
    return acked.new


@dataclass(frozen=True)
class FeedbackStart:
    """What the feedback modal opened from an announcement shows."""

    campaign_id: int | None
    campaign_name: str
    # The campaign's asset when it has exactly one (preselected in the picker).
    only: AssetRef | None


def start_feedback(*, db: SessionScope, workspace: WorkspaceRef, campaign_id: int) -> FeedbackStart:
    """The campaign the feedback modal is about, or a UserError when it is gone."""
    with db() as session:
        campaign = launches.require_campaign(
            session=session, workspace=workspace, campaign_id=campaign_id
        )
        only = launches.only_asset(session=session, campaign_id=campaign.id or 0)
    return FeedbackStart(campaign_id=campaign.id, campaign_name=campaign.name, only=only)


def start_question(*, db: SessionScope, workspace: WorkspaceRef, campaign_id: int) -> str:
    """The name of the campaign a question is about, or a UserError when it is gone."""
    with db() as session:
        campaign = launches.require_campaign(
            session=session, workspace=workspace, campaign_id=campaign_id
        )
    return campaign.name


def mark_answered(
    *,
    db: SessionScope,
    homes: HomeRefresh,
    workspace: WorkspaceRef,
    question_id: int,
    user_id: str,
    ts: str | None,
) -> Question:
    """Mark a question answered (its campaign's marketer only; `ts`: the clicked message)."""
    with db() as session:
        question = launches.answer_question(
            session=session, workspace=workspace, question_id=question_id, user_id=user_id, ts=ts
        )
    homes.refresh(workspace.team_id, user_id)
    return question


@dataclass(frozen=True)
class EditStart:
    """The campaign the edit modal is prefilled with, in the editor's time zone."""

    campaign: Campaign
    timezone: str


def start_edit(
    *,
    client: WebClient,
    db: SessionScope,
    workspace: WorkspaceRef,
    user_id: str,
    campaign_id: int | None = None,
    message: tuple[str, str] | None = None,
) -> EditStart | None:
    """The campaign to edit, by id or by one of its announcements (channel, ts).

    None when `message` is not a Liaison announcement; a UserError when the campaign is
    gone or the editor is not its marketer. Slack (users.info) is asked outside
    transactions, for the editor's time zone.
    """
    if campaign_id is None and message is not None:
        with db() as session:
            found = launches.campaign_for_message(
                session=session, workspace=workspace, channel_id=message[0], ts=message[1]
            )
        if found is None or found.id is None:
            return None
        campaign_id = found.id
    assert campaign_id is not None
    with db() as session:
        campaign = launches.get_campaign_for_edit(
            session=session, workspace=workspace, campaign_id=campaign_id, editor_id=user_id
        )
    user = get_user(client=client, user_id=user_id)
    return EditStart(campaign=campaign, timezone=str(user.get("tz") or campaign.timezone))
