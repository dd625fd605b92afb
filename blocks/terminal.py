"""Block Kit rendered as plain terminal text, for `bot.py demo` and the CLI."""

from __future__ import annotations

import math
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
        elif kind == "data_visualization":
            lines += render_chart(block)
    return "\n".join(lines)


_BAR_WIDTH = 20


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value) if math.isfinite(value) else 0.0


def _figure(value: Any) -> str:
    number = _number(value)
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _cell(value: Any, top: float) -> str:
    """A value and a bar scaled to the largest value, padded so columns line up."""
    number = _number(value)
    bar = "█" * max(1, round(number / top * _BAR_WIDTH)) if top > 0 and number > 0 else ""
    return f"{_figure(value):>6} {bar:<{_BAR_WIDTH}}"


def _table(rows: list[tuple[str, list[Any]]], head: list[str]) -> list[str]:
    top = max((_number(v) for _, values in rows for v in values), default=0.0)
    width = max((len(label) for label, _ in rows), default=0)
    lines = []
    if len(head) > 1:
        lines.append("  " + " " * width + "  " + " ".join(f"{h[:27]:<27}" for h in head).rstrip())
    for label, values in rows:
        cells = " ".join(_cell(v, top) for v in values)
        lines.append(f"  {label:<{width}}  {cells}".rstrip())
    return lines


def render_chart(block: Mapping[str, Any]) -> list[str]:
    """A data_visualization block as a small text table with bars."""
    chart = block.get("chart")
    chart = chart if isinstance(chart, Mapping) else {}
    kind = str(chart.get("type", ""))
    lines = [f"📊 {block.get('title', '')} ({kind} chart)"]
    if kind == "pie":
        segments = [s for s in chart.get("segments") or [] if isinstance(s, Mapping)]
        total = sum(_number(s.get("value")) for s in segments)
        for row, segment in zip(
            _table([(str(s.get("label", "")), [s.get("value")]) for s in segments], []),
            segments,
            strict=True,
        ):
            share = f" {_number(segment.get('value')) / total:.0%}" if total > 0 else ""
            lines.append(row + share)
        return lines
    axis = chart.get("axis_config")
    axis = axis if isinstance(axis, Mapping) else {}
    series = [s for s in chart.get("series") or [] if isinstance(s, Mapping)]
    rows: dict[str, list[Any]] = {str(c): [] for c in axis.get("categories") or []}
    for one in series:
        for point in one.get("data") or []:
            if isinstance(point, Mapping):
                rows.setdefault(str(point.get("label", "")), []).append(point.get("value"))
    lines += _table(list(rows.items()), [str(s.get("name", "")) for s in series])
    axes = [f"{k[0]}: {axis[k]}" for k in ("x_label", "y_label") if axis.get(k)]
    if axes:
        lines.append("  " + " · ".join(axes))
    return lines
