"""`/launch`: open the launch modal for people allowed to launch."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from blocks.launch import LaunchDefaults, build_launch_help, build_launch_modal
from blocks.replies import build_message
from core.db import SessionScope
from core.errors import after_ack
from domain.launch import MAX_NAME
from domain.permissions import may_launch
from domain.schedule import local_today
from domain.text import one_line, unescape_slack
from models import utcnow
from services.access import get_user
from services.launches import get_launch_policy
from services.people import usergroup_members
from services.workspaces import list_sales_channels

REFUSED = (
    "Launching is limited to certain people in this workspace. "
    "An admin can change that with `/liaison launchers …`."
)


@after_ack
def handle_launch_command(
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """Open the launch modal (text after `/launch` becomes the campaign name)."""
    text = one_line(unescape_slack(command.get("text") or ""))
    if text.lower() == "help":
        ack(build_message(build_launch_help()))
        return
    # The trigger_id stays valid for 3 s; Slack calls come first, the database after.
    ack()
    user = get_user(client=client, user_id=command["user_id"])
    team_id = context.team_id or command["team_id"]
    with db() as session:
        policy = get_launch_policy(session=session, team_id=team_id)
        channels = tuple(list_sales_channels(session=session, team_id=team_id))
    members = None
    if policy.policy == "usergroup" and policy.usergroup_id:
        members = usergroup_members(client=client, usergroup_id=policy.usergroup_id)
    if not may_launch(
        user=user, policy=str(policy.policy), named=policy.named, group_members=members
    ):
        respond(build_message(REFUSED))
        return
    timezone = str(user.get("tz") or "UTC")
    defaults = LaunchDefaults(
        channel_ids=channels,
        today=local_today(utcnow(), timezone),
        name=text[:MAX_NAME],
        timezone=timezone,
    )
    client.views_open(trigger_id=command["trigger_id"], view=build_launch_modal(defaults))
