"""Submissions of the launch, edit-launch and question modals."""

from __future__ import annotations

import json
from typing import Any

import httpx
from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from blocks.launch import LAUNCH_REFUSED, build_question_message
from blocks.replies import build_message
from core.db import SessionScope
from core.errors import after_ack
from core.settings import Settings
from domain.launch import MAX_QUESTION, LaunchField, validate_launch
from domain.schedule import local_today
from domain.text import strip_controls
from models import CampaignStatus, utcnow
from services import delivery, launches
from services.collateral import fetch_titles
from services.home import HomeRefresh
from services.people import check_launcher
from services.scheduling import Waker, schedule_launch


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


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
    meta = _metadata(view)
    timezone = str(meta.get("tz") or "UTC")
    form = validate_launch(view["state"]["values"], today=local_today(utcnow(), timezone))
    if isinstance(form, dict):
        ack(response_action="errors", errors=form)
        return
    ack()
    team_id = context.team_id or body["team"]["id"]
    user_id = body["user"]["id"]
    # Who may launch is checked again: the policy may have changed while the form was open.
    if not check_launcher(client=client, db=db, team_id=team_id, user_id=user_id).allowed:
        note = build_message(LAUNCH_REFUSED)
        client.chat_postMessage(channel=user_id, text=note["text"], blocks=note["blocks"])
        return
    with db() as session:
        campaign_id = launches.create_campaign(
            session=session, team_id=team_id, marketer_id=user_id, form=form, timezone=timezone
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
    meta = _metadata(view)
    campaign_id = meta.get("campaign_id")
    timezone = str(meta.get("tz") or "UTC")
    team_id = context.team_id or body["team"]["id"]
    if not isinstance(campaign_id, int):
        ack(response_action="errors", errors={"launch_name": "This form is out of date."})
        return
    with db() as session:
        campaign = launches.get_campaign(session=session, team_id=team_id, campaign_id=campaign_id)
    if campaign is None:
        ack(
            response_action="errors", errors={"launch_name": "This launch is no longer in Liaison."}
        )
        return
    form = validate_launch(
        view["state"]["values"],
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
            editor_id=body["user"]["id"],
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
    meta = _metadata(view)
    values = view.get("state", {}).get("values", {})
    text = strip_controls(
        str(((values.get("question_text") or {}).get("question_text") or {}).get("value") or "")
    ).strip()
    if not text:
        ack(response_action="errors", errors={"question_text": "Write your question first."})
        return
    if len(text) > MAX_QUESTION:
        ack(
            response_action="errors",
            errors={"question_text": f"Keep it under {MAX_QUESTION} characters."},
        )
        return
    campaign_id, channel_id, thread_ts = (
        meta.get("campaign_id"),
        meta.get("channel_id"),
        meta.get("thread_ts"),
    )
    if not (isinstance(campaign_id, int) and isinstance(channel_id, str) and thread_ts):
        ack(response_action="errors", errors={"question_text": "This form is out of date."})
        return
    ack()
    user_id = body["user"]["id"]
    with db() as session:
        question = launches.add_question(
            session=session,
            team_id=context.team_id or body["team"]["id"],
            campaign_id=campaign_id,
            user_id=user_id,
            text=text,
            channel_id=channel_id,
        )
        marketer = launches.campaign_marketer(session=session, campaign_id=campaign_id)
    assert question.id is not None
    if marketer:
        homes.refresh(context.team_id or body["team"]["id"], marketer)
    message = build_question_message(
        question_id=question.id, asker_id=user_id, text=text, answered_by=None
    )
    posted = client.chat_postMessage(
        channel=channel_id, thread_ts=str(thread_ts), text=message["text"], blocks=message["blocks"]
    )
    with db() as session:
        launches.set_question_ts(session=session, question_id=question.id, ts=str(posted["ts"]))
