"""Buttons on announcements, questions and the marketer's summary, and the edit shortcut."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from blocks.feedback import FEEDBACK_TITLE, build_feedback_modal
from blocks.launch import (
    EDIT_TITLE,
    QUESTION_TITLE,
    LaunchDefaults,
    build_launch_modal,
    build_question_message,
    build_question_modal,
)
from blocks.replies import build_message
from core.db import SessionScope
from domain.payloads import (
    action_value,
    db_id,
    mapping,
    message_ts,
    slack_id,
    text,
    user_of,
)
from domain.schedule import local_today
from handlers.errors import after_ack
from handlers.modals import modal_first
from models import Question, WorkspaceRef, utcnow
from services.announcements import (
    EditStart,
    confirm_ready,
    mark_answered,
    start_edit,
    start_feedback,
    start_question,
)
from services.errors import UserError
from services.home import HomeRefresh
from services.scheduling import Waker

OUT_OF_DATE = "That button is out of date."
NOT_AN_ANNOUNCEMENT = "That message isn't a Liaison launch announcement."
READY = "Thanks: you're marked as ready for this launch."
ALREADY_READY = "You've already confirmed this launch. Thanks!"


def _button_id(body: dict[str, Any]) -> int:
    """The id a button carries as its value (a campaign's or a question's)."""
    found = db_id(action_value(body))
    if found is None:
        raise UserError(OUT_OF_DATE)
    return found


def _team(body: dict[str, Any], workspace: WorkspaceRef | None) -> WorkspaceRef:
    found = workspace
    if found is None:
        raise UserError(OUT_OF_DATE)
    return found


def _user(body: dict[str, Any]) -> str:
    found = user_of(body)
    if found is None:
        raise UserError(OUT_OF_DATE)
    return found


def _trigger(body: dict[str, Any]) -> str:
    found = text(body, "trigger_id")
    if not found:
        raise UserError(OUT_OF_DATE)
    return found


def _shortcut_message(shortcut: dict[str, Any]) -> tuple[str, str]:
    """The channel and ts of the message a message shortcut was used on ("" when missing)."""
    channel_id = slack_id(mapping(shortcut.get("channel")).get("id")) or ""
    ts = (
        message_ts(mapping(shortcut.get("message")).get("ts"))
        or message_ts(shortcut.get("message_ts"))
        or ""
    )
    return channel_id, ts


def _container(body: dict[str, Any]) -> tuple[str, str]:
    """The channel and ts of the message the button is on ("" when it is not on one)."""
    container = mapping(body.get("container"))
    channel_id = slack_id(container.get("channel_id"))
    ts = message_ts(container.get("message_ts"))
    return channel_id or "", ts or ""


def _edit_modal(start: EditStart) -> dict[str, Any]:
    """The launch modal, prefilled for editing a campaign."""
    campaign = start.campaign
    defaults = LaunchDefaults(
        channel_ids=(),
        today=local_today(utcnow(), start.timezone),
        name=campaign.name,
        summary=campaign.summary,
        launch_date=campaign.launch_date,
        ask=campaign.ask,
        campaign_id=campaign.id,
        timezone=start.timezone,
    )
    return build_launch_modal(defaults)


@after_ack
def handle_got_it(
    ack: Ack,
    body: dict[str, Any],
    workspace: WorkspaceRef | None,
    respond: Respond,
    db: SessionScope,
    worker: Waker,
    homes: HomeRefresh,
) -> None:
    """Record "Got it" once per person; the ready count on the message follows via the outbox."""
    ack()
    channel_id, ts = _container(body)
    workspace, user, campaign_id = _team(body, workspace), _user(body), _button_id(body)
    new = confirm_ready(
        db=db,
        worker=worker,
        homes=homes,
        workspace=workspace,
        campaign_id=campaign_id,
        user_id=user,
        channel_id=channel_id,
        ts=ts,
    )
    if respond.response_url:  # a click on a message always has one; the count shows anyway
        respond(build_message(READY if new else ALREADY_READY))


@after_ack
def handle_give_feedback(
    ack: Ack,
    body: dict[str, Any],
    workspace: WorkspaceRef | None,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """Open the feedback modal for this announcement's campaign."""
    ack()
    workspace, campaign_id = _team(body, workspace), _button_id(body)
    with modal_first(client, trigger_id=_trigger(body), title=FEEDBACK_TITLE) as modal:
        start = start_feedback(db=db, workspace=workspace, campaign_id=campaign_id)
        modal.show(
            build_feedback_modal(
                campaign_id=start.campaign_id, campaign_name=start.campaign_name, initial=start.only
            )
        )


@after_ack
def handle_ask_question(
    ack: Ack,
    body: dict[str, Any],
    workspace: WorkspaceRef | None,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """Open the question modal for this announcement."""
    ack()
    campaign_id, workspace = _button_id(body), _team(body, workspace)
    channel_id, thread_ts = _container(body)
    if not (channel_id and thread_ts):
        raise UserError(OUT_OF_DATE)  # the question goes in the announcement's thread
    with modal_first(client, trigger_id=_trigger(body), title=QUESTION_TITLE) as modal:
        name = start_question(db=db, workspace=workspace, campaign_id=campaign_id)
        modal.show(
            build_question_modal(
                campaign_id=campaign_id,
                channel_id=channel_id,
                thread_ts=thread_ts,
                campaign_name=name,
            )
        )


def _question_message(question: Question) -> dict[str, Any]:
    """A question's post in the announcement's thread, showing who answered it."""
    assert question.id is not None
    return build_question_message(
        question_id=question.id,
        asker_id=question.user_id,
        text=question.text,
        answered_by=question.answered_by,
    )


@after_ack
def handle_mark_answered(
    ack: Ack,
    body: dict[str, Any],
    workspace: WorkspaceRef | None,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
    homes: HomeRefresh,
) -> None:
    """Mark a question answered (its campaign's marketer only) and show it on the message."""
    ack()
    channel_id, ts = _container(body)
    workspace, user, question_id = _team(body, workspace), _user(body), _button_id(body)
    question = mark_answered(
        db=db,
        homes=homes,
        workspace=workspace,
        question_id=question_id,
        user_id=user,
        ts=ts or None,
    )
    message = _question_message(question)
    client.chat_update(
        channel=channel_id or question.channel_id or "",
        ts=ts or question.ts or "",
        text=message["text"],
        blocks=message["blocks"],
    )


def _open_edit(
    *,
    client: WebClient,
    db: SessionScope,
    workspace: WorkspaceRef,
    campaign_id: int | None,
    user_id: str,
    trigger_id: str,
    message: tuple[str, str] | None = None,
) -> None:
    """Open the edit modal for a campaign, or for the one announced in `message`."""
    with modal_first(client, trigger_id=trigger_id, title=EDIT_TITLE) as modal:
        start = start_edit(
            client=modal.client,
            db=db,
            workspace=workspace,
            user_id=user_id,
            campaign_id=campaign_id,
            message=message,
        )
        if start is None:
            modal.tell(NOT_AN_ANNOUNCEMENT)
            return
        modal.show(_edit_modal(start))


@after_ack
def handle_edit_button(
    ack: Ack,
    body: dict[str, Any],
    workspace: WorkspaceRef | None,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """ "Edit launch" on the marketer's summary."""
    ack()
    _open_edit(
        client=client,
        db=db,
        workspace=_team(body, workspace),
        campaign_id=_button_id(body),
        user_id=_user(body),
        trigger_id=_trigger(body),
    )


@after_ack
def handle_edit_shortcut(
    ack: Ack,
    shortcut: dict[str, Any],
    workspace: WorkspaceRef | None,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """The "Edit launch" message shortcut, on one of the campaign's announcements."""
    ack()
    _open_edit(
        client=client,
        db=db,
        workspace=_team(shortcut, workspace),
        campaign_id=None,
        message=_shortcut_message(shortcut),
        user_id=_user(shortcut),
        trigger_id=_trigger(shortcut),
    )
