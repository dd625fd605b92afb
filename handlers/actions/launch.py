"""Buttons on announcements, questions and the marketer's summary, and the edit shortcut."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from blocks.feedback import build_feedback_modal
from blocks.launch import (
    LaunchDefaults,
    build_launch_modal,
    build_question_message,
    build_question_modal,
)
from blocks.replies import build_message
from core.db import SessionScope
from core.errors import after_ack
from domain.schedule import local_today
from models import utcnow
from services import launches
from services.access import get_user
from services.errors import UserError
from services.home import HomeRefresh
from services.scheduling import Waker


def _button_id(body: dict[str, Any]) -> int:
    """The id a button carries as its value (a campaign's or a question's)."""
    try:
        return int(body["actions"][0]["value"])
    except (KeyError, IndexError, TypeError, ValueError):
        raise UserError("That button is out of date.") from None


def _team(body: dict[str, Any], context: BoltContext) -> str:
    return context.team_id or str((body.get("team") or {}).get("id") or "")


@after_ack
def handle_got_it(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    respond: Respond,
    db: SessionScope,
    worker: Waker,
    homes: HomeRefresh,
) -> None:
    """Record "Got it" once per person; the ready count on the message follows via the outbox."""
    ack()
    container = body.get("container") or {}
    team_id, user_id, campaign_id = _team(body, context), body["user"]["id"], _button_id(body)
    with db() as session:
        acked = launches.acknowledge(
            session=session,
            team_id=team_id,
            campaign_id=campaign_id,
            user_id=user_id,
            channel_id=str(container.get("channel_id") or ""),
            ts=str(container.get("message_ts") or ""),
        )
        marketer = launches.campaign_marketer(session=session, campaign_id=campaign_id)
    worker.wake()
    # The rep's "launches waiting for you" and the marketer's ready count both changed.
    for person in {user_id, marketer} - {None}:
        homes.refresh(team_id, str(person))
    thanks = (
        "Thanks: you're marked as ready for this launch."
        if acked.new
        else "You've already confirmed this launch. Thanks!"
    )
    respond(build_message(thanks))


@after_ack
def handle_give_feedback(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """Open the feedback modal for this announcement's campaign."""
    ack()
    with db() as session:
        campaign = launches.require_campaign(
            session=session, team_id=_team(body, context), campaign_id=_button_id(body)
        )
        only = launches.only_asset(session=session, campaign_id=campaign.id or 0)
    client.views_open(
        trigger_id=body["trigger_id"],
        view=build_feedback_modal(
            campaign_id=campaign.id, campaign_name=campaign.name, initial=only
        ),
    )


@after_ack
def handle_ask_question(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """Open the question modal for this announcement."""
    ack()
    campaign_id = _button_id(body)
    with db() as session:
        campaign = launches.require_campaign(
            session=session, team_id=_team(body, context), campaign_id=campaign_id
        )
    container = body.get("container") or {}
    client.views_open(
        trigger_id=body["trigger_id"],
        view=build_question_modal(
            campaign_id=campaign_id,
            channel_id=str(container.get("channel_id") or ""),
            thread_ts=str(container.get("message_ts") or ""),
            campaign_name=campaign.name,
        ),
    )


@after_ack
def handle_mark_answered(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
    homes: HomeRefresh,
) -> None:
    """Mark a question answered (its campaign's marketer only) and show it on the message."""
    ack()
    container = body.get("container") or {}
    with db() as session:
        question = launches.answer_question(
            session=session,
            team_id=_team(body, context),
            question_id=_button_id(body),
            user_id=body["user"]["id"],
            ts=container.get("message_ts"),
        )
    assert question.id is not None
    homes.refresh(_team(body, context), body["user"]["id"])
    message = build_question_message(
        question_id=question.id,
        asker_id=question.user_id,
        text=question.text,
        answered_by=question.answered_by,
    )
    client.chat_update(
        channel=container.get("channel_id") or question.channel_id or "",
        ts=container.get("message_ts") or question.ts or "",
        text=message["text"],
        blocks=message["blocks"],
    )


def _open_edit(
    *,
    client: WebClient,
    db: SessionScope,
    team_id: str,
    campaign_id: int,
    user_id: str,
    trigger_id: str,
) -> None:
    with db() as session:
        campaign = launches.get_campaign_for_edit(
            session=session, team_id=team_id, campaign_id=campaign_id, editor_id=user_id
        )
    timezone = str(get_user(client=client, user_id=user_id).get("tz") or campaign.timezone)
    defaults = LaunchDefaults(
        channel_ids=(),
        today=local_today(utcnow(), timezone),
        name=campaign.name,
        summary=campaign.summary,
        launch_date=campaign.launch_date,
        ask=campaign.ask,
        campaign_id=campaign.id,
        timezone=timezone,
    )
    client.views_open(trigger_id=trigger_id, view=build_launch_modal(defaults))


@after_ack
def handle_edit_button(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """ "Edit launch" on the marketer's summary."""
    ack()
    _open_edit(
        client=client,
        db=db,
        team_id=_team(body, context),
        campaign_id=_button_id(body),
        user_id=body["user"]["id"],
        trigger_id=body["trigger_id"],
    )


@after_ack
def handle_edit_shortcut(
    ack: Ack,
    shortcut: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """The "Edit launch" message shortcut, on one of the campaign's announcements."""
    ack()
    channel_id = str((shortcut.get("channel") or {}).get("id") or "")
    ts = str((shortcut.get("message") or {}).get("ts") or shortcut.get("message_ts") or "")
    team_id = _team(shortcut, context)
    with db() as session:
        campaign = launches.campaign_for_message(
            session=session, team_id=team_id, channel_id=channel_id, ts=ts
        )
    if campaign is None or campaign.id is None:
        respond(build_message("That message isn't a Liaison launch announcement."))
        return
    _open_edit(
        client=client,
        db=db,
        team_id=team_id,
        campaign_id=campaign.id,
        user_id=shortcut["user"]["id"],
        trigger_id=shortcut["trigger_id"],
    )
