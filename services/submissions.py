"""The launch, edit and question modals' submissions, and finishing a launch after its ack.

The launch modal's submission is committed (a PREPARING campaign with its target
channels and collateral) before Slack gets its 200. Everything slow comes after, here:
asking Slack who the marketer is (users.info, which may be rate limited), reading page
titles, then queueing the posts (finish_submission). submit_launch runs it in the request
thread right after the ack; the resumer (workers/launches.py) runs it for campaigns a dead
process left PREPARING. It is idempotent: the campaign's row lock and status decide once,
so two runs never post twice. The edit and question modals are stored before their ack too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from apscheduler.schedulers.base import BaseScheduler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.db import SessionScope, unit_of_work
from domain.launch import LaunchField, LaunchForm, validate_launch
from domain.schedule import local_today
from models import CampaignStatus, WorkspaceRef
from services import delivery, launches
from services.collateral import fetch_titles
from services.errors import UserError
from services.home import HomeRefresh
from services.people import check_launcher
from services.scheduling import Waker, schedule_launch

logger = logging.getLogger(__name__)

# Called once a submission is accepted (its modal may close): Bolt's `ack` in a listener.
Accept = Callable[[], object]

GONE = "This launch is no longer in Liaison."
DATE_FIXED = "Already announced: the launch date can't change now."


@dataclass(frozen=True)
class Finished:
    """What became of a submission: its posts queued (or scheduled), or refused."""

    campaign_id: int
    scheduled_for: datetime | None = None
    refused: bool = False


def finish_submission(
    *,
    client: WebClient,
    db: SessionScope,
    http: httpx.Client,
    allow_private: bool,
    campaign_id: int,
    now: datetime,
) -> Finished | None:
    """Check the marketer may launch, read page titles, then queue or schedule the posts.

    None when there was nothing to do (the campaign is already prepared, by this or
    another process). A refused launch is removed and the marketer told in the same
    transaction; a scheduled one gets its "scheduled for" note in the transaction that
    schedules it. Slack errors (a rate limit that outlasts the client's retries) raise:
    the campaign stays PREPARING and the resumer tries again.
    """
    with db() as session:
        pending = launches.preparing_submission(session=session, campaign_id=campaign_id)
    if pending is None:
        return None
    # Who may launch is checked here, after the ack: the policy may have changed while
    # the form was open, and users.info must not delay the acknowledgement.
    check = check_launcher(
        client=client, db=db, workspace=pending.workspace, user_id=pending.marketer_id
    )
    if not check.allowed:
        with db() as session:
            refused = launches.refuse_campaign(
                session=session, campaign_id=campaign_id, outsider=check.outsider
            )
        return Finished(campaign_id=campaign_id, refused=True) if refused else None
    titles = fetch_titles(http=http, urls=list(pending.untitled), allow_private=allow_private)
    # The campaign's preparation and its "scheduled for" note: one step.
    with unit_of_work(db) as session:
        created = launches.prepare_campaign(
            session=session, campaign_id=campaign_id, titles=titles, now=now, commit=False
        )
        if created is None:
            return None
        if created.scheduled_for is not None:
            delivery.queue_summary(session=session, campaign_id=campaign_id, commit=False)
    return Finished(campaign_id=campaign_id, scheduled_for=created.scheduled_for)


def submit_launch(
    *,
    client: WebClient,
    db: SessionScope,
    http: httpx.Client,
    allow_private: bool,
    scheduler: BaseScheduler,
    worker: Waker,
    workspace: WorkspaceRef,
    marketer_id: str,
    form: LaunchForm,
    timezone: str,
    accept: Accept,
    now: datetime,
) -> int:
    """Store a submitted launch, `accept` it, then check, read titles and queue its posts.

    Returns the campaign's id. Slack being busy or unreachable after the acceptance is
    not an error: the launch is stored and the resumer (workers/launches.py) finishes it.
    """
    # Committed before the 200: once Slack closes the modal, the launch is ours to keep,
    # whatever happens to this process (workers/launches.py's resumer finishes it later).
    with db() as session:
        campaign_id = launches.create_campaign(
            session=session,
            workspace=workspace,
            marketer_id=marketer_id,
            form=form,
            timezone=timezone,
        )
    accept()
    try:
        finished = finish_submission(
            client=client,
            db=db,
            http=http,
            allow_private=allow_private,
            campaign_id=campaign_id,
            now=now,
        )
    except (SlackApiError, OSError) as error:
        # Slack busy (users.info rate limited) or unreachable: the launch is stored, and
        # the resumer finishes it; the marketer hears the outcome then.
        logger.info("launch %d: finishing it later (%s)", campaign_id, type(error).__name__)
        return campaign_id
    if finished is not None and finished.scheduled_for is not None:
        schedule_launch(scheduler, finished.campaign_id, finished.scheduled_for)
    worker.wake()
    return campaign_id


def submit_edit(
    *,
    db: SessionScope,
    scheduler: BaseScheduler,
    worker: Waker,
    workspace: WorkspaceRef,
    campaign_id: int,
    editor_id: str,
    values: Mapping[str, Mapping[str, Any]],
    timezone: str,
    accept: Accept,
    now: datetime,
) -> dict[str, str] | None:
    """Save an edited campaign from the edit modal's values; its posts follow via the outbox.

    Returns the form's errors by block id (nothing saved, nothing accepted), else None
    once the edit is committed and accepted. An edit refused for a reason (someone other
    than the marketer) is accepted too, so the modal closes, and its UserError raised.
    """
    with db() as session:
        campaign = launches.get_campaign(
            session=session, workspace=workspace, campaign_id=campaign_id
        )
    if campaign is None:
        return {LaunchField.NAME: GONE}
    form = validate_launch(
        values,
        today=local_today(now, timezone),
        editing=True,
        current_date=campaign.launch_date,
    )
    if isinstance(form, dict):
        return form
    if campaign.status != CampaignStatus.SCHEDULED and form.launch_date != campaign.launch_date:
        return {LaunchField.DATE: DATE_FIXED}
    # The edit (and the refreshes of posted announcements) is committed before the 200.
    try:
        with db() as session:
            edited = launches.edit_campaign(
                session=session,
                workspace=workspace,
                campaign_id=campaign_id,
                editor_id=editor_id,
                form=form,
                now=now,
            )
    except UserError:
        accept()  # the modal closes; the reason is sent to the editor privately
        raise
    accept()
    if edited.scheduled_for is not None:
        schedule_launch(scheduler, edited.campaign_id, edited.scheduled_for)
    worker.wake()
    return None


def submit_question(
    *,
    db: SessionScope,
    homes: HomeRefresh,
    worker: Waker,
    workspace: WorkspaceRef,
    campaign_id: int,
    asker_id: str,
    text: str,
    channel_id: str,
    thread_ts: str,
    accept: Accept,
) -> str | None:
    """Store a question with its post in the announcement's thread, `accept` it, then post.

    Returns why it was refused (the launch was deleted while the form was open), else
    None once it is committed and accepted; the marketer's home then shows it.
    """
    # The question and its post are committed together before the 200: the delivery
    # worker posts it (after a restart too), and closes it, telling the asker, if Slack
    # refuses it for good.
    try:
        with db() as session:
            asked = launches.ask_question(
                session=session,
                workspace=workspace,
                campaign_id=campaign_id,
                user_id=asker_id,
                text=text,
                channel_id=channel_id,
                thread_ts=thread_ts,
            )
    except UserError as error:
        return str(error)
    accept()
    worker.wake()
    homes.refresh(workspace.team_id, asked.marketer_id)
    return None
