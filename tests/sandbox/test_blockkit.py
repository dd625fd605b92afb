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
    assert body["error"] == "invalid_blocks"
    assert expected in body["errors"]
    assert f"[ERROR] {expected}" in body["response_metadata"]["messages"]
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
        _chart(),
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


def _chart(kind: str = "bar", **extra: Any) -> dict[str, Any]:
    """A valid data_visualization block, shaped as Slack's reference shows it."""
    categories = ["PD-3", "PD-7", "BC-1"]
    if kind == "pie":
        chart: dict[str, Any] = {
            "type": "pie",
            "segments": [{"label": "Useful", "value": 6}, {"label": "Needs work", "value": 2.5}],
        }
    else:
        chart = {
            "type": kind,
            "series": [
                {
                    "name": name,
                    "data": [{"label": c, "value": v} for c, v in zip(categories, vs, strict=True)],
                }
                for name, vs in (("Useful", (4, 2, 0)), ("Needs work", (1, -3, 2.5)))
            ],
            "axis_config": {"categories": categories, "x_label": "Asset", "y_label": "Votes"},
        }
    return {"type": "data_visualization", "title": "Collateral approval", "chart": chart, **extra}


def _changed(path: str, value: Any, kind: str = "bar") -> dict[str, Any]:
    """A valid chart with the value at a dotted path replaced (or removed, for _GONE)."""
    block = _chart(kind)
    *parents, last = path.split(".")
    node: Any = block
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is _GONE:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return block


_GONE = object()
_P = "[json-pointer:/blocks/0"


@pytest.mark.parametrize("kind", ["bar", "line", "area", "pie"])
def test_valid_charts_pass(kind: str) -> None:
    assert validate_message_blocks([_chart(kind, block_id="chart")]) == []


def test_chart_without_axis_titles_passes() -> None:
    block = _chart()
    block["chart"]["axis_config"] = {"categories": ["PD-3", "PD-7", "BC-1"]}
    assert validate_message_blocks([block]) == []


INVALID_CHARTS: list[tuple[dict[str, Any], str]] = [
    (_changed("title", "t" * 51), f"must be less than 51 characters {_P}/title]"),
    (_changed("title", _GONE), f"must provide a string {_P}/title]"),
    (_changed("chart", _GONE), f"must provide an object {_P}/chart]"),
    (_changed("chart.type", "scatter"), f"must be one of area, bar, line, pie {_P}/chart/type]"),
    (
        _changed("chart.axis_config.categories", [f"c{i}" for i in range(21)]),
        f"no more than 20 items allowed {_P}/chart/axis_config/categories]",
    ),
    (
        _changed("chart.axis_config.categories.0", "c" * 21),
        f"must be less than 21 characters {_P}/chart/axis_config/categories/0]",
    ),
    (
        _changed("chart.axis_config.categories.1", "PD-3"),
        f"duplicate category: PD-3 {_P}/chart/axis_config/categories/1]",
    ),
    (
        _changed("chart.axis_config.x_label", "x" * 51),
        f"must be less than 51 characters {_P}/chart/axis_config/x_label]",
    ),
    (_changed("chart.axis_config", _GONE), f"must provide an object {_P}/chart/axis_config]"),
    (
        _changed(
            "chart.series",
            [
                {
                    "name": f"s{i}",
                    "data": [{"label": c, "value": 1} for c in ("PD-3", "PD-7", "BC-1")],
                }
                for i in range(7)
            ],
        ),
        f"no more than 6 items allowed {_P}/chart/series]",
    ),
    (_changed("chart.series", []), f"must provide a non-empty array {_P}/chart/series]"),
    (_changed("chart.series.0", "Useful"), f"must provide an object {_P}/chart/series/0]"),
    (
        _changed("chart.series.0.name", "n" * 21),
        f"must be less than 21 characters {_P}/chart/series/0/name]",
    ),
    (
        _changed("chart.series.1.name", "Useful"),
        f"duplicate series name: Useful {_P}/chart/series/1/name]",
    ),
    (
        _changed("chart.series.0.data", "4,2,0"),
        f"must provide a non-empty array {_P}/chart/series/0/data]",
    ),
    (
        _changed("chart.series.0.data", [{"label": "PD-3", "value": 1}] * 21),
        f"no more than 20 items allowed {_P}/chart/series/0/data]",
    ),
    (
        _changed("chart.series.0.data.0.label", "l" * 21),
        f"must be less than 21 characters {_P}/chart/series/0/data/0/label]",
    ),
    (
        _changed("chart.series.0.data.0.label", "PD-9"),
        f"must match one of axis_config.categories {_P}/chart/series/0/data/0/label]",
    ),
    (
        _changed("chart.series.0.data.1.label", "PD-3"),
        f"duplicate label: PD-3 {_P}/chart/series/0/data/1/label]",
    ),
    (
        _changed("chart.series.0.data", [{"label": "PD-3", "value": 1}]),
        f"must provide one data point per category {_P}/chart/series/0/data]",
    ),
    (
        _changed("chart.series.0.data.0.value", "4"),
        f"must provide a number {_P}/chart/series/0/data/0/value]",
    ),
    (
        _changed("chart.series.0.data.0.value", float("nan")),
        f"must provide a number {_P}/chart/series/0/data/0/value]",
    ),
    (
        _changed("chart.series.0.data.0.value", True),
        f"must provide a number {_P}/chart/series/0/data/0/value]",
    ),
    (
        _changed("chart.segments", [{"label": f"s{i}", "value": 1} for i in range(7)], "pie"),
        f"no more than 6 items allowed {_P}/chart/segments]",
    ),
    (
        _changed("chart.segments.0.value", 0, "pie"),
        f"must be greater than 0 {_P}/chart/segments/0/value]",
    ),
    (
        _changed("chart.segments.1.label", "s" * 21, "pie"),
        f"must be less than 21 characters {_P}/chart/segments/1/label]",
    ),
]


@pytest.mark.parametrize(("block", "expected"), INVALID_CHARTS)
def test_chart_limits_are_reported_like_slack(block: dict[str, Any], expected: str) -> None:
    errors = validate_message_blocks([block])
    assert expected in errors, errors


def test_at_most_two_charts_in_a_message() -> None:
    two = [_chart(block_id="a"), _section("between"), _chart("line", block_id="b")]
    assert validate_message_blocks(two) == []
    three = [*two, _chart("pie", block_id="c")]
    assert validate_message_blocks(three) == [
        "no more than 2 data_visualization blocks allowed [json-pointer:/blocks/3]"
    ]


def test_posting_an_over_limit_chart_answers_invalid_blocks(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    block = _chart()
    block["chart"]["axis_config"]["categories"] = [f"Week {i}" for i in range(21)]
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(
            channel="C0SALES", text="Digest", blocks=[_section("Digest"), block]
        )
    body = err.value.response.data
    assert body["error"] == "invalid_blocks"
    expected = "no more than 20 items allowed [json-pointer:/blocks/1/chart/axis_config/categories]"
    assert expected in body["errors"]
    assert sandbox.messages("C0SALES") == []
    # The same message within the limits is posted and kept as sent.
    ok = client.chat_postMessage(channel="C0SALES", text="Digest", blocks=[_chart()])
    assert ok["ok"]
    assert sandbox.messages("C0SALES")[0]["blocks"] == [_chart()]


def test_chat_update_refuses_a_third_chart(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0SALES", text="x", blocks=[_chart()])["ts"]
    with pytest.raises(SlackApiError) as err:
        client.chat_update(
            channel="C0SALES",
            ts=ts,
            text="x",
            blocks=[_chart(block_id=f"c{i}") for i in range(3)],
        )
    assert err.value.response["error"] == "invalid_blocks"
