"""Submissions of the launch, edit-launch and question modals."""

from __future__ import annotations

from typing import Any

import httpx
from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.ids import Ids
from blocks.launch import LAUNCH_REFUSED, build_question_message
from blocks.replies import build_message
from core.db import SessionScope
from core.errors import after_ack
from core.settings import Settings
from domain.launch import MAX_QUESTION, LaunchField, validate_launch
from domain.payloads import db_id, mapping, metadata_object, state_values, team_of, text, user_of
from domain.schedule import local_today
from domain.text import strip_controls
from models import CampaignStatus, utcnow
from services import delivery, launches
from services.collateral import fetch_titles
from services.home import HomeRefresh
from services.people import check_launcher
from services.scheduling import Waker, schedule_launch

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
    """Validate the launch form; store the campaign, then queue or schedule its posts."""
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
    ack()
    # Who may launch is checked again: the policy may have changed while the form was open.
    if not check_launcher(client=client, db=db, team_id=team_id, user_id=marketer_id).allowed:
        note = build_message(LAUNCH_REFUSED)
        client.chat_postMessage(channel=marketer_id, text=note["text"], blocks=note["blocks"])
        return
    with db() as session:
        campaign_id = launches.create_campaign(
            session=session,
            team_id=team_id,
            marketer_id=marketer_id,
            form=form,
            timezone=timezone,
        )
    # Stored first, so a crash while reading page titles loses nothing (the sweep finishes).
    untitled = [line.url for line in form.collateral if line.title is None]
    titles = fetch_titles(
        http=http, urls=untitled, allow_private=settings.liaison_allow_private_urls
    )
    with db() as session:
        created = launches.prepare_campaign(
            session=session, campaign_id=campaign_id, titles=titles, now=utcnow()
        )
    if created is not None and created.scheduled_for is not None:
        schedule_launch(scheduler, created.campaign_id, created.scheduled_for)
        with db() as session:
            delivery.queue_summary(session=session, campaign_id=created.campaign_id)
    worker.wake()


@after_ack
def handle_edit_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
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
    ack()
    with db() as session:
        edited = launches.edit_campaign(
            session=session,
            team_id=team_id,
            campaign_id=campaign_id,
            editor_id=editor_id,
            form=form,
            now=utcnow(),
        )
    if edited.scheduled_for is not None:
        schedule_launch(scheduler, edited.campaign_id, edited.scheduled_for)
    worker.wake()


@after_ack
def handle_question_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionScope,
    homes: HomeRefresh,
) -> None:
    """Post a question in the announcement's thread and track it until answered."""
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
    ack()
    with db() as session:
        question = launches.add_question(
            session=session,
            team_id=team_id,
            campaign_id=campaign_id,
            user_id=asker_id,
            text=question_text,
            channel_id=channel_id,
        )
        marketer = launches.campaign_marketer(session=session, campaign_id=campaign_id)
    assert question.id is not None
    if marketer:
        homes.refresh(team_id, marketer)
    message = build_question_message(
        question_id=question.id, asker_id=asker_id, text=question_text, answered_by=None
    )
    posted = client.chat_postMessage(
        channel=channel_id, thread_ts=thread_ts, text=message["text"], blocks=message["blocks"]
    )
    with db() as session:
        launches.set_question_ts(session=session, question_id=question.id, ts=str(posted["ts"]))
