"""Which installation a request reached, read from Slack's payload (SPEC: platform facts).

In a Slack Connect channel, a partner organisation's member clicks with their own team id
(`team.id`, `user.team_id`): the workspace whose data the click is about is the one that
installed Liaison and received the request. Slack says which one in `authorizations`
(events), in `view.app_installed_team_id` (views), and by the team of our own message
(buttons and shortcuts on it). An Enterprise Grid org-wide install (`is_enterprise_install`)
is one Liaison workspace for the whole organisation, keyed by its enterprise id, so a
launch announced from one of its workspaces and voted on from another stays one launch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from domain.payloads import mapping, message_ts, slack_id

Source = Literal["authorizations", "view", "message", "payload"]


@dataclass(frozen=True)
class Receiver:
    """The installation a request is for, as far as its payload tells."""

    team_id: str | None  # the installing workspace (None: not said, or an org-wide install)
    enterprise_id: str | None
    org_install: bool
    source: Source
    # Our own message the request acts on (channel, ts), when it is on one.
    message: tuple[str, str] | None = None

    @property
    def tenant(self) -> str | None:
        """The key of the Liaison workspace: the org for org-wide installs, else the team."""
        return self.enterprise_id if self.org_install else self.team_id


def _flag(value: object) -> bool:
    return value is True or value == "true"


def payload_side(body: Mapping[str, Any]) -> Receiver:
    """What the payload itself says: the actor's side, in a Slack Connect channel."""
    team = mapping(body.get("team"))
    enterprise = mapping(body.get("enterprise"))
    team_id = (
        slack_id(team.get("id"))
        or slack_id(body.get("team"))
        or slack_id(body.get("team_id"))
        or slack_id(mapping(body.get("user")).get("team_id"))
        or slack_id(mapping(body.get("view")).get("team_id"))
    )
    enterprise_id = (
        slack_id(enterprise.get("id"))
        or slack_id(body.get("enterprise"))
        or slack_id(body.get("enterprise_id"))
        or slack_id(team.get("enterprise_id"))
    )
    org = _flag(body.get("is_enterprise_install")) and enterprise_id is not None
    return Receiver(team_id, enterprise_id, org, "payload")


def _our_message(body: Mapping[str, Any]) -> tuple[str | None, tuple[str, str] | None]:
    """The team of the message this app posted and the request acts on, and where it is."""
    message = mapping(body.get("message"))
    if not message:
        return None, None
    app_id = body.get("api_app_id")
    profile = mapping(message.get("bot_profile"))
    ours = isinstance(app_id, str) and app_id in (message.get("app_id"), profile.get("app_id"))
    channel = slack_id(mapping(body.get("channel")).get("id")) or slack_id(
        mapping(body.get("container")).get("channel_id")
    )
    ts = message_ts(message.get("ts"))
    where = (channel, ts) if channel and ts and ours else None
    team = slack_id(profile.get("team_id")) or slack_id(message.get("team")) if ours else None
    return team, where


def receiving_side(body: Mapping[str, Any]) -> Receiver:
    """The installation a (verified) request reached, from the most direct evidence.

    Events: `authorizations[0]`. Views: `view.app_installed_team_id`. Buttons and message
    shortcuts on one of this app's messages: that message's team. Otherwise the payload's
    own team (the actor's), which is also the installation for anything a member of the
    installing workspace starts outside a shared channel. For views and messages the
    caller checks the team against its installs, falling back on `payload_side`.
    """
    said = payload_side(body)
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list) and authorizations:
        first = mapping(authorizations[0])
        enterprise_id = slack_id(first.get("enterprise_id")) or said.enterprise_id
        org = _flag(first.get("is_enterprise_install")) and enterprise_id is not None
        team_id = slack_id(first.get("team_id")) or (said.team_id if org else None)
        if team_id or org:
            return Receiver(team_id, enterprise_id, org, "authorizations")
    # Views and our messages name a team; whether it has an install of its own or is one
    # of an org-wide install's workspaces, only the installation store can tell.
    installed = slack_id(mapping(body.get("view")).get("app_installed_team_id"))
    if installed:
        return Receiver(installed, None, False, "view")
    team, where = _our_message(body)
    if team or where:
        return Receiver(team, None, False, "message", where)
    return said
