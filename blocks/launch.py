"""The launch modal, the announcement and its thread, the marketer's summary, and questions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ConversationFilter,
    ConversationMultiSelectElement,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from blocks.ids import Ids
from blocks.limits import (
    MAX_FALLBACK_TEXT,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    fit_blocks,
    fit_escaped,
    fit_text,
)
from domain.launch import (
    MAX_ASK,
    MAX_CHANNELS,
    MAX_COLLATERAL_TEXT,
    MAX_NAME,
    MAX_QUESTION,
    MAX_SUMMARY,
    LaunchField,
)
from domain.text import escape_mrkdwn, one_line

Payload = dict[str, Any]

VOTE_HINT = "React 👍 useful · 👎 needs work · 🎯 used with a customer"
COLLATERAL_HINT = "One per line: Title | https://… (a bare link is fine)"
MAX_LISTED_CHANNELS = 20  # channel mentions in the marketer's summary before "and N more"
MAX_LISTED_FAILURES = 20
MAX_REASON = 100

_USER_ID = re.compile(r"[UW][A-Z0-9]{1,40}")
_CHANNEL_ID = re.compile(r"[CDG][A-Z0-9]{1,40}")


@dataclass(frozen=True)
class LaunchDefaults:
    """What the launch modal opens with; a campaign_id means editing that campaign."""

    channel_ids: tuple[str, ...]
    today: date
    name: str = ""
    summary: str = ""
    collateral: str = ""
    launch_date: date | None = None
    ask: str = ""
    campaign_id: int | None = None
    timezone: str = "UTC"  # the marketer's, carried to the submission to judge "today"


@dataclass(frozen=True)
class Announcement:
    """What one posted announcement shows."""

    campaign_id: int
    name: str
    summary: str
    launch_date: date
    ask: str
    marketer_id: str
    ready_count: int
    asset_count: int


@dataclass(frozen=True)
class DeliveryReport:
    """Where a launch went, for the marketer's private summary."""

    campaign_id: int
    name: str
    delivered: tuple[str, ...]
    failures: tuple[tuple[str, str], ...]  # (channel id, reason)
    scheduled_for: str | None  # e.g. "Tue 3 Dec 09:00 Europe/Paris"


def build_launch_modal(defaults: LaunchDefaults) -> Payload:
    """The `/launch` modal, or the edit modal when `defaults.campaign_id` is set."""
    editing = defaults.campaign_id is not None
    blocks: list[Block] = []
    if editing:
        blocks.append(
            _context(
                "Saving updates every posted announcement. Channels and collateral "
                "can't change once announced."
            )
        )
    blocks += [
        _text_input(
            LaunchField.NAME,
            label="Campaign name",
            placeholder="e.g. Q3 pricing refresh",
            initial=defaults.name,
            max_length=MAX_NAME,
        ),
        _text_input(
            LaunchField.SUMMARY,
            label="Summary",
            placeholder="What is launching, for whom, and why it matters to customers",
            initial=defaults.summary,
            max_length=MAX_SUMMARY,
            multiline=True,
        ),
    ]
    if not editing:
        blocks += [_channels_input(defaults.channel_ids), _collateral_input(defaults.collateral)]
    blocks += [
        InputBlock(
            block_id=LaunchField.DATE,
            label="Launch date",
            element=DatePickerElement(
                action_id=LaunchField.DATE,
                initial_date=(defaults.launch_date or defaults.today).isoformat(),
            ),
            hint="Today posts now; a later date posts at 09:00 that day in your time zone.",
        ),
        _text_input(
            LaunchField.ASK,
            label="What we need from sales",
            placeholder="e.g. Share the one-pager in every renewal call this month",
            initial=defaults.ask,
            max_length=MAX_ASK,
            multiline=True,
            optional=True,
        ),
    ]
    view = View(
        type="modal",
        callback_id=Ids.EDIT_LAUNCH_MODAL if editing else Ids.LAUNCH_MODAL,
        title=EDIT_TITLE if editing else LAUNCH_TITLE,
        submit="Save" if editing else "Announce",
        close="Cancel",
        private_metadata=launch_metadata(defaults.campaign_id, defaults.timezone),
        blocks=blocks,
    )
    return view.to_dict()


def launch_metadata(campaign_id: int | None, timezone: str) -> str:
    """The launch modal's private_metadata: the campaign being edited and the marketer's zone."""
    return json.dumps({"campaign_id": campaign_id, "tz": timezone}, separators=(",", ":"))


def _text_input(
    field: LaunchField,
    *,
    label: str,
    placeholder: str,
    initial: str,
    max_length: int,
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=field,
        label=label,
        element=PlainTextInputElement(
            action_id=field,
            placeholder=placeholder,
            initial_value=initial[:max_length] or None,
            multiline=multiline or None,
            max_length=max_length,
        ),
        optional=optional or None,
        hint=hint,
    )


def _channels_input(channel_ids: tuple[str, ...]) -> InputBlock:
    initial = list(dict.fromkeys(c for c in channel_ids if _CHANNEL_ID.fullmatch(c)))
    return InputBlock(
        block_id=LaunchField.CHANNELS,
        label="Sales channels",
        element=ConversationMultiSelectElement(
            action_id=LaunchField.CHANNELS,
            placeholder="Pick the channels to announce in",
            initial_conversations=initial[:MAX_CHANNELS] or None,
            # With no `sales here` channels yet, start from where /launch was typed.
            default_to_current_conversation=None if initial else True,
            filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            max_selected_items=MAX_CHANNELS,
        ),
        hint="Starts with the channels set by /liaison sales here. "
        "Private channels need Liaison invited.",
    )


def _collateral_input(collateral: str) -> InputBlock:
    return _text_input(
        LaunchField.COLLATERAL,
        label="Collateral",
        placeholder="Pricing deck | https://example.com/deck",
        initial=collateral,
        max_length=MAX_COLLATERAL_TEXT,
        multiline=True,
        optional=True,
        hint=COLLATERAL_HINT,
    )


def build_announcement(a: Announcement) -> Payload:
    """The announcement posted in each target channel."""
    name = one_line(a.name) or "New campaign"
    when = _day(a.launch_date)
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=fit_text(name, MAX_HEADER_TEXT)))]
    if a.summary.strip():
        blocks.append(_section(fit_escaped(a.summary.strip(), MAX_SECTION_TEXT)))
    blocks.append(_context(f"Launch date: {when}", f"From {_user(a.marketer_id)}"))
    if a.ask.strip():
        label = "*What we need from sales:* "
        blocks.append(_section(label + fit_escaped(a.ask.strip(), MAX_SECTION_TEXT - len(label))))
    blocks.append(_context(_ready_line(a.ready_count)))
    value = str(a.campaign_id)
    blocks.append(
        ActionsBlock(
            block_id=Ids.ANNOUNCEMENT_ACTIONS,
            elements=[
                ButtonElement(text="Got it", action_id=Ids.GOT_IT, value=value, style="primary"),
                ButtonElement(text="Give feedback", action_id=Ids.GIVE_FEEDBACK, value=value),
                ButtonElement(text="Ask a question", action_id=Ids.ASK_QUESTION, value=value),
            ],
        )
    )
    if a.asset_count > 0:
        blocks.append(
            _context(f"Collateral is in the thread: {VOTE_HINT[0].lower()}{VOTE_HINT[1:]}")
        )
    fallback = f"📣 New launch: {fit_escaped(name, MAX_NAME)} ({when})"
    return _message(fallback, blocks)


def _ready_line(count: int) -> str:
    if count <= 0:
        return "Be the first to confirm you're ready"
    if count == 1:
        return "✅ 1 teammate is ready"
    return f"✅ {count:,} teammates are ready"


def build_asset_reply(*, handle: str, title: str, url: str) -> Payload:
    """One collateral item as a thread reply: reactions on it are votes on the asset."""
    code = escape_mrkdwn(one_line(handle).replace("`", "'"))
    text = f"{_link(url, title)} · `{code}`"
    blocks: list[Block] = [_section(text), _context(VOTE_HINT)]
    return _message(text, blocks)


def build_launch_summary(r: DeliveryReport) -> Payload:
    """The marketer's private summary of where a launch was posted and what failed."""
    name = _bold(r.name)
    if r.scheduled_for:
        head = f"🗓️ Scheduled {name} for {fit_escaped(one_line(r.scheduled_for), 100)}."
    elif r.delivered:
        count = len(r.delivered)
        head = f"📣 Announced {name} in {_plural(count, 'channel')}: " + _listed(
            [_channel(c) for c in r.delivered], MAX_LISTED_CHANNELS
        )
    else:
        head = f"⚠️ {name} wasn't announced in any channel."
    blocks: list[Block] = [_section(head)]
    if r.failures:
        lines = [
            f"• {_channel(c)} — {fit_escaped(one_line(reason), MAX_REASON)}"
            for c, reason in r.failures
        ]
        title = f"*Couldn't post in {_plural(len(r.failures), 'channel')}:*\n"
        blocks.append(_section(title + _bulleted(lines, MAX_LISTED_FAILURES)))
        blocks.append(
            _context("Invite Liaison to a private channel with `/invite @Liaison` to reach it.")
        )
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Edit launch", action_id=Ids.EDIT_LAUNCH, value=str(r.campaign_id)
                )
            ]
        )
    )
    return _message(head, blocks)


def build_question_modal(
    *, campaign_id: int, channel_id: str, thread_ts: str, campaign_name: str
) -> Payload:
    """The small modal behind "Ask a question"; its answer goes to the announcement's thread."""
    metadata = json.dumps(
        {"campaign_id": campaign_id, "channel_id": channel_id, "thread_ts": thread_ts},
        separators=(",", ":"),
    )
    view = View(
        type="modal",
        callback_id=Ids.QUESTION_MODAL,
        title=QUESTION_TITLE,
        submit="Post question",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            _section(
                f"About {_bold(campaign_name)}: your question is posted in the announcement's "
                "thread, and the campaign's marketer marks it answered."
            ),
            InputBlock(
                block_id=Ids.QUESTION_TEXT,
                label="Your question",
                element=PlainTextInputElement(
                    action_id=Ids.QUESTION_TEXT,
                    placeholder="e.g. Does the new pricing apply to renewals?",
                    multiline=True,
                    max_length=MAX_QUESTION,
                ),
            ),
        ],
    )
    return view.to_dict()


def build_question_message(
    *, question_id: int, asker_id: str, text: str, answered_by: str | None
) -> Payload:
    """A question in the announcement's thread: open with a button, or marked answered."""
    label = f"❓ *Question from {_user(asker_id)}:* "
    body = fit_escaped(text.strip(), MAX_SECTION_TEXT - len(label)) or "_(no text)_"
    blocks: list[Block] = [_section(label + body)]
    if answered_by is None:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Mark answered", action_id=Ids.MARK_ANSWERED, value=str(question_id)
                    )
                ]
            )
        )
    else:
        blocks.append(_context(f"✅ Answered — marked by {_user(answered_by)}"))
    return _message(f"Question from {_user(asker_id)}: {fit_escaped(one_line(text), 200)}", blocks)


def build_question_not_posted(*, text: str, channel_id: str, reason: str) -> Payload:
    """The asker's note that their question could not be posted, and is closed."""
    quote = fit_escaped(one_line(text), 300)
    head = (
        f"⚠️ Your question couldn't be posted in {_channel(channel_id)}, so it is closed: "
        f"{fit_escaped(one_line(reason), MAX_REASON)}"
    )
    blocks: list[Block] = [_section(head), _context(f"You asked: “{quote}”")]
    return _message(head, blocks)


def build_launch_not_posted(*, name: str, outsider: bool) -> Payload:
    """The marketer's note that a submitted launch was refused by who may launch."""
    why = LAUNCH_REFUSED_OUTSIDER if outsider else LAUNCH_REFUSED
    head = f"⚠️ {_bold(name)} wasn't announced. {why}"
    return _message(head, [_section(head)])


def build_launch_abandoned(*, name: str, reason: str) -> Payload:
    """The marketer's note that a submitted launch could not be finished, and was dropped."""
    head = (
        f"⚠️ {_bold(name)} wasn't announced: {fit_escaped(one_line(reason), MAX_REASON)}. "
        "Nothing was posted; try `/launch` again."
    )
    return _message(head, [_section(head)])


def build_launch_help() -> str:
    """The help text for `/launch`."""
    return (
        "*`/launch`* announces a campaign where sales already are:\n"
        "• `/launch` opens a form: campaign name, summary, sales channels (starting with the "
        "ones set by `/liaison sales here`), collateral, launch date and what you need from "
        "sales.\n"
        "• Collateral goes one per line as `Title | https://…`; a bare link is fine and "
        "its page title is used.\n"
        "• Today's date posts at once; a later date posts at 09:00 that day in your time zone.\n"
        "• Each channel gets the announcement with *Got it*, *Give feedback* and *Ask a "
        "question*; each link is its own reply in the thread, where 👍 / 👎 / 🎯 reactions "
        "are votes.\n"
        "• You get a private summary of where it landed, with *Edit launch* to fix a typo.\n"
        "Admins can limit who may launch."
    )


def _message(fallback: str, blocks: list[Block]) -> Payload:
    return {
        "text": fit_text(fallback, MAX_FALLBACK_TEXT),
        "blocks": fit_blocks([b.to_dict() for b in blocks]),
    }


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _context(*texts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=t) for t in texts])


def _bold(name: str) -> str:
    # An asterisk inside the name would end the bold early; show a look-alike instead.
    return (
        "*"
        + fit_escaped(one_line(name).replace("*", "\u2217") or "Untitled campaign", MAX_NAME)
        + "*"
    )


def _user(user_id: str) -> str:
    if _USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return "someone"


def _channel(channel_id: str) -> str:
    if _CHANNEL_ID.fullmatch(channel_id):
        return f"<#{channel_id}>"
    return "an unknown channel"


def _link(url: str, title: str) -> str:
    # Inside <url|label>, a | or > would end the link early, in the label and in the address.
    safe_url = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
    label = fit_escaped(one_line(title) or url, MAX_HEADER_TEXT).replace("|", "¦")
    return f"<{escape_mrkdwn(safe_url)}|{label}>"


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _listed(items: list[str], limit: int) -> str:
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        shown += f" and {len(items) - limit} more"
    return shown


def _bulleted(lines: list[str], limit: int) -> str:
    """Lines joined, at most `limit` of them and within a section, then "…and N more"."""
    kept: list[str] = []
    used = 0
    budget = MAX_SECTION_TEXT - 200  # room for the heading and the "and N more" line
    for line in lines[:limit]:
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    text = "\n".join(kept)
    if len(lines) > len(kept):
        text += f"\n…and {len(lines) - len(kept)} more"
    return text


LAUNCH_TITLE = "Launch a campaign"
EDIT_TITLE = "Edit launch"
QUESTION_TITLE = "Ask a question"
LAUNCH_REFUSED = (
    "Launching is limited to certain people in this workspace (and its admins): "
    "`/liaison launchers list` shows who. A Liaison admin can change that with "
    "`/liaison launchers …`."
)
LAUNCH_REFUSED_OUTSIDER = (
    "Guests and people from another organisation can't launch campaigns with Liaison: "
    "members of this workspace can. Ask one of them, or a workspace admin."
)
