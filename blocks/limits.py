"""Slack's Block Kit limits, fitted in one place (SPEC: the digest fits Slack's limits)."""

from __future__ import annotations

from typing import Any

from domain.text import escape_mrkdwn, shorten

MAX_MESSAGE_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK_TEXT = 4000  # keep notification text short; Slack truncates at 40,000


def fit_text(text: str, limit: int = MAX_SECTION_TEXT) -> str:
    """Cut text to a block's limit."""
    return shorten(text, limit)


def fit_escaped(text: str, limit: int) -> str:
    """User text escaped for mrkdwn and cut to `limit` without splitting an `&amp;`."""
    escaped = escape_mrkdwn(text)
    if len(escaped) <= limit:
        return escaped
    kept: list[str] = []
    used = 0
    for ch in text:
        piece = escape_mrkdwn(ch)
        if used + len(piece) > limit - 1:
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept).rstrip() + "…"


def fit_blocks(
    blocks: list[dict[str, Any]], *, limit: int = MAX_MESSAGE_BLOCKS, more: int = 0
) -> list[dict[str, Any]]:
    """Keep at most `limit` blocks, ending with an "and N more" context when cut."""
    if len(blocks) <= limit and not more:
        return blocks
    kept = blocks[: limit - 1] if len(blocks) > limit - 1 else blocks
    hidden = len(blocks) - len(kept) + more
    if hidden <= 0:
        return kept
    return [
        *kept,
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"…and {hidden} more"}]},
    ]
