"""Reading Web API arguments as Slack does: loose strings, booleans, JSON and cursors."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from sandbox.workspace.core import ApiError, Params

DEFAULT_PAGE = 100
MAX_PAGE = 1000


def str_arg(p: Params, name: str) -> str:
    """Return an argument as text ("" when absent; booleans as Slack spells them)."""
    value = p.get(name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def bool_arg(p: Params, name: str) -> bool:
    """Tell whether an argument is true in any of the spellings clients send."""
    return p.get(name) in (True, 1, "1", "true", "True")


def int_arg(p: Params, name: str, default: int) -> int:
    """Return an integer argument, `default` when absent; ``invalid_arguments`` otherwise."""
    value = p.get(name)
    if value in (None, ""):
        return default
    try:
        return int(str(value))
    except ValueError as exc:
        raise ApiError("invalid_arguments") from exc


def json_arg(p: Params, name: str, *, error: str = "invalid_arguments") -> Any:
    """Return an argument sent as an object or as JSON text; `error` when it is not JSON."""
    value = p.get(name)
    if isinstance(value, str):
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(error) from exc
    return value


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def paginate(items: list[Any], p: Params) -> tuple[list[Any], str]:
    """Return the page of `items` that ``limit`` and ``cursor`` ask for, and the next cursor."""
    limit = int_arg(p, "limit", DEFAULT_PAGE)
    if limit <= 0:
        limit = DEFAULT_PAGE
    limit = min(limit, MAX_PAGE)
    offset = 0
    cursor = str_arg(p, "cursor")
    if cursor:
        try:
            kind, _, raw = base64.b64decode(cursor, validate=True).decode().partition(":")
            offset = int(raw)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ApiError("invalid_cursor") from exc
        if kind != "offset" or offset < 0:
            raise ApiError("invalid_cursor")
    end = offset + limit
    return items[offset:end], _encode_cursor(end) if end < len(items) else ""
