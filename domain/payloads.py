"""Reading the parts of Slack's payloads that listeners use, without trusting their shape.

SPEC (Slash commands): "Nothing a user sends, however long or malformed, makes the app
answer with an error page, crash, or lose earlier data." Slack's payloads have fixed
shapes, but a listener that indexes them blindly turns a missing key, a value of the wrong
kind or an id too large for the database into an unhandled error. Every reader here returns
a value of the promised type, or None or empty, and never raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

# Our ids are database integers: positive, and within PostgreSQL's `integer` (32 bits);
# a larger one is refused by the database rather than simply not found.
MAX_DB_ID = 2**31 - 1
_DIGITS = re.compile(r"[1-9][0-9]{0,9}")
# Slack's ids (T…, U…, C…) are short upper-case words; a message ts is seconds.micros.
_SLACK_ID = re.compile(r"[A-Z0-9]{2,32}")
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")


def mapping(value: object) -> Mapping[str, Any]:
    """The value when it is an object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def text(node: object, key: str) -> str | None:
    """A string field of an object, or None when it is missing or not a string."""
    value = mapping(node).get(key)
    return value if isinstance(value, str) else None


def slack_id(value: object) -> str | None:
    """The value when it is shaped like a Slack id (team, user, channel), else None."""
    return value if isinstance(value, str) and _SLACK_ID.fullmatch(value) else None


def message_ts(value: object) -> str | None:
    """The value when it is shaped like a message ts, else None."""
    return value if isinstance(value, str) and _TS.fullmatch(value) else None


def user_of(body: object) -> str | None:
    """The id of the person who clicked or submitted (`user.id`), if the payload names one."""
    return slack_id(mapping(mapping(body).get("user")).get("id"))


def team_of(context_team_id: object, body: object) -> str | None:
    """The workspace a request came from: Bolt's reading of it, else the payload's `team.id`."""
    return slack_id(context_team_id) or slack_id(mapping(mapping(body).get("team")).get("id"))


def db_id(value: object) -> int | None:
    """A database id given as an int or its decimal string, or None if it can't be one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and 0 < value <= MAX_DB_ID:
        return value
    return None


def action_value(body: object) -> str | None:
    """The `value` of the first action of a `block_actions` payload."""
    actions = mapping(body).get("actions")
    if not isinstance(actions, list) or not actions:
        return None
    return text(actions[0], "value")


def state_values(view: object) -> Mapping[str, Any]:
    """A submitted view's `state.values`, or an empty mapping."""
    return mapping(mapping(mapping(view).get("state")).get("values"))


def metadata_object(view: object) -> dict[str, Any]:
    """A view's `private_metadata` read as the JSON object we stored there, else empty."""
    raw = mapping(view).get("private_metadata")
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}
