"""Submissions of the launch, edit-launch and question modals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

import httpx
from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import Ack
from slack_sdk import WebClient

from blocks.ids import Ids
from core.db import SessionScope
from core.settings import Settings
from domain.launch import MAX_QUESTION, LaunchField, LaunchForm, validate_launch
from domain.payloads import db_id, mapping, metadata_object, state_values, text, user_of
from domain.schedule import local_today
from domain.text import strip_controls
from handlers.errors import after_ack
from models import WorkspaceRef, utcnow
from services.home import HomeRefresh
from services.scheduling import Waker
from services.submissions import submit_edit, submit_launch, submit_question

OUT_OF_DATE = "This form is out of date."


def _zone(meta: dict[str, Any]) -> str:
    zone = meta.get("tz")
    return zone if isinstance(zone, str) and zone else "UTC"


def _campaign_id(meta: dict[str, Any]) -> int | None:
    """The campaign a modal was opened for: an int we stored, within the database's range."""
    value = meta.get("campaign_id")
    return db_id(value) if isinstance(value, int) else None


@dataclass(frozen=True)
class _Launch:
    """What a valid launch submission says."""

    workspace: WorkspaceRef
    marketer_id: str
    form: LaunchForm
    timezone: str


def _launch(
    body: dict[str, Any], view: dict[str, Any], workspace: WorkspaceRef | None
) -> _Launch | dict[str, str]:
    """The launch modal's submission, or its errors by block id."""
    timezone = _zone(metadata_object(view))
    form = validate_launch(state_values(view), today=local_today(utcnow(), timezone))
    marketer_id = user_of(body)
    if isinstance(form, dict):
        return form
    if not (workspace and marketer_id):
        return {LaunchField.NAME: OUT_OF_DATE}
    return _Launch(workspace=workspace, marketer_id=marketer_id, form=form, timezone=timezone)


@dataclass(frozen=True)
class _Question:
    """What a valid question submission says."""

    workspace: WorkspaceRef
    asker_id: str
    campaign_id: int
    channel_id: str
    thread_ts: str
    text: str


def _question(
    body: dict[str, Any], view: dict[str, Any], workspace: WorkspaceRef | None
) -> _Question | dict[str, str]:
    """The question modal's submission, or its errors by block id."""
    meta = metadata_object(view)
    field = state_values(view).get(Ids.QUESTION_TEXT)
    typed = strip_controls(text(mapping(field).get(Ids.QUESTION_TEXT), "value") or "").strip()
    if not typed:
        return {"question_text": "Write your question first."}
    if len(typed) > MAX_QUESTION:
        return {"question_text": f"Keep it under {MAX_QUESTION} characters."}
    campaign_id = _campaign_id(meta)
    channel_id, thread_ts = text(meta, "channel_id"), text(meta, "thread_ts")
    asker_id = user_of(body)
    if not (campaign_id and channel_id and thread_ts and workspace and asker_id):
        return {Ids.QUESTION_TEXT: OUT_OF_DATE}
    return _Question(workspace, asker_id, campaign_id, channel_id, thread_ts, typed)


@after_ack
def handle_launch_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    workspace: WorkspaceRef | None,
    client: WebClient,
    db: SessionScope,
    http: httpx.Client,
    settings: Settings,
    worker: Waker,
    scheduler: BaseScheduler,
) -> None:
    """Store the launch, then acknowledge; check, read titles and queue its posts after."""
    if isinstance(launch := _launch(body, view, workspace), dict):
        ack(response_action="errors", errors=launch)
        return
    submit_launch(
        client=client,
        db=db,
        http=http,
        allow_private=settings.liaison_allow_private_urls,
        scheduler=scheduler,
        worker=worker,
        workspace=launch.workspace,
        marketer_id=launch.marketer_id,
        form=launch.form,
        timezone=launch.timezone,
        accept=ack,
        now=utcnow(),
    )


class _Edit(TypedDict):
    """Which campaign an edit modal is for, and who submitted what (submit_edit's words)."""

    campaign_id: int
    workspace: WorkspaceRef
    editor_id: str
    values: Mapping[str, Mapping[str, Any]]
    timezone: str


def _edit_of(
    view: dict[str, Any], body: dict[str, Any], workspace: WorkspaceRef | None
) -> _Edit | None:
    """The edit the modal carries; None when the modal no longer says which campaign."""
    meta = metadata_object(view)
    campaign_id, editor_id = _campaign_id(meta), user_of(body)
    if not (campaign_id and workspace and editor_id):
        return None
    return _Edit(
        campaign_id=campaign_id,
        workspace=workspace,
        editor_id=editor_id,
        values=state_values(view),
        timezone=_zone(meta),
    )


@after_ack
def handle_edit_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    workspace: WorkspaceRef | None,
    client: WebClient,  # after_ack tells the editor why an edit was refused
    db: SessionScope,
    worker: Waker,
    scheduler: BaseScheduler,
) -> None:
    """Save an edited campaign; its posted announcements are updated through the outbox."""
    edit = _edit_of(view, body, workspace)
    if edit is None:
        ack(response_action="errors", errors={LaunchField.NAME: OUT_OF_DATE})
        return
    errors = submit_edit(
        db=db, scheduler=scheduler, worker=worker, accept=ack, now=utcnow(), **edit
    )
    if errors is not None:
        ack(response_action="errors", errors=errors)


@after_ack
def handle_question_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    workspace: WorkspaceRef | None,
    db: SessionScope,
    homes: HomeRefresh,
    worker: Waker,
) -> None:
    """Store a question with its post in the announcement's thread; track it until answered."""
    if isinstance(asked := _question(body, view, workspace), dict):
        ack(response_action="errors", errors=asked)
        return
    refused = submit_question(
        db=db,
        homes=homes,
        worker=worker,
        workspace=asked.workspace,
        campaign_id=asked.campaign_id,
        asker_id=asked.asker_id,
        text=asked.text,
        channel_id=asked.channel_id,
        thread_ts=asked.thread_ts,
        accept=ack,
    )
    if refused is not None:  # the launch was deleted while the form was open
        ack(response_action="errors", errors={Ids.QUESTION_TEXT: refused})
