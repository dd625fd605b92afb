"""Block Kit limits, directly and as chat.postMessage's invalid_blocks answer."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from sandbox import SlackSandbox, validate_message_blocks
from sandbox.blockkit import validate_view


def _section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def _button(text: str = "Go", action_id: str = "go") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id}


INVALID: list[tuple[list[Any], str]] = [
    ([{"type": "divider"}] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
    (
        [_section("x" * 3001)],
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ),
    (
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
        "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
    ),
    (
        [_section("ok", block_id="b" * 256)],
        "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
    ),
    (
        [{"type": "actions", "elements": [_button("b" * 76)]}],
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
    ),
    (
        [{"type": "actions", "elements": [_button(action_id="a" * 256)]}],
        "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
    ),
    (
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
        "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
    ),
    (
        [{"type": "actions", "elements": [_button(action_id=f"a{i}") for i in range(26)]}],
        "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
    ),
    ([{"type": "carousel"}], "unsupported type: carousel [json-pointer:/blocks/0/type]"),
    (
        [_section("a", block_id="same"), _section("b", block_id="same")],
        "duplicate block_id: same [json-pointer:/blocks/1/block_id]",
    ),
]


@pytest.mark.parametrize(("blocks", "expected"), INVALID)
def test_validate_message_blocks_reports_like_slack(blocks: list[Any], expected: str) -> None:
    assert expected in validate_message_blocks(blocks)


@pytest.mark.parametrize(("blocks", "expected"), INVALID[:4])
def test_post_message_answers_invalid_blocks(
    sandbox: SlackSandbox, client: WebClient, blocks: list[Any], expected: str
) -> None:
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0SALES", text="fallback", blocks=blocks)
    body = err.value.response.data
    assert body["error"] == "invalid_blocks"  # type: ignore[index]
    assert expected in body["errors"]  # type: ignore[index]
    assert f"[ERROR] {expected}" in body["response_metadata"]["messages"]  # type: ignore[index]
    assert sandbox.messages("C0SALES") == []


def test_update_checks_blocks_too(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0SALES", text="ok")["ts"]
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C0SALES", ts=ts, text="x", blocks=[{"type": "divider"}] * 51)
    assert err.value.response["error"] == "invalid_blocks"


def test_blocks_built_with_slack_sdk_models_pass() -> None:
    blocks = [
        HeaderBlock(text="Spring launch").to_dict(),
        SectionBlock(text=MarkdownTextObject(text="*Pricing deck*"), block_id="s1").to_dict(),
        DividerBlock().to_dict(),
        ContextBlock(elements=[MarkdownTextObject(text="👍 2 · 👎 1")]).to_dict(),
        ActionsBlock(
            block_id="acts",
            elements=[
                ButtonElement(text="Got it", action_id="ack", value="1"),
                ButtonElement(text="Give feedback", action_id="feedback", value="1"),
            ],
        ).to_dict(),
        {"type": "data_visualization", "anything": "goes for now"},
    ]
    assert validate_message_blocks(blocks) == []
    assert validate_message_blocks([{"type": "divider"}] * 50) == []


def test_view_limits() -> None:
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "x" * 24},
        "blocks": [{"type": "divider"}] * 100,
        "private_metadata": "m" * 3000,
    }
    assert validate_view(modal) == []
    assert validate_view({"type": "home", "blocks": []}) == []
    assert validate_view(None) == ["failed to match all allowed schemas [json-pointer:/view]"]
