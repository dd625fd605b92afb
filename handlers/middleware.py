"""Bolt middleware: which workspace a request is for, and where its replies may go.

Both run before Bolt authorizes the request (`before_authorize`), on requests whose
signature app/server.py has already checked on the raw bytes:

- the response URL is kept only when it is Slack's (domain.urls.is_response_url), and
  `respond` is a bounded one (core.slack.BoundedRespond);
- `context.team_id` becomes the key of the Liaison workspace the request acts on: the
  installation that received it (domain.receiver), never the clicking person's own team,
  so a partner organisation's member in a Slack Connect channel reaches the launch they
  see. With OAuth, `enterprise_id` and `is_enterprise_install` are set to match, so Bolt
  authorizes with that installation's token.

A single-workspace app (SLACK_BOT_TOKEN) has one installation: after Bolt's authorize,
`attribute_single_workspace` gives requests that name only the actor's team (a partner
organisation's, in a Slack Connect channel) to the workspace its token belongs to.

Once the team is final (after both), `resolve_request_workspace` resolves the Liaison
workspace once and sets `context["workspace"]` (a models.WorkspaceRef, None when the
request names no team): listeners take it as an argument, injected by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from core.db import SessionScope
from core.slack import BoundedRespond, ReplyNotSent
from domain.inbox import REACTION_KINDS
from domain.payloads import mapping, slack_id
from domain.receiver import Receiver, payload_side, receiving_side
from domain.urls import is_response_url
from services.installations import DbInstallationStore
from services.launches import get_message_workspace_key
from services.workspaces import resolve_workspace

Next = Callable[[], BoltResponse]
Middleware = Callable[..., BoltResponse | None]


def before_authorize(
    *, api_url: str, installations: DbInstallationStore | None, db: SessionScope
) -> Middleware:
    """The middleware Bolt runs before it authorizes each request."""

    def middleware(context: BoltContext, body: dict[str, Any], next: Next) -> BoltResponse:
        _guard_replies(context, api_url=api_url)
        if installations is not None:
            chosen = _installation(body, installations=installations, db=db)
            if chosen.tenant is not None:
                context["team_id"] = chosen.tenant
                context["enterprise_id"] = chosen.enterprise_id
                context["is_enterprise_install"] = chosen.org_install
        else:
            tenant = receiving_side(body).tenant
            if tenant is not None:
                # Replaced by the token's own team once Bolt has authorized the request.
                context["team_id"] = tenant
        return next()

    return middleware


def attribute_single_workspace(
    context: BoltContext, body: dict[str, Any], next: Next
) -> BoltResponse:
    """Bolt middleware for `attribute_to_token`."""
    attribute_to_token(context, body)
    return next()


def attribute_to_token(context: BoltContext, body: dict[str, Any]) -> None:
    """One bot token, one workspace: what only names the actor's team is for the token's.

    Where Slack itself names the receiving installation (authorizations, a view's
    installing team, the team of our own message), that stays: a different team there
    means another install of the app, whose data this one does not hold.
    """
    result = context.authorize_result
    if result is not None and result.team_id and receiving_side(body).source == "payload":
        context["team_id"] = result.team_id


# Events whose listeners need no workspace row: reactions go to the inbox before the ack
# (no query on that path: bench/events.py), and uninstalls and revoked tokens act on what
# Slack keys by team (installations, tokens) and must not create a workspace.
UNRESOLVED_EVENTS = REACTION_KINDS | {"app_uninstalled", "tokens_revoked"}


def resolve_request_workspace(
    context: BoltContext, body: dict[str, Any], *, db: SessionScope, read: SessionScope
) -> None:
    """Set `context["workspace"]`: the request's workspace, or None when it names no team."""
    if mapping(body.get("event")).get("type") in UNRESOLVED_EVENTS:
        context["workspace"] = None
        return
    team_id = request_team(context, body)
    context["workspace"] = (
        None if team_id is None else resolve_workspace(db=db, read=read, team_id=team_id)
    )


def request_team(context: BoltContext, body: dict[str, Any]) -> str | None:
    """The request's team: Bolt's (as middleware above decided it), else the payload's own.

    The payload names it as `team.id` (interactivity, shortcuts, views) or `team_id`
    (commands, events).
    """
    return (
        slack_id(context.team_id)
        or slack_id(mapping(body.get("team")).get("id"))
        or slack_id(body.get("team_id"))
    )


def _guard_replies(context: BoltContext, *, api_url: str) -> None:
    url = context.response_url
    if url is not None and not is_response_url(url, api_url=api_url):
        context["response_url"] = None
        url = None

    def privately(message: dict[str, Any]) -> None:
        # No response URL (a shortcut may have none): a direct message from the app. The
        # client is this request's, authorized by the time a listener replies.
        user_id = context.user_id
        if not user_id:
            raise ReplyNotSent("nobody to reply to")
        context.client.chat_postMessage(
            channel=user_id,
            text=str(message.get("text") or ""),
            blocks=message.get("blocks"),
        )

    context["respond"] = BoundedRespond(response_url=url, fallback=privately)


def _installation(
    body: dict[str, Any], *, installations: DbInstallationStore, db: SessionScope
) -> Receiver:
    """The receiving installation: Slack's word for it, else our message's, else the payload's."""
    side = receiving_side(body)
    if side.source in ("authorizations", "payload"):
        return side
    if side.team_id is not None and installations.installed(side.team_id):
        return side
    if side.message is not None:
        channel_id, ts = side.message
        key = get_message_workspace_key(db=db, channel_id=channel_id, ts=ts)
        if key is not None and key.startswith("E"):
            return Receiver(None, key, True, "message", side.message)
        if key is not None:
            return Receiver(key, None, False, "message", side.message)
    # A workspace of an org-wide install, or nothing better known: the payload's own word.
    return payload_side(body)
