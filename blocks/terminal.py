"""Block Kit rendered as plain terminal text, for `bot.py demo` and the CLI."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")
_BARE_LINK = re.compile(r"<(https?://[^|>]+)>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")


def render_mrkdwn(
    text: str,
    *,
    user_name: Callable[[str], str] = lambda u: u,
    channel_name: Callable[[str], str] = lambda c: c,
) -> str:
    """Slack mrkdwn as a terminal shows it: links spelled out, mentions by name."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _USER.sub(lambda m: "@" + user_name(m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or channel_name(m.group(1))), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _element_text(element: Mapping[str, Any]) -> str:
    text = element.get("text")
    if isinstance(text, dict):
        return str(text.get("text", ""))
    return str(text or "")


def render_message(
    payload: Mapping[str, Any],
    *,
    user_name: Callable[[str], str] = lambda u: u,
    channel_name: Callable[[str], str] = lambda c: c,
) -> str:
    """A message or view payload as lines of terminal text."""

    def md(text: str) -> str:
        return render_mrkdwn(text, user_name=user_name, channel_name=channel_name)

    blocks = payload.get("blocks") or []
    if not blocks:
        return md(str(payload.get("text", "")))
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = md(_element_text(block))
            lines += [title.upper(), "=" * min(len(title), 60)]
        elif kind == "section":
            if block.get("text"):
                lines.append(md(_element_text(block)))
            for field in block.get("fields") or []:
                lines.append("  " + md(str(field.get("text", ""))))
        elif kind == "context":
            parts = [md(_element_text(e)) for e in block.get("elements", []) if e.get("text")]
            lines.append("  " + " · ".join(parts))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            buttons = [f"[ {_element_text(e)} ]" for e in block.get("elements", [])]
            lines.append(" ".join(buttons))
    return "\n".join(lines)
