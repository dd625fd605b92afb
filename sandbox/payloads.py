"""Pure builders of the requests Slack sends to the app, in Slack's exact shapes.

Shapes follow Slack's reference (slash commands, Events API envelope, interactivity
payloads) and the fixtures of ``slackapi/bolt-python`` ``tests/scenario_tests/``. Default
ids name the sandbox's seeded workspace (``constants.py``). Builders return form fields
(slash commands) or JSON-ready dicts; ``SlackDriver`` encodes and signs them.
"""

from __future__ import annotations

import base64
import copy
import json
import secrets
import threading
import time
from collections.abc import Iterable
from typing import Any

from sandbox import triggers
from sandbox.constants import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    SEED_CHANNEL_NAMES,
    SEED_USER_NAMES,
    TEAM_DOMAIN,
    TEAM_ID,
    VERIFICATION_TOKEN,
)

JsonDict = dict[str, Any]

_ts_lock = threading.Lock()
_last_micros = 0


def new_trigger_id(issued_at: float | None = None) -> str:
    """Return a fresh trigger id shaped like Slack's, valid for 3 s from now (or `issued_at`)."""
    return triggers.issue(issued_at)


def new_event_id() -> str:
    """Return a fresh Events API event id (``Ev`` + 9 upper-case characters)."""
    return "Ev" + secrets.token_hex(5).upper()[:9]


def now_ts() -> str:
    """Return the current time as a Slack ts string with microseconds."""
    global _last_micros
    # Strictly increasing, so two events built in the same microsecond still differ.
    with _ts_lock:
        _last_micros = max(int(time.time() * 1_000_000), _last_micros + 1)
        micros = _last_micros
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _user_name(user_id: str) -> str:
    return SEED_USER_NAMES.get(user_id, user_id.lower())


def _channel_name(channel_id: str) -> str:
    if channel_id.startswith("D"):
        return "directmessage"
    return SEED_CHANNEL_NAMES.get(channel_id, channel_id.lower())


def _user_object(user_id: str, team_id: str) -> JsonDict:
    name = _user_name(user_id)
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team_object(team_id: str) -> JsonDict:
    return {"id": team_id, "domain": TEAM_DOMAIN if team_id == TEAM_ID else team_id.lower()}


# ---------------------------------------------------------------- slash commands


def slash_command(
    command: str,
    text: str = "",
    *,
    user_id: str,
    user_name: str | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    channel_id: str = "C0SALES",
    channel_name: str | None = None,
    response_url: str,
    trigger_id: str | None = None,
    api_app_id: str = APP_ID,
) -> dict[str, str]:
    """Return the form fields Slack posts for a slash command, in Slack's order."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name if channel_name is not None else _channel_name(channel_id),
        "user_id": user_id,
        "user_name": user_name if user_name is not None else _user_name(user_id),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id if trigger_id is not None else new_trigger_id(),
    }


# ---------------------------------------------------------------- Events API


def event_callback(
    event: JsonDict,
    *,
    team_id: str = TEAM_ID,
    event_id: str | None = None,
    event_time: int | None = None,
    api_app_id: str = APP_ID,
) -> JsonDict:
    """Wrap an inner event in Slack's full ``event_callback`` envelope."""
    ctx = json.dumps({"tid": team_id, "aid": api_app_id, "cid": event.get("channel", "")})
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": copy.deepcopy(event),
        "type": "event_callback",
        "event_id": event_id if event_id is not None else new_event_id(),
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + base64.urlsafe_b64encode(ctx.encode()).decode().rstrip("="),
    }


def url_verification(challenge: str) -> JsonDict:
    """Return the ``url_verification`` request Slack sends when the Request URL is saved."""
    return {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}


def _reaction(
    kind: str,
    *,
    user: str,
    reaction: str,
    channel: str,
    ts: str,
    item_user: str | None,
    event_ts: str | None,
) -> JsonDict:
    event: JsonDict = {
        "type": kind,
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": ts},
    }
    if item_user is not None:
        event["item_user"] = item_user
    event["event_ts"] = event_ts if event_ts is not None else now_ts()
    return event


def reaction_added(
    *,
    user: str,
    reaction: str,
    channel: str,
    ts: str,
    item_user: str | None = None,
    event_ts: str | None = None,
) -> JsonDict:
    """Return a ``reaction_added`` inner event on a message."""
    return _reaction(
        "reaction_added",
        user=user,
        reaction=reaction,
        channel=channel,
        ts=ts,
        item_user=item_user,
        event_ts=event_ts,
    )


def reaction_removed(
    *,
    user: str,
    reaction: str,
    channel: str,
    ts: str,
    item_user: str | None = None,
    event_ts: str | None = None,
) -> JsonDict:
    """Return a ``reaction_removed`` inner event on a message."""
    return _reaction(
        "reaction_removed",
        user=user,
        reaction=reaction,
        channel=channel,
        ts=ts,
        item_user=item_user,
        event_ts=event_ts,
    )


def app_home_opened(
    user: str,
    tab: str = "home",
    *,
    channel: str | None = None,
    view: JsonDict | None = None,
    event_ts: str | None = None,
) -> JsonDict:
    """Return an ``app_home_opened`` inner event (``view`` only once a home was published)."""
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel if channel is not None else "D" + user.lstrip("UW")[:9].rjust(9, "0"),
        "tab": tab,
        "event_ts": event_ts if event_ts is not None else now_ts(),
    }
    if view is not None:
        event["view"] = copy.deepcopy(view)
    return event


def app_uninstalled() -> JsonDict:
    """Return an ``app_uninstalled`` inner event."""
    return {"type": "app_uninstalled"}


def tokens_revoked(*, bot: Iterable[str] = (BOT_USER_ID,), oauth: Iterable[str] = ()) -> JsonDict:
    """Return a ``tokens_revoked`` inner event listing the user ids whose tokens died."""
    return {"type": "tokens_revoked", "tokens": {"oauth": list(oauth), "bot": list(bot)}}


def message(
    *,
    user: str,
    channel: str,
    text: str,
    ts: str | None = None,
    thread_ts: str | None = None,
    team_id: str = TEAM_ID,
) -> JsonDict:
    """Return a plain ``message`` inner event written by a person."""
    event_ts = ts if ts is not None else now_ts()
    event: JsonDict = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": event_ts,
        "team": team_id,
        "channel": channel,
        "event_ts": event_ts,
        "channel_type": "im" if channel.startswith("D") else "channel",
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


# ---------------------------------------------------------------- interactivity


def button_action(
    action_id: str, value: str = "", *, block_id: str = "actions", text: str = "Button"
) -> JsonDict:
    """Return one clicked-button entry of a ``block_actions`` payload's ``actions``."""
    return {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": now_ts(),
    }


def modal_view(
    *,
    callback_id: str,
    view_id: str = "V0SANDBOX01",
    team_id: str = TEAM_ID,
    blocks: list[JsonDict] | None = None,
    private_metadata: str = "",
    state_values: JsonDict | None = None,
    title: str = "Liaison",
    hash: str | None = None,
    external_id: str = "",
) -> JsonDict:
    """Return a modal ``view`` object as it appears inside interactivity payloads."""
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": copy.deepcopy(blocks or []),
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": copy.deepcopy(state_values or {})},
        "hash": hash if hash is not None else f"{int(time.time())}.{secrets.token_hex(4)}",
        "title": {"type": "plain_text", "text": title, "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": APP_ID,
        "external_id": external_id,
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }


def block_actions(
    *,
    user_id: str,
    actions: list[JsonDict],
    trigger_id: str | None = None,
    channel_id: str | None = None,
    message_ts: str | None = None,
    message: JsonDict | None = None,
    view: JsonDict | None = None,
    response_url: str | None = None,
    team_id: str = TEAM_ID,
    is_ephemeral: bool = False,
) -> JsonDict:
    """Return a ``block_actions`` payload from a message (channel_id + message_ts) or a view."""
    payload: JsonDict = {
        "type": "block_actions",
        "user": _user_object(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {},
        "trigger_id": trigger_id if trigger_id is not None else new_trigger_id(),
        "team": _team_object(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "")}
        payload["view"] = copy.deepcopy(view)
    else:
        ts = message_ts or (message or {}).get("ts") or now_ts()
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id or "",
            "is_ephemeral": is_ephemeral,
        }
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": _channel_name(channel_id)}
    if message is not None:
        payload["message"] = copy.deepcopy(message)
    if view is None:
        payload["state"] = {"values": {}}
    if response_url is not None:
        payload["response_url"] = response_url
    stamped = []
    for action in actions:
        entry = copy.deepcopy(action)
        entry.setdefault("action_ts", now_ts())
        stamped.append(entry)
    payload["actions"] = stamped
    return payload


def view_submission(
    *,
    user_id: str,
    callback_id: str,
    state_values: JsonDict,
    private_metadata: str = "",
    view_id: str = "V0SANDBOX01",
    team_id: str = TEAM_ID,
    hash: str | None = None,
    blocks: list[JsonDict] | None = None,
    response_urls: list[JsonDict] | None = None,
    trigger_id: str | None = None,
) -> JsonDict:
    """Return a ``view_submission`` payload for a modal with the given input values."""
    return {
        "type": "view_submission",
        "team": _team_object(team_id),
        "user": _user_object(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id if trigger_id is not None else new_trigger_id(),
        "view": modal_view(
            callback_id=callback_id,
            view_id=view_id,
            team_id=team_id,
            blocks=blocks,
            private_metadata=private_metadata,
            state_values=state_values,
            hash=hash,
        ),
        "response_urls": copy.deepcopy(response_urls or []),
        "is_enterprise_install": False,
        "enterprise": None,
    }


def block_suggestion(
    *,
    user_id: str,
    action_id: str,
    block_id: str,
    value: str,
    view: JsonDict | None = None,
    team_id: str = TEAM_ID,
) -> JsonDict:
    """Return a ``block_suggestion`` payload (external select typed into, in a modal)."""
    the_view = view if view is not None else modal_view(callback_id="", team_id=team_id)
    return {
        "type": "block_suggestion",
        "user": _user_object(user_id, team_id),
        "container": {"type": "view", "view_id": the_view.get("id", "")},
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "team": _team_object(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": copy.deepcopy(the_view),
    }


# ---------------------------------------------------------------- Slack Connect, Enterprise Grid


def as_partner(
    payload: JsonDict, *, user_id: str, team_id: str, enterprise_id: str | None = None
) -> JsonDict:
    """The same request made by someone of another organisation, in a Slack Connect channel.

    Interactivity payloads then carry the partner's own team (`team.id`, `user.team_id`,
    a view's `team_id`) and organisation, while what the app posted (the message, the
    view's `app_installed_team_id`) still names the installing workspace. Events keep the
    installing workspace's envelope and `authorizations`, flag the shared channel and name
    the partner in `event.user_team`.
    """
    out = copy.deepcopy(payload)
    if out.get("type") == "event_callback":
        out["is_ext_shared_channel"] = True
        event = out.get("event") or {}
        event["user"] = user_id
        event["user_team"] = team_id
        return out
    out["user"] = {**_user_object(user_id, team_id), "team_id": team_id}
    out["team"] = _team_object(team_id)
    out["enterprise"] = {"id": enterprise_id, "name": enterprise_id} if enterprise_id else None
    out["is_enterprise_install"] = False
    view = out.get("view")
    if isinstance(view, dict):
        view["team_id"] = team_id
    return out


def org_wide(payload: JsonDict, *, enterprise_id: str) -> JsonDict:
    """The same request received through an org-wide install (Enterprise Grid).

    The workspace where it happened stays in the payload; the organisation and
    `is_enterprise_install` are added, and an event's authorization names no team.
    Interactivity payloads of org-wide installs may carry no `team` at all.
    """
    out = copy.deepcopy(payload)
    if "command" in out:  # a slash command's form fields
        out["enterprise_id"] = enterprise_id
        out["enterprise_name"] = enterprise_id
        out["is_enterprise_install"] = "true"
        return out
    if out.get("type") == "event_callback":
        out["enterprise_id"] = out["context_enterprise_id"] = enterprise_id
        out["authorizations"] = [
            {
                "enterprise_id": enterprise_id,
                "team_id": None,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": True,
            }
        ]
        return out
    out["enterprise"] = {"id": enterprise_id, "name": enterprise_id}
    out["is_enterprise_install"] = True
    out["team"] = None
    return out


def message_action(
    *,
    user_id: str,
    callback_id: str,
    channel_id: str,
    message: JsonDict,
    response_url: str | None = None,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
) -> JsonDict:
    """Return a message shortcut (``message_action``) payload, used on `message`."""
    payload: JsonDict = {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": now_ts(),
        "team": _team_object(team_id),
        "user": _user_object(user_id, team_id),
        "channel": {"id": channel_id, "name": _channel_name(channel_id)},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id if trigger_id is not None else new_trigger_id(),
        "message_ts": message.get("ts", ""),
        "message": copy.deepcopy(message),
        "api_app_id": APP_ID,
    }
    if response_url is not None:
        payload["response_url"] = response_url
    return payload
