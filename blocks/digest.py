"""The weekly digest as a Slack message, its private preview, and a Block Kit Builder link.

SPEC "The weekly digest": launches with reach, what's working and what's being improved
(plain counts, never "worst"), themes, open asks, trends, thanks, and at most two native
charts whose numbers are also written out; within Slack's limits, "and N more" where cut.
Every text in a Digest is already redacted; here it is escaped wherever it becomes mrkdwn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from blocks.charts import MAX_CHARTS_PER_MESSAGE, build_chart_block, chart_text
from blocks.ids import Ids
from blocks.limits import (
    MAX_FALLBACK_TEXT,
    MAX_HEADER_TEXT,
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    fit_blocks,
    fit_escaped,
)
from domain.digest_data import Digest, LaunchLine, ScoreLine, Theme, Trend
from domain.text import escape_mrkdwn, one_line, shorten

Payload = dict[str, Any]

BUILDER_URL = "https://app.slack.com/block-kit-builder/#"
PREVIEW_NOTE = "👀 Only you can see this preview. `/liaison digest now` posts it here."
QUIET_WEEK = (
    "A quiet week: no launches, votes or comments to report. "
    "Announce a campaign with `/launch`; reps rate collateral with 👍 / 👎 / 🎯 "
    "or `/feedback`, and next week's digest will show what lands."
)
FOOTER = "Blame-free by design: about assets and campaigns, never about people."
CHART_IDS = (Ids.DIGEST_CHART_1, Ids.DIGEST_CHART_2)
MAX_TITLE_SHOWN = 150
MAX_NAME_SHOWN = 150
MAX_QUOTE_SHOWN = 200
MAX_QUOTES = 3
MAX_ASK_SHOWN = 300
MAX_URL_LINKED = 500  # a longer address is not linked, so a line stays readable and small
MAX_CHART_TEXT = MAX_SECTION_TEXT
# The fallback text's parts, sized so the chart numbers always fit in MAX_FALLBACK_TEXT.
FALLBACK_HEADLINE = 300
FALLBACK_LINE = 250
FALLBACK_LINES = 6
FALLBACK_CHART = 1000


def _shown(text: str, limit: int) -> str:
    """Digest text on one line, escaped, at most `limit` characters."""
    return fit_escaped(one_line(text), limit)


def _bold(text: str, limit: int) -> str:
    # An asterisk inside would end the bold early; show a look-alike instead.
    return "*" + (_shown(text.replace("*", "\u2217"), limit) or "Untitled") + "*"


def _code(handle: str) -> str:
    return "`" + (_shown(handle.replace("`", "'"), 40) or "?") + "`"


def _link(url: str, title: str) -> str:
    """The title linked to its address, as blocks/replies.asset_line links it."""
    label = _shown(title, MAX_TITLE_SHOWN).replace("|", "¦") or "Untitled"
    address = one_line(url)
    if not address.startswith(("https://", "http://")) or len(address) > MAX_URL_LINKED:
        return label
    # Inside <url|label>, a | or > in the address would end the link early.
    safe = address.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{escape_mrkdwn(safe.replace(' ', '%20'))}|{label}>"


def _plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {nouns or noun + 's'}"


def _day(line: LaunchLine) -> str:
    d = line.launch_date
    return f"{d:%a} {d.day} {d:%b}"


def score_text(line: ScoreLine) -> str:
    """`PD-3` Pricing deck — 👍 2 · 👎 1 · 🎯 1 used, then approval and trend when known."""
    text = (
        f"{_code(line.handle)} {_link(line.url, line.title)} — "
        f"👍 {line.useful:,} · 👎 {line.needs_work:,} · 🎯 {line.used:,} used"
    )
    if line.approval is not None:
        text += f" · {line.approval}% useful"
        if line.trend:
            text += f" {_shown(line.trend, 2)}"
    return text


def _launch_text(line: LaunchLine) -> str:
    reach = f"📣 {_plural(line.channels, 'channel')}"
    if line.failed_channels:
        reach += f" ({line.failed_channels:,} couldn't be reached)"
    text = (
        f"• {_bold(line.name, MAX_NAME_SHOWN)} — {_day(line)} · {reach} · "
        f"✅ {line.acknowledgements:,} got it"
    )
    if line.open_questions:
        text += f" · ❓ {_plural(line.open_questions, 'open question')}"
    return text


def _theme_text(theme: Theme) -> str:
    text = f"• {_bold(theme.label, 80)} — {_plural(theme.count, 'comment')}"
    for quote_ in theme.quotes[:MAX_QUOTES]:
        shown = _shown(quote_, MAX_QUOTE_SHOWN)
        if shown:
            text += f"\n      “{shown}”"
    return text


def _trend_text(trend: Trend) -> str:
    arrow = "▲" if trend.this_week > trend.last_week else "▼"
    if trend.this_week == trend.last_week:
        arrow = "→"
    return (
        f"• {_shown(trend.label, 80)}: {trend.this_week:,} (last week {trend.last_week:,}) {arrow}"
    )


def _listed(heading: str, lines: Sequence[str], *, more: int = 0) -> str:
    """A heading and lines within one section's limit, ending "…and N more" when any are left."""
    reserve = 40  # room for the "and N more" line
    kept = [heading]
    used = len(heading)
    for line in lines:
        if used + 1 + len(line) > MAX_SECTION_TEXT - reserve:
            break
        kept.append(line)
        used += 1 + len(line)
    hidden = len(lines) - (len(kept) - 1) + max(more, 0)
    if hidden > 0:
        kept.append(f"…and {hidden:,} more")
    return "\n".join(kept)


def _section(text: str, *, verbatim: bool = False) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text, verbatim=verbatim or None))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _header(digest: Digest) -> HeaderBlock:
    period = one_line(digest.period_label)
    title = one_line(digest.title) or "Weekly digest"
    if period:
        title = shorten(title, MAX_HEADER_TEXT - len(period) - 3)
        text = shorten(f"{title} — {period}", MAX_HEADER_TEXT)
    else:
        text = shorten(title, MAX_HEADER_TEXT)
    return HeaderBlock(text=PlainTextObject(text=text))


def _text_blocks(digest: Digest) -> list[Block]:
    """Every section of a digest with activity, in reading order."""
    blocks: list[Block] = []
    if digest.launches or digest.more_launches:
        blocks.append(
            _section(
                _listed(
                    "*📣 Launches this week*",
                    [_launch_text(x) for x in digest.launches],
                    more=digest.more_launches,
                )
            )
        )
    if digest.working:
        lines = [score_text(x) for x in digest.working]
        blocks.append(_section(_listed("*✅ What's working*", lines)))
    if digest.improving:
        lines = [score_text(x) for x in digest.improving]
        blocks.append(_section(_listed("*🛠️ Being improved*", lines)))
    if digest.more_assets > 0:
        more = _plural(digest.more_assets, "more asset")
        blocks.append(_context(f"…and {more} with feedback this week."))
    if digest.themes:
        lines = [_theme_text(x) for x in digest.themes]
        # Verbatim: a URL inside a quote stays text, never a live link.
        blocks.append(_section(_listed("*💬 Themes from comments*", lines), verbatim=True))
    if digest.open_asks or digest.more_asks:
        lines = [f"• {_shown(x, MAX_ASK_SHOWN)}" for x in digest.open_asks]
        asks = _listed("*❓ Open asks*", lines, more=digest.more_asks)
        blocks.append(_section(asks, verbatim=True))
    if digest.trends:
        lines = [_trend_text(x) for x in digest.trends]
        blocks.append(_section(_listed("*📈 Week over week*", lines)))
    if digest.thanks.strip():
        blocks.append(_section("🙏 " + fit_escaped(digest.thanks.strip(), MAX_SECTION_TEXT - 3)))
    return blocks


def _chart_blocks(digest: Digest) -> list[dict[str, Any]]:
    """Each chart (at most two) followed by its numbers, for clients that cannot draw it."""
    out: list[dict[str, Any]] = []
    for chart, block_id in zip(digest.charts[:MAX_CHARTS_PER_MESSAGE], CHART_IDS, strict=False):
        out.append(build_chart_block(chart, block_id=block_id))
        out.append(_context(fit_escaped(chart_text(chart), MAX_CHART_TEXT)).to_dict())
    return out


def _blocks(digest: Digest, *, limit: int) -> list[dict[str, Any]]:
    head: list[Block] = [_header(digest)]
    if digest.empty:
        head.append(_section(QUIET_WEEK))
        return [b.to_dict() for b in head]
    head.append(_context(FOOTER))
    text = [b.to_dict() for b in [*head, *_text_blocks(digest)]]
    charts = _chart_blocks(digest)
    if charts:
        charts.insert(0, DividerBlock().to_dict())
    # The charts come last but are never the part cut: fit the text around them.
    return [*fit_blocks(text, limit=limit - len(charts)), *charts]


def _fallback(digest: Digest) -> str:
    """A plain summary for notifications and clients without blocks, chart numbers included."""
    title = one_line(digest.title) or "Weekly digest"
    period = one_line(digest.period_label)
    parts = [fit_escaped(f"{title} — {period}" if period else title, FALLBACK_HEADLINE)]
    if digest.empty:
        parts.append("A quiet week: no launches, votes or comments to report.")
        return "\n".join(parts)
    lines: list[str] = []
    launches = len(digest.launches) + digest.more_launches
    if launches:
        names = ", ".join(one_line(x.name) for x in digest.launches)
        lines.append(f"{_plural(launches, 'launch', 'launches')}: {names}")
    for label, scores in (("What's working", digest.working), ("Being improved", digest.improving)):
        if scores:
            shown = ", ".join(
                f"{one_line(x.handle)} {one_line(x.title)} "
                f"(👍 {x.useful} · 👎 {x.needs_work} · 🎯 {x.used} used)"
                for x in scores
            )
            lines.append(f"{label}: {shown}")
    if digest.themes:
        lines.append(
            "Themes: " + ", ".join(f"{one_line(t.label)} ({t.count})" for t in digest.themes)
        )
    asks = len(digest.open_asks) + digest.more_asks
    if asks:
        lines.append(f"Open asks: {asks:,}")
    if digest.trends:
        lines.append(
            "Week over week: "
            + ", ".join(
                f"{one_line(t.label)} {t.this_week} (last week {t.last_week})"
                for t in digest.trends
            )
        )
    parts += [fit_escaped(line, FALLBACK_LINE) for line in lines[:FALLBACK_LINES]]
    parts += [
        fit_escaped(chart_text(c), FALLBACK_CHART) for c in digest.charts[:MAX_CHARTS_PER_MESSAGE]
    ]
    return shorten("\n".join(parts), MAX_FALLBACK_TEXT)


def build_digest_message(digest: Digest) -> Payload:
    """The digest for chat.postMessage: fallback text and blocks within Slack's limits."""
    return {"text": _fallback(digest), "blocks": _blocks(digest, limit=MAX_MESSAGE_BLOCKS)}


def build_digest_preview(digest: Digest) -> Payload:
    """The digest as an ephemeral preview that only the person who asked sees."""
    note = _context(PREVIEW_NOTE).to_dict()
    return {
        "response_type": "ephemeral",
        "text": _fallback(digest),
        "blocks": [note, *_blocks(digest, limit=MAX_MESSAGE_BLOCKS - 1)],
    }


def block_kit_builder_url(blocks: list[dict[str, Any]]) -> str:
    """A Block Kit Builder link that opens these blocks as a message."""
    payload = json.dumps({"blocks": blocks}, ensure_ascii=False, separators=(",", ":"))
    return BUILDER_URL + quote(payload, safe="")
