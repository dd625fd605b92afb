from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

from blocks.ids import Ids
from blocks.launch import (
    Announcement,
    DeliveryReport,
    LaunchDefaults,
    build_announcement,
    build_asset_reply,
    build_launch_help,
    build_launch_modal,
    build_launch_summary,
    build_question_message,
    build_question_modal,
)
from domain.launch import MAX_ASK, MAX_CHANNELS, MAX_NAME, MAX_SUMMARY, LaunchField
from sandbox import validate_message_blocks, validate_view

TODAY = date(2024, 12, 3)
HOSTILE_NAMES = [
    "<!channel> launch",
    "Deck | part > two",
    "*Big* launch_ & <@U0REP1> <#C0SALES>",
    "N" * MAX_NAME,
    "&" * MAX_NAME,
]
# Live markup: a broadcast, a mention, a channel link, or a link Slack would render.
LIVE = re.compile(r"<[!@#]|<https?://")


def _texts(node: Any) -> list[str]:
    """Every mrkdwn string in a payload (plain_text can't mention or link)."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            return [node["text"]]
        return [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in _texts(value)]
    return []


def _blocks_by_id(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if "block_id" in b}


def _announcement(**changes: Any) -> Announcement:
    fields: dict[str, Any] = {
        "campaign_id": 7,
        "name": "Q3 pricing refresh",
        "summary": "New tiers for mid-market.",
        "launch_date": TODAY,
        "ask": "Share the one-pager with every renewal.",
        "marketer_id": "U0MKT1",
        "ready_count": 0,
        "asset_count": 2,
    }
    fields.update(changes)
    return Announcement(**fields)


# The launch modal


def test_new_launch_modal_has_every_input() -> None:
    view = build_launch_modal(LaunchDefaults(channel_ids=("C0SALES", "C0SALESWEST"), today=TODAY))
    assert validate_view(view) == []
    assert view["callback_id"] == Ids.LAUNCH_MODAL
    assert view["title"]["text"] == "Launch a campaign"
    assert view["submit"]["text"] == "Announce"
    assert json.loads(view["private_metadata"]) == {"campaign_id": None, "tz": "UTC"}
    inputs = _blocks_by_id(view)
    assert list(inputs) == [str(f) for f in LaunchField]
    for field, block in inputs.items():
        assert block["element"]["action_id"] == field
    assert inputs[LaunchField.NAME]["element"]["max_length"] == MAX_NAME
    summary = inputs[LaunchField.SUMMARY]["element"]
    assert (summary["multiline"], summary["max_length"]) == (True, MAX_SUMMARY)
    channels = inputs[LaunchField.CHANNELS]["element"]
    assert channels["type"] == "multi_conversations_select"
    assert channels["initial_conversations"] == ["C0SALES", "C0SALESWEST"]
    assert "default_to_current_conversation" not in channels
    assert channels["filter"] == {"include": ["public", "private"], "exclude_bot_users": True}
    assert channels["max_selected_items"] == MAX_CHANNELS
    collateral = inputs[LaunchField.COLLATERAL]
    assert collateral["optional"] is True
    assert collateral["hint"]["text"] == "One per line: Title | https://… (a bare link is fine)"
    picker = inputs[LaunchField.DATE]["element"]
    assert (picker["type"], picker["initial_date"]) == ("datepicker", "2024-12-03")
    ask = inputs[LaunchField.ASK]
    assert ask["label"]["text"] == "What we need from sales"
    assert (ask["optional"], ask["element"]["max_length"]) == (True, MAX_ASK)
    assert "optional" not in inputs[LaunchField.NAME]


def test_launch_modal_without_sales_channels_starts_from_the_current_one() -> None:
    view = build_launch_modal(LaunchDefaults(channel_ids=(), today=TODAY))
    assert validate_view(view) == []
    channels = _blocks_by_id(view)[LaunchField.CHANNELS]["element"]
    assert channels["default_to_current_conversation"] is True
    assert "initial_conversations" not in channels


@pytest.mark.parametrize("count", [1, MAX_CHANNELS, MAX_CHANNELS + 20])
def test_launch_modal_preselects_at_most_the_channel_limit(count: int) -> None:
    ids = tuple(f"C{i:06d}" for i in range(count))
    view = build_launch_modal(LaunchDefaults(channel_ids=ids, today=TODAY))
    assert validate_view(view) == []
    initial = _blocks_by_id(view)[LaunchField.CHANNELS]["element"]["initial_conversations"]
    assert initial == list(ids[:MAX_CHANNELS])


def test_edit_modal_omits_what_cannot_move() -> None:
    defaults = LaunchDefaults(
        channel_ids=("C0SALES",),
        today=TODAY,
        name="Q3 pricing refresh",
        summary="S" * MAX_SUMMARY,
        collateral="Deck | https://example.com/deck",
        launch_date=date(2024, 11, 20),
        ask="A" * (MAX_ASK + 50),
        campaign_id=42,
    )
    view = build_launch_modal(defaults)
    assert validate_view(view) == []
    assert view["callback_id"] == Ids.EDIT_LAUNCH_MODAL
    assert json.loads(view["private_metadata"]) == {"campaign_id": 42, "tz": "UTC"}
    assert view["title"]["text"] == "Edit launch"
    assert view["submit"]["text"] == "Save"
    inputs = _blocks_by_id(view)
    assert LaunchField.CHANNELS not in inputs
    assert LaunchField.COLLATERAL not in inputs
    assert inputs[LaunchField.NAME]["element"]["initial_value"] == "Q3 pricing refresh"
    assert inputs[LaunchField.SUMMARY]["element"]["initial_value"] == "S" * MAX_SUMMARY
    assert len(inputs[LaunchField.ASK]["element"]["initial_value"]) == MAX_ASK
    assert inputs[LaunchField.DATE]["element"]["initial_date"] == "2024-11-20"
    notes = [b for b in view["blocks"] if b["type"] == "context"]
    assert "can't change once announced" in notes[0]["elements"][0]["text"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_launch_modal_prefills_any_name(name: str) -> None:
    view = build_launch_modal(LaunchDefaults(channel_ids=(), today=TODAY, name=name))
    assert validate_view(view) == []
    assert _blocks_by_id(view)[LaunchField.NAME]["element"]["initial_value"] == name


# The announcement


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_announcement_shows_any_name_safely(name: str) -> None:
    payload = build_announcement(_announcement(name=name, summary="<!here> " + "x" * 2992))
    assert validate_message_blocks(payload["blocks"]) == []
    header = payload["blocks"][0]
    assert header["type"] == "header"
    assert header["text"]["type"] == "plain_text"
    assert header["text"]["text"] == name
    for text in [payload["text"], *_texts(payload)]:
        assert not LIVE.search(text.replace("<@U0MKT1>", ""))


def test_announcement_has_the_spec_parts() -> None:
    payload = build_announcement(_announcement())
    assert validate_message_blocks(payload["blocks"]) == []
    kinds = [b["type"] for b in payload["blocks"]]
    assert kinds == ["header", "section", "context", "section", "context", "actions", "context"]
    texts = _texts(payload)
    assert "New tiers for mid-market." in texts
    assert "Launch date: Tue 3 Dec 2024" in texts
    assert "From <@U0MKT1>" in texts
    assert "*What we need from sales:* Share the one-pager with every renewal." in texts
    assert "Be the first to confirm you're ready" in texts
    assert (
        "Collateral is in the thread: react 👍 useful · 👎 needs work · 🎯 used with a customer"
        in texts
    )
    actions = next(b for b in payload["blocks"] if b["type"] == "actions")
    assert actions["block_id"] == Ids.ANNOUNCEMENT_ACTIONS
    buttons = [(e["action_id"], e["text"]["text"], e["value"]) for e in actions["elements"]]
    assert buttons == [
        (Ids.GOT_IT, "Got it", "7"),
        (Ids.GIVE_FEEDBACK, "Give feedback", "7"),
        (Ids.ASK_QUESTION, "Ask a question", "7"),
    ]
    assert actions["elements"][0]["style"] == "primary"
    assert "Q3 pricing refresh" in payload["text"]


@pytest.mark.parametrize(
    ("count", "line"),
    [
        (0, "Be the first to confirm you're ready"),
        (1, "✅ 1 teammate is ready"),
        (12, "✅ 12 teammates are ready"),
        (1500, "✅ 1,500 teammates are ready"),
    ],
)
def test_announcement_counts_who_is_ready(count: int, line: str) -> None:
    assert line in _texts(build_announcement(_announcement(ready_count=count)))


def test_announcement_leaves_out_an_empty_ask_and_the_thread_hint_without_assets() -> None:
    payload = build_announcement(_announcement(ask="  ", asset_count=0))
    assert validate_message_blocks(payload["blocks"]) == []
    texts = " ".join(_texts(payload))
    assert "What we need from sales" not in texts
    assert "in the thread" not in texts


@pytest.mark.parametrize(
    ("summary", "ask"),
    [
        ("S" * MAX_SUMMARY, "A" * MAX_ASK),
        ("&" * MAX_SUMMARY, "<" * MAX_ASK),
        ("<!channel>" * 300, "<@U0REP1>" * 200),
    ],
)
def test_announcement_fits_the_longest_fields(summary: str, ask: str) -> None:
    payload = build_announcement(_announcement(name="N" * MAX_NAME, summary=summary, ask=ask))
    assert validate_message_blocks(payload["blocks"]) == []
    for text in _texts(payload):
        assert not LIVE.search(text.replace("<@U0MKT1>", ""))
        assert not re.search(r"&(?!amp;|lt;|gt;)", text), "an entity was cut in half"


# Collateral in the thread


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        (
            "Pricing deck",
            "https://example.com/deck",
            "<https://example.com/deck|Pricing deck> · `PD-3`",
        ),
        (
            "Deck | v2 > old <!channel>",
            "https://example.com/deck",
            "<https://example.com/deck|Deck ¦ v2 &gt; old &lt;!channel&gt;> · `PD-3`",
        ),
        (
            "Q&A",
            "https://example.com/a?b=1&c=|>",
            "<https://example.com/a?b=1&amp;c=%7C%3E|Q&amp;A> · `PD-3`",
        ),
        ("", "https://example.com/x", "<https://example.com/x|https://example.com/x> · `PD-3`"),
    ],
)
def test_asset_reply_links_safely(title: str, url: str, expected: str) -> None:
    payload = build_asset_reply(handle="PD-3", title=title, url=url)
    assert validate_message_blocks(payload["blocks"]) == []
    assert payload["blocks"][0]["text"]["text"] == expected
    hint = payload["blocks"][1]["elements"][0]["text"]
    assert hint == "React 👍 useful · 👎 needs work · 🎯 used with a customer"


def test_asset_reply_fits_a_long_title() -> None:
    payload = build_asset_reply(handle="PD-3", title="&" * 500, url="https://example.com/x")
    assert validate_message_blocks(payload["blocks"]) == []


# The marketer's summary


def _report(**changes: Any) -> DeliveryReport:
    fields: dict[str, Any] = {
        "campaign_id": 7,
        "name": "Q3 pricing refresh",
        "delivered": ("C0SALES", "C0SALESWEST"),
        "failures": (),
        "scheduled_for": None,
    }
    fields.update(changes)
    return DeliveryReport(**fields)


def _edit_button(payload: dict[str, Any]) -> dict[str, Any]:
    actions = [b for b in payload["blocks"] if b["type"] == "actions"]
    assert len(actions) == 1
    (button,) = actions[0]["elements"]
    return dict(button)


def test_launch_summary_lists_the_channels() -> None:
    payload = build_launch_summary(_report())
    assert validate_message_blocks(payload["blocks"]) == []
    head = payload["blocks"][0]["text"]["text"]
    assert head == "📣 Announced *Q3 pricing refresh* in 2 channels: <#C0SALES>, <#C0SALESWEST>"
    button = _edit_button(payload)
    assert (button["action_id"], button["text"]["text"], button["value"]) == (
        Ids.EDIT_LAUNCH,
        "Edit launch",
        "7",
    )


def test_launch_summary_cuts_a_long_channel_list() -> None:
    delivered = tuple(f"C{i:06d}" for i in range(100))
    payload = build_launch_summary(_report(delivered=delivered))
    assert validate_message_blocks(payload["blocks"]) == []
    head = payload["blocks"][0]["text"]["text"]
    assert head.startswith("📣 Announced *Q3 pricing refresh* in 100 channels: <#C000000>, ")
    assert head.endswith("<#C000019> and 80 more")


def test_launch_summary_reports_each_failure() -> None:
    payload = build_launch_summary(
        _report(
            delivered=("C0SALES",),
            failures=(("C0PRIVATE", "not_in_channel: invite Liaison"), ("C0ARCHIVED", "archived")),
        )
    )
    assert validate_message_blocks(payload["blocks"]) == []
    texts = _texts(payload)
    assert texts[0] == "📣 Announced *Q3 pricing refresh* in 1 channel: <#C0SALES>"
    assert texts[1] == (
        "*Couldn't post in 2 channels:*\n"
        "• <#C0PRIVATE> — not_in_channel: invite Liaison\n"
        "• <#C0ARCHIVED> — archived"
    )


def test_launch_summary_with_only_failures_and_hostile_reasons() -> None:
    failures = tuple((f"C{i:06d}", "<!channel> " + "&" * 500) for i in range(100))
    payload = build_launch_summary(_report(delivered=(), failures=failures, name="*a* <!here>"))
    assert validate_message_blocks(payload["blocks"]) == []
    texts = _texts(payload)
    assert texts[0] == "⚠️ *\u2217a\u2217 &lt;!here&gt;* wasn't announced in any channel."
    assert texts[1].endswith("…and 80 more")
    assert "<!channel>" not in texts[1]


def test_launch_summary_for_a_scheduled_launch() -> None:
    payload = build_launch_summary(
        _report(delivered=(), scheduled_for="Tue 3 Dec 09:00 Europe/Paris")
    )
    assert validate_message_blocks(payload["blocks"]) == []
    assert payload["blocks"][0]["text"]["text"] == (
        "🗓️ Scheduled *Q3 pricing refresh* for Tue 3 Dec 09:00 Europe/Paris."
    )
    assert _edit_button(payload)["value"] == "7"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_launch_summary_shows_any_name_safely(name: str) -> None:
    payload = build_launch_summary(_report(name=name))
    assert validate_message_blocks(payload["blocks"]) == []
    head = payload["blocks"][0]["text"]["text"]
    bold = re.search(r"Announced \*(.*)\* in 2 channels", head)
    assert bold is not None
    assert "*" not in bold.group(1)
    assert not LIVE.search(bold.group(1))


# Questions


def test_question_modal_carries_its_thread() -> None:
    view = build_question_modal(
        campaign_id=7,
        channel_id="C0SALES",
        thread_ts="1700000000.000100",
        campaign_name="<!channel> " + "N" * MAX_NAME,
    )
    assert validate_view(view) == []
    assert view["callback_id"] == Ids.QUESTION_MODAL
    assert json.loads(view["private_metadata"]) == {
        "campaign_id": 7,
        "channel_id": "C0SALES",
        "thread_ts": "1700000000.000100",
    }
    question = _blocks_by_id(view)[Ids.QUESTION_TEXT]
    element = question["element"]
    assert (element["action_id"], element["multiline"], element["max_length"]) == (
        Ids.QUESTION_TEXT,
        True,
        2000,
    )
    assert not any(LIVE.search(t) for t in _texts(view))


def test_open_question_has_a_mark_answered_button() -> None:
    payload = build_question_message(
        question_id=12,
        asker_id="U0REP1",
        text="Does it apply to <!channel> renewals?",
        answered_by=None,
    )
    assert validate_message_blocks(payload["blocks"]) == []
    assert payload["blocks"][0]["text"]["text"] == (
        "❓ *Question from <@U0REP1>:* Does it apply to &lt;!channel&gt; renewals?"
    )
    (button,) = payload["blocks"][1]["elements"]
    assert (button["action_id"], button["text"]["text"], button["value"]) == (
        Ids.MARK_ANSWERED,
        "Mark answered",
        "12",
    )
    assert "<!channel>" not in payload["text"]


def test_answered_question_says_who_marked_it() -> None:
    payload = build_question_message(
        question_id=12, asker_id="U0REP1", text="Renewals too?", answered_by="U0MKT1"
    )
    assert validate_message_blocks(payload["blocks"]) == []
    assert [b["type"] for b in payload["blocks"]] == ["section", "context"]
    assert payload["blocks"][1]["elements"][0]["text"] == "✅ Answered — marked by <@U0MKT1>"


@pytest.mark.parametrize("text", ["Q" * 2000, "&" * 2000, "", "<@U0LEAD1|lead> <!subteam^S1>"])
def test_question_message_fits_any_text(text: str) -> None:
    payload = build_question_message(question_id=1, asker_id="U0REP1", text=text, answered_by=None)
    assert validate_message_blocks(payload["blocks"]) == []
    assert not LIVE.search(payload["blocks"][0]["text"]["text"].replace("<@U0REP1>", ""))


def test_question_message_never_mentions_a_forged_id() -> None:
    payload = build_question_message(
        question_id=1, asker_id="<!channel>", text="hi", answered_by="U1|x> <!here"
    )
    assert not any(LIVE.search(t) for t in [payload["text"], *_texts(payload)])


def test_launch_help_explains_the_form() -> None:
    text = build_launch_help()
    for part in ("`/launch`", "`Title | https://…`", "09:00", "Got it", "Edit launch"):
        assert part in text
