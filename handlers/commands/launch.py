"""`/launch`: open the launch modal for people allowed to launch."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from blocks.launch import (
    LAUNCH_REFUSED,
    LAUNCH_REFUSED_OUTSIDER,
    LAUNCH_TITLE,
    LaunchDefaults,
    build_launch_help,
    build_launch_modal,
)
from blocks.replies import build_message
from core.db import SessionScope
from domain.launch import MAX_NAME
from domain.schedule import local_today
from domain.text import one_line, unescape_slack
from handlers.errors import after_ack, require_workspace
from handlers.modals import modal_first
from models import WorkspaceRef, utcnow
from services.people import LaunchCheck, check_launcher


def _launch_modal(check: LaunchCheck, *, name: str) -> dict[str, Any]:
    """The launch modal for someone allowed to launch, in their time zone."""
    defaults = LaunchDefaults(
        channel_ids=check.sales_channels,
        today=local_today(utcnow(), check.timezone),
        name=name,
        timezone=check.timezone,
    )
    return build_launch_modal(defaults)


@after_ack
def handle_launch_command(
    ack: Ack,
    command: dict[str, Any],
    workspace: WorkspaceRef | None,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """Open the launch modal (text after `/launch` becomes the campaign name)."""
    text = one_line(unescape_slack(command.get("text") or ""))
    if text.lower() == "help":
        ack(build_message(build_launch_help()))
        return
    ack()
    # The trigger_id stays valid for 3 s: the modal opens first, the lookups fill it after.
    with modal_first(client, trigger_id=command["trigger_id"], title=LAUNCH_TITLE) as modal:
        user_id = command["user_id"]
        check = check_launcher(
            client=modal.client, db=db, workspace=require_workspace(workspace), user_id=user_id
        )
        if not check.allowed:
            modal.tell(LAUNCH_REFUSED_OUTSIDER if check.outsider else LAUNCH_REFUSED)
            return
        modal.show(_launch_modal(check, name=text[:MAX_NAME]))
