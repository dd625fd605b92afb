"""Ephemeral replies to slash commands, as Block Kit payloads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from blocks.ids import Ids
from blocks.limits import MAX_CONTEXT_ELEMENTS, fit_blocks, fit_text
from domain.assets import AssetRef, AssetSummary
from domain.text import escape_mrkdwn, shorten

Payload = dict[str, Any]


def _ephemeral(text: str, blocks: Sequence[Any] | None = None) -> Payload:
    payload: Payload = {"response_type": "ephemeral", "text": fit_text(text, 3000)}
    if blocks:
        payload["blocks"] = [b if isinstance(b, dict) else b.to_dict() for b in blocks]
    return payload


def build_message(text: str) -> Payload:
    """A plain ephemeral reply; `text` is already safe mrkdwn."""
    return _ephemeral(text, [SectionBlock(text=MarkdownTextObject(text=fit_text(text)))])


def _link(url: str, title: str) -> str:
    # Inside <url|label>, a | or > in the label would end the link early.
    label = escape_mrkdwn(shorten(title, 150)).replace("|", "¦")
    return f"<{escape_mrkdwn(url)}|{label}>"


def asset_line(stats: AssetSummary) -> str:
    """`PD-3` Pricing deck — 👍 2 · 👎 1 · 🎯 1 used."""
    return (
        f"`{stats.handle}` {_link(stats.url, stats.title)} — "
        f"👍 {stats.useful} · 👎 {stats.needs_work} · 🎯 {stats.used} used"
    )


def added_note(*, title: str, named_from_url: bool, problem: str | None) -> str:
    """Why an asset got the name it has, when it was not the page's own title."""
    if not named_from_url:
        return ""
    why = (
        f"I couldn't read that page ({escape_mrkdwn(problem)})"
        if problem
        else "I couldn't read a title from that page"
    )
    return (
        f"{why}, so I named it “{escape_mrkdwn(title)}”. "
        "Add a title after the link to choose your own."
    )


def build_search_results(*, query: str, rows: list[AssetSummary]) -> Payload:
    """Reply to `/collateral search`."""
    shown = escape_mrkdwn(query).replace("`", "'")
    return build_asset_list(
        heading=f"*Assets matching* `{shown}`:",
        rows=rows,
        empty=f"No asset matches `{shown}`. `/collateral` lists the top assets.",
    )


def build_top_assets(rows: list[AssetSummary]) -> Payload:
    """Reply to `/collateral` alone."""
    return build_asset_list(
        heading="*Top assets* (👍 useful · 👎 needs work · 🎯 used with customers):",
        rows=rows,
        empty="No collateral yet. Register the first asset with `/collateral add <url> [title]`.",
    )


def build_asset_added(
    *, handle: str, title: str, url: str, existed: bool, note: str = ""
) -> Payload:
    """Reply to `/collateral add`."""
    if existed:
        text = f"That link is already registered as handle `{handle}`: {_link(url, title)}."
    else:
        text = f"Added {_link(url, title)} with handle `{handle}`."
    hint = (
        f"Reps can now vote on it and say they used it: `/collateral used {handle}`, "
        f"`/feedback {handle} up`."
    )
    blocks: list[Any] = [SectionBlock(text=MarkdownTextObject(text=fit_text(text)))]
    context = [MarkdownTextObject(text=hint)]
    if note:
        context.insert(0, MarkdownTextObject(text=fit_text(note, 2000)))
    blocks.append(ContextBlock(elements=context))
    return _ephemeral(text, blocks)


def build_asset_list(*, heading: str, rows: list[AssetSummary], empty: str) -> Payload:
    """A list of assets with their counts, or a friendly empty state."""
    if not rows:
        return build_message(empty)
    blocks: list[Any] = [
        SectionBlock(block_id=Ids.COLLATERAL_LIST, text=MarkdownTextObject(text=heading))
    ]
    blocks += [SectionBlock(text=MarkdownTextObject(text=fit_text(asset_line(r)))) for r in rows]
    fallback = heading + "\n" + "\n".join(asset_line(r) for r in rows)
    return _ephemeral(fallback, fit_blocks([b.to_dict() for b in blocks]))


def build_usage_recorded(*, handle: str, title: str, url: str, count: int) -> Payload:
    """Reply to `/collateral used`."""
    times = "once" if count == 1 else f"{count} times"
    text = (
        f"🎯 Noted: you used `{handle}` {_link(url, title)} with a customer ({times} so far). "
        "Thanks: marketing sees what reaches customers."
    )
    return build_message(text)


def build_candidates(*, name: str, candidates: Sequence[AssetRef], usage: str) -> Payload:
    """Reply when an asset name is ambiguous or unknown: the closest matches, or how to find one."""
    shown = escape_mrkdwn(shorten(name, 60)).replace("`", "'")
    if not candidates:
        text = (
            f"I couldn't find an asset called `{shown}`. Try `/collateral search <words>`, "
            f"or `/collateral` for the top assets. {usage}"
        )
        return build_message(text)
    lines = "\n".join(
        f"• `{c.handle}` {escape_mrkdwn(shorten(c.title, 150))}"
        for c in candidates[:MAX_CONTEXT_ELEMENTS]
    )
    if len(candidates) == 1:
        text = f"I couldn't find `{shown}` exactly. Did you mean:\n{lines}\n{usage}"
    else:
        text = f"`{shown}` could be more than one asset. Did you mean:\n{lines}\n{usage}"
    return build_message(text)


DIGEST_POST_ERRORS = {
    "not_in_channel": "I'm not in this channel: invite me with `/invite @Liaison`, then ask again.",
    "channel_not_found": "I can't see this channel: invite me with `/invite @Liaison` first.",
    "is_archived": "This channel is archived, so I can't post the digest here.",
    "restricted_action": "This channel doesn't allow apps to post here.",
}


def digest_post_failed(error: str) -> str:
    """Why `/liaison digest now` could not post here, and what to do."""
    reason = DIGEST_POST_ERRORS.get(error, f"Slack answered `{escape_mrkdwn(error[:60])}`.")
    return f"I couldn't post the digest here. {reason} `/liaison digest preview` shows it to you."
