"""Submissions of the launch, edit-launch and question modals."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.ids import Ids
from core.db import SessionScope
from core.settings import Settings
from domain.launch import MAX_QUESTION, LaunchField, validate_launch
from domain.payloads import db_id, mapping, metadata_object, state_values, team_of, text, user_of
from domain.schedule import local_today
from domain.text import strip_controls
from handlers.errors import after_ack
from models import CampaignStatus, utcnow
from services import launches
from services.errors import UserError
from services.home import HomeRefresh
from services.scheduling import Waker, schedule_launch
from services.submissions import finish_submission

logger = logging.getLogger(__name__)

OUT_OF_DATE = "This form is out of date."


def _zone(meta: dict[str, Any]) -> str:
    zone = meta.get("tz")
    return zone if isinstance(zone, str) and zone else "UTC"


def _campaign_id(meta: dict[str, Any]) -> int | None:
    """The campaign a modal was opened for: an int we stored, within the database's range."""
    value = meta.get("campaign_id")
    return db_id(value) if isinstance(value, int) else None


@after_ack
def handle_launch_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionScope,
    http: httpx.Client,
    settings: Settings,
    worker: Waker,
    scheduler: BaseScheduler,
) -> None:
    """Store the launch, then acknowledge; check, read titles and queue its posts after."""
    timezone = _zone(metadata_object(view))
    form = validate_launch(state_values(view), today=local_today(utcnow(), timezone))
    team_id = team_of(context.team_id, body)
    marketer_id = user_of(body)
    if isinstance(form, dict):
        ack(response_action="errors", errors=form)
        return
    if not (team_id and marketer_id):
        ack(response_action="errors", errors={LaunchField.NAME: OUT_OF_DATE})
        return
    # Committed before the 200: once Slack closes the modal, the launch is ours to keep,
    # whatever happens to this process (jobs/launches.py's resumer finishes it later).
    with db() as session:
        campaign_id = launches.create_campaign(
            session=session,
            team_id=team_id,
            marketer_id=marketer_id,
            form=form,
            timezone=timezone,
        )
    ack()
    try:
        finished = finish_submission(
            client=client,
            db=db,
            http=http,
            allow_private=settings.liaison_allow_private_urls,
            campaign_id=campaign_id,
            now=utcnow(),
        )
    except (SlackApiError, OSError) as error:
        # Slack busy (users.info rate limited) or unreachable: the launch is stored, and
        # the resumer finishes it; the marketer hears the outcome then.
        logger.info("launch %d: finishing it later (%s)", campaign_id, type(error).__name__)
        return
    if finished is not None and finished.scheduled_for is not None:
        schedule_launch(scheduler, finished.campaign_id, finished.scheduled_for)
    worker.wake()


@after_ack
def handle_edit_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,  # after_ack tells the editor why an edit was refused
    db: SessionScope,
    worker: Waker,
    scheduler: BaseScheduler,
) -> None:
    """Save an edited campaign; its posted announcements are updated through the outbox."""
    meta = metadata_object(view)
    campaign_id = _campaign_id(meta)
    timezone = _zone(meta)
    team_id = team_of(context.team_id, body)
    editor_id = user_of(body)
    if not (campaign_id and team_id and editor_id):
        ack(response_action="errors", errors={LaunchField.NAME: OUT_OF_DATE})
        return
    with db() as session:
        campaign = launches.get_campaign(session=session, team_id=team_id, campaign_id=campaign_id)
    if campaign is None:
        ack(
            response_action="errors", errors={"launch_name": "This launch is no longer in Liaison."}
        )
        return
    form = validate_launch(
        state_values(view),
        today=local_today(utcnow(), timezone),
        editing=True,
        current_date=campaign.launch_date,
    )
    if isinstance(form, dict):
        ack(response_action="errors", errors=form)
        return
    if campaign.status != CampaignStatus.SCHEDULED and form.launch_date != campaign.launch_date:
        ack(
            response_action="errors",
            errors={LaunchField.DATE: "Already announced: the launch date can't change now."},
        )
        return
    # The edit (and the refreshes of posted announcements) is committed before the 200.
    try:
        with db() as session:
            edited = launches.edit_campaign(
                session=session,
                team_id=team_id,
                campaign_id=campaign_id,
                editor_id=editor_id,
                form=form,
                now=utcnow(),
            )
    except UserError:
        ack()  # the modal closes; the reason is sent to the editor privately
        raise
    ack()
    if edited.scheduled_for is not None:
        schedule_launch(scheduler, edited.campaign_id, edited.scheduled_for)
    worker.wake()


@after_ack
def handle_question_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    db: SessionScope,
    homes: HomeRefresh,
    worker: Waker,
) -> None:
    """Store a question with its post in the announcement's thread; track it until answered."""
    meta = metadata_object(view)
    field = state_values(view).get(Ids.QUESTION_TEXT)
    question_text = strip_controls(
        text(mapping(field).get(Ids.QUESTION_TEXT), "value") or ""
    ).strip()
    if not question_text:
        ack(response_action="errors", errors={"question_text": "Write your question first."})
        return
    if len(question_text) > MAX_QUESTION:
        ack(
            response_action="errors",
            errors={"question_text": f"Keep it under {MAX_QUESTION} characters."},
        )
        return
    campaign_id = _campaign_id(meta)
    channel_id, thread_ts = text(meta, "channel_id"), text(meta, "thread_ts")
    team_id = team_of(context.team_id, body)
    asker_id = user_of(body)
    if not (campaign_id and channel_id and thread_ts and team_id and asker_id):
        ack(response_action="errors", errors={Ids.QUESTION_TEXT: OUT_OF_DATE})
        return
    # The question and its post are committed together before the 200: the delivery
    # worker posts it (after a restart too), and closes it, telling the asker, if Slack
    # refuses it for good.
    try:
        with db() as session:
            asked = launches.ask_question(
                session=session,
                team_id=team_id,
                campaign_id=campaign_id,
                user_id=asker_id,
                text=question_text,
                channel_id=channel_id,
                thread_ts=thread_ts,
            )
    except UserError as error:  # the launch was deleted while the form was open
        ack(response_action="errors", errors={Ids.QUESTION_TEXT: str(error)})
        return
    ack()
    worker.wake()
    homes.refresh(team_id, asked.marketer_id)
