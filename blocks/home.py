"""The App Home tab: a marketer's campaigns and assets, a rep's week, and the loop explained."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from blocks.limits import MAX_HOME_BLOCKS, fit_blocks, fit_text
from blocks.replies import asset_line
from domain.home import AssetLine, CommentLine, HomeData, trend_arrow
from domain.redact import redact
from domain.text import escape_mrkdwn, one_line, shorten, strip_mentions

LOOP = (
    "*1. Launch.* Marketers announce campaigns where reps already are: `/launch`.\n"
    "*2. Vote.* Reps rate each asset with 👍 / 👎 / 🎯 or `/feedback`, in seconds.\n"
    "*3. Digest.* Every week team leads read one blame-free digest of what lands."
)
TRY = (
    "*Try it:* `/feedback` to rate an asset · `/collateral` for the top assets · "
    "`/collateral add <url> [title]` to register one · `/launch` · `/liaison help`"
)
FOOTER = "Feedback is about assets and campaigns, never about people."
MAX_COMMENT_SHOWN = 280


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=fit_text(text)))


def _verbatim_section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=fit_text(text), verbatim=True))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=fit_text(text, 3000))])


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=shorten(text, 150)))


def _view(blocks: list[Block]) -> dict[str, Any]:
    fitted = fit_blocks([b.to_dict() for b in blocks], limit=MAX_HOME_BLOCKS)
    return View(type="home", blocks=fitted).to_dict()


def build_home_welcome() -> dict[str, Any]:
    """The home tab that explains the loop in three lines, with the commands to try."""
    return _view(
        [
            _header("Welcome to Liaison 👋"),
            _section(LOOP),
            DividerBlock(),
            _section(TRY),
            _context(FOOTER),
        ]
    )


def _approval(line: AssetLine) -> str:
    if line.approval is None:
        return "no votes yet"
    arrow = trend_arrow(line.recent_approval, line.earlier_approval)
    trend = f" {arrow} {line.recent_approval}% this week" if arrow else ""
    return f"{line.approval}% find it useful{trend}"


HELD_BACK = "_A comment with strong wording: it counts toward the digest's themes and isn't shown._"
NOT_SHOWN = (
    "_A comment that counts toward the digest's themes. Comments are shown word for word "
    "once three people have commented on an asset, and only when they are about its "
    "content, not about people or teams._"
)


def _comment(line: CommentLine) -> str:
    verdict = {"useful": "👍 ", "needs_work": "👎 "}.get(line.value or "", "")
    about = f"`{escape_mrkdwn(line.asset_handle)}`"
    who = f" — <@{line.author_id}> is open to a follow-up chat" if line.author_id else ""
    if line.held_back:
        return f"{verdict}{about} {HELD_BACK}"
    if not line.shown:
        return f"{verdict}{about} {NOT_SHOWN}{who}"
    text = escape_mrkdwn(shorten(one_line(strip_mentions(line.text)), MAX_COMMENT_SHOWN))
    return f"{verdict}{about} “{text}”{who}"


def _marketer(data: HomeData) -> list[Block]:
    blocks: list[Block] = []
    if data.campaigns:
        blocks.append(_header("Your launches"))
        for c in data.campaigns:
            questions = (
                f" · ❓ {c.open_questions} open question{'s' if c.open_questions != 1 else ''}"
                if c.open_questions
                else ""
            )
            blocks.append(
                _section(
                    f"*{escape_mrkdwn(c.name)}* — {c.launch_date:%d %b %Y} · {c.status}\n"
                    f"📣 {c.channels} channel{'s' if c.channels != 1 else ''} · "
                    f"✅ {c.acknowledgements} ready{questions}"
                )
            )
        if data.more_campaigns:
            blocks.append(_context(f"…and {data.more_campaigns} earlier launches"))
    if data.assets:
        blocks.append(_header("How your assets land"))
        for line in data.assets:
            blocks.append(_section(f"{asset_line(line.stats)}\n{_approval(line)}"))
        if data.more_assets:
            blocks.append(_context(f"…and {data.more_assets} more assets"))
    if data.questions:
        blocks.append(_header("Open questions"))
        text = "\n".join(
            f"• *{escape_mrkdwn(shorten(q.campaign_name, 80))}*: "
            f"{escape_mrkdwn(shorten(one_line(redact(q.text, people=())), 200))}"
            + (f" (in <#{q.channel_id}>)" if q.channel_id else "")
            for q in data.questions
        )
        blocks.append(_verbatim_section(text))
    if data.assets:
        blocks.append(_header("Latest comments"))
        # One block per comment: a cut never splits an escape or another comment. Verbatim:
        # a URL in a comment stays text, never a live link.
        blocks += [_verbatim_section(_comment(c)) for c in data.comments]
        if not data.comments:
            blocks.append(_context("No comments yet. Reps can add one with `/feedback`."))
    return blocks


def _rep(data: HomeData) -> list[Block]:
    blocks: list[Block] = [_header("This week's launches for you")]
    if data.pending:
        blocks.append(
            _section(
                "\n".join(
                    f"• *{escape_mrkdwn(p.name)}* — {p.launch_date:%d %b}"
                    + (f" in <#{p.channel_id}>" if p.channel_id else "")
                    for p in data.pending
                )
                + "\nPress *Got it* on each announcement when you're ready."
            )
        )
    else:
        blocks.append(_context("You're up to date: no launch is waiting for your “Got it”."))
    blocks.append(_header("Top assets"))
    if data.top:
        blocks.append(_section("\n".join(asset_line(a) for a in data.top)))
    else:
        blocks.append(_context("No assets yet: `/collateral add <url> [title]` registers one."))
    return blocks


def build_home(data: HomeData) -> dict[str, Any]:
    """The home tab for one person (the loop explained first on their first visit)."""
    blocks: list[Block] = []
    if data.first_visit:
        blocks += [_header("Welcome to Liaison 👋"), _section(LOOP), _section(TRY), DividerBlock()]
    if data.is_marketer:
        blocks += _marketer(data)
        blocks.append(DividerBlock())
    blocks += _rep(data)
    blocks += [DividerBlock(), _context(TRY if not data.first_visit else FOOTER)]
    return _view(blocks)
