"""Block Kit limit checks the sandbox applies before accepting messages and views.

Messages follow Slack's published limits: at most 50 blocks, section text 3000
characters, header text 150, ``block_id`` / ``action_id`` 255, button text 75, context
blocks 10 elements, actions blocks 25 elements, known block types only. Views allow 100
blocks, a modal title of 24 characters, ``callback_id`` 255 and ``private_metadata``
3000. Each problem is reported the way Slack words it, with a JSON pointer, e.g.
``"must be less than 3001 characters [json-pointer:/blocks/0/text/text]"``.

``data_visualization`` blocks follow Slack's reference for them: a title of at most 50
characters; a chart of type area, bar, line or pie; 1-6 series, each with a unique name of at
most 20 characters and exactly one finite value per category of ``axis_config`` (1-20 unique
categories of at most 20 characters); 1-6 pie segments with positive values; at most two
such blocks in one message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.constants import (
    CHART_TYPES,
    MAX_CHART_AXIS_LABEL,
    MAX_CHART_BLOCKS,
    MAX_CHART_CATEGORIES,
    MAX_CHART_LABEL,
    MAX_CHART_SERIES,
    MAX_CHART_TITLE,
    MAX_PIE_SEGMENTS,
)

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_SECTION_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BLOCK_ID = 255
MAX_ACTION_ID = 255
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_INPUT_LABEL = 2000
MAX_IMAGE_ALT_TEXT = 2000
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON_TEXT = 24
MAX_CALLBACK_ID = 255
MAX_PRIVATE_METADATA = 3000
MAX_EXTERNAL_ID = 255

KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions",
        "call",
        "context",
        "context_actions",
        "data_visualization",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})


def _too_long(limit: int, pointer: str) -> str:
    # Slack states the bound as "less than limit + 1".
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _too_many(limit: int, pointer: str) -> str:
    return f"no more than {limit} items allowed [json-pointer:{pointer}]"


def _check_text_object(
    obj: Any, pointer: str, *, limit: int, plain_only: bool = False
) -> list[str]:
    if not isinstance(obj, Mapping):
        return [f"must provide an object [json-pointer:{pointer}]"]
    kind = obj.get("type")
    allowed = {"plain_text"} if plain_only else TEXT_TYPES
    if kind not in allowed:
        return [f"must be one of {', '.join(sorted(allowed))} [json-pointer:{pointer}/type]"]
    text = obj.get("text")
    if not isinstance(text, str):
        return [f"must provide a string [json-pointer:{pointer}/text]"]
    if not text:
        return [f"must be more than 0 characters [json-pointer:{pointer}/text]"]
    if len(text) > limit:
        return [_too_long(limit, f"{pointer}/text")]
    return []


def _check_element(element: Any, pointer: str, action_ids: set[str]) -> list[str]:
    if not isinstance(element, Mapping):
        return [f"must provide an object [json-pointer:{pointer}]"]
    errors: list[str] = []
    action_id = element.get("action_id")
    if isinstance(action_id, str):
        if len(action_id) > MAX_ACTION_ID:
            errors.append(_too_long(MAX_ACTION_ID, f"{pointer}/action_id"))
        elif action_id in action_ids:
            # Slack rejects two interactive elements of one block sharing an action_id.
            errors.append(f"duplicate action_id: {action_id} [json-pointer:{pointer}/action_id]")
        action_ids.add(action_id)
    if element.get("type") == "button":
        errors += _check_text_object(
            element.get("text"), f"{pointer}/text", limit=MAX_BUTTON_TEXT, plain_only=True
        )
        value = element.get("value")
        if isinstance(value, str) and len(value) > MAX_BUTTON_VALUE:
            errors.append(_too_long(MAX_BUTTON_VALUE, f"{pointer}/value"))
    return errors


def _check_block(block: Any, pointer: str, block_ids: set[str]) -> list[str]:
    if not isinstance(block, Mapping):
        return [f"must provide an object [json-pointer:{pointer}]"]
    kind = block.get("type")
    if kind not in KNOWN_BLOCK_TYPES:
        return [f"unsupported type: {kind} [json-pointer:{pointer}/type]"]
    errors: list[str] = []
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or len(block_id) > MAX_BLOCK_ID:
            errors.append(_too_long(MAX_BLOCK_ID, f"{pointer}/block_id"))
        elif block_id in block_ids:
            errors.append(f"duplicate block_id: {block_id} [json-pointer:{pointer}/block_id]")
        else:
            block_ids.add(block_id)
    action_ids: set[str] = set()
    if kind == "section":
        errors += _check_section(block, pointer, action_ids)
    elif kind == "header":
        errors += _check_text_object(
            block.get("text"), f"{pointer}/text", limit=MAX_HEADER_TEXT, plain_only=True
        )
    elif kind in ("context", "actions"):
        errors += _check_elements(block, pointer, kind, action_ids)
    elif kind == "input":
        errors += _check_text_object(
            block.get("label"), f"{pointer}/label", limit=MAX_INPUT_LABEL, plain_only=True
        )
        if "element" not in block:
            errors.append(f"must provide an element [json-pointer:{pointer}/element]")
        else:
            errors += _check_element(block["element"], f"{pointer}/element", action_ids)
    elif kind == "data_visualization":
        errors += _check_chart_block(block, pointer)
    elif kind == "image":
        if not block.get("image_url") and not block.get("slack_file"):
            errors.append(f"must provide image_url or slack_file [json-pointer:{pointer}]")
        alt = block.get("alt_text")
        if not isinstance(alt, str) or not alt:
            errors.append(f"must provide alt_text [json-pointer:{pointer}/alt_text]")
        elif len(alt) > MAX_IMAGE_ALT_TEXT:
            errors.append(_too_long(MAX_IMAGE_ALT_TEXT, f"{pointer}/alt_text"))
    return errors


def _check_section(block: Mapping[str, Any], pointer: str, action_ids: set[str]) -> list[str]:
    errors: list[str] = []
    text = block.get("text")
    fields = block.get("fields")
    if text is None and not fields:
        return [f"must provide text or fields [json-pointer:{pointer}]"]
    if text is not None:
        errors += _check_text_object(text, f"{pointer}/text", limit=MAX_SECTION_TEXT)
    if fields is not None:
        if not isinstance(fields, Sequence) or isinstance(fields, str):
            errors.append(f"must provide an array [json-pointer:{pointer}/fields]")
        elif len(fields) > MAX_SECTION_FIELDS:
            errors.append(_too_many(MAX_SECTION_FIELDS, f"{pointer}/fields"))
        else:
            for j, field in enumerate(fields):
                errors += _check_text_object(
                    field, f"{pointer}/fields/{j}", limit=MAX_SECTION_FIELD_TEXT
                )
    if "accessory" in block:
        errors += _check_element(block["accessory"], f"{pointer}/accessory", action_ids)
    return errors


def _check_elements(
    block: Mapping[str, Any], pointer: str, kind: str, action_ids: set[str]
) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, Sequence) or isinstance(elements, str) or not elements:
        return [f"must provide a non-empty array [json-pointer:{pointer}/elements]"]
    limit = MAX_CONTEXT_ELEMENTS if kind == "context" else MAX_ACTIONS_ELEMENTS
    if len(elements) > limit:
        return [_too_many(limit, f"{pointer}/elements")]
    errors: list[str] = []
    for j, element in enumerate(elements):
        errors += _check_element(element, f"{pointer}/elements/{j}", action_ids)
    return errors


def _is_array(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _check_string(value: Any, pointer: str, limit: int) -> list[str]:
    if not isinstance(value, str):
        return [f"must provide a string [json-pointer:{pointer}]"]
    if not value:
        return [f"must be more than 0 characters [json-pointer:{pointer}]"]
    if len(value) > limit:
        return [_too_long(limit, pointer)]
    return []


def _check_number(value: Any, pointer: str, *, positive: bool = False) -> list[str]:
    # JSON has no NaN or Infinity; Python's json module lets them through, Slack does not.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return [f"must provide a number [json-pointer:{pointer}]"]
    if positive and value <= 0:
        return [f"must be greater than 0 [json-pointer:{pointer}]"]
    return []


def _check_array(value: Any, pointer: str, limit: int) -> list[str]:
    if not _is_array(value) or not value:
        return [f"must provide a non-empty array [json-pointer:{pointer}]"]
    if len(value) > limit:
        return [_too_many(limit, pointer)]
    return []


def _check_chart_block(block: Mapping[str, Any], pointer: str) -> list[str]:
    errors = _check_string(block.get("title"), f"{pointer}/title", MAX_CHART_TITLE)
    chart = block.get("chart")
    if not isinstance(chart, Mapping):
        return [*errors, f"must provide an object [json-pointer:{pointer}/chart]"]
    pointer = f"{pointer}/chart"
    kind = chart.get("type")
    if kind not in CHART_TYPES:
        return [*errors, f"must be one of {', '.join(CHART_TYPES)} [json-pointer:{pointer}/type]"]
    if kind == "pie":
        return errors + _check_pie(chart.get("segments"), f"{pointer}/segments")
    errors_, categories = _check_axis_config(chart.get("axis_config"), f"{pointer}/axis_config")
    return errors + errors_ + _check_series(chart.get("series"), f"{pointer}/series", categories)


def _check_pie(segments: Any, pointer: str) -> list[str]:
    errors = _check_array(segments, pointer, MAX_PIE_SEGMENTS)
    if errors:
        return errors
    for i, segment in enumerate(segments):
        at = f"{pointer}/{i}"
        if not isinstance(segment, Mapping):
            errors.append(f"must provide an object [json-pointer:{at}]")
            continue
        errors += _check_string(segment.get("label"), f"{at}/label", MAX_CHART_LABEL)
        errors += _check_number(segment.get("value"), f"{at}/value", positive=True)
    return errors


def _check_axis_config(axis: Any, pointer: str) -> tuple[list[str], list[str] | None]:
    """Problems with axis_config, and its categories (None when they can't be read)."""
    if not isinstance(axis, Mapping):
        return [f"must provide an object [json-pointer:{pointer}]"], None
    categories = axis.get("categories")
    errors = _check_array(categories, f"{pointer}/categories", MAX_CHART_CATEGORIES)
    for key in ("x_label", "y_label"):
        if axis.get(key) is not None:
            errors += _check_string(axis[key], f"{pointer}/{key}", MAX_CHART_AXIS_LABEL)
    if not _is_array(categories) or not categories:
        return errors, None
    seen: list[str] = []
    for i, category in enumerate(categories):
        at = f"{pointer}/categories/{i}"
        problems = _check_string(category, at, MAX_CHART_LABEL)
        if not problems and category in seen:
            problems = [f"duplicate category: {category} [json-pointer:{at}]"]
        errors += problems
        if isinstance(category, str):
            seen.append(category)
    return errors, seen


def _check_series(series: Any, pointer: str, categories: list[str] | None) -> list[str]:
    errors = _check_array(series, pointer, MAX_CHART_SERIES)
    if errors:
        return errors
    names: set[str] = set()
    for i, one in enumerate(series):
        at = f"{pointer}/{i}"
        if not isinstance(one, Mapping):
            errors.append(f"must provide an object [json-pointer:{at}]")
            continue
        name = one.get("name")
        problems = _check_string(name, f"{at}/name", MAX_CHART_LABEL)
        if not problems and name in names:
            problems = [f"duplicate series name: {name} [json-pointer:{at}/name]"]
        errors += problems
        if isinstance(name, str):
            names.add(name)
        errors += _check_points(one.get("data"), f"{at}/data", categories)
    return errors


def _check_points(data: Any, pointer: str, categories: list[str] | None) -> list[str]:
    errors = _check_array(data, pointer, MAX_CHART_CATEGORIES)
    if errors:
        return errors
    labels: list[str] = []
    for j, point in enumerate(data):
        at = f"{pointer}/{j}"
        if not isinstance(point, Mapping):
            errors.append(f"must provide an object [json-pointer:{at}]")
            continue
        label = point.get("label")
        problems = _check_string(label, f"{at}/label", MAX_CHART_LABEL)
        if not problems and categories is not None:
            if label not in categories:
                problems = [f"must match one of axis_config.categories [json-pointer:{at}/label]"]
            elif label in labels:
                problems = [f"duplicate label: {label} [json-pointer:{at}/label]"]
        errors += problems
        errors += _check_number(point.get("value"), f"{at}/value")
        if isinstance(label, str):
            labels.append(label)
    if not errors and categories is not None and len(labels) != len(categories):
        errors.append(f"must provide one data point per category [json-pointer:{pointer}]")
    return errors


def _check_chart_count(blocks: Sequence[Any], pointer: str) -> list[str]:
    charts = [
        i
        for i, b in enumerate(blocks)
        if isinstance(b, Mapping) and b.get("type") == "data_visualization"
    ]
    return [
        f"no more than {MAX_CHART_BLOCKS} data_visualization blocks allowed "
        f"[json-pointer:{pointer}/{i}]"
        for i in charts[MAX_CHART_BLOCKS:]
    ]


def validate_blocks(
    blocks: Any, *, max_blocks: int = MAX_MESSAGE_BLOCKS, pointer: str = "/blocks"
) -> list[str]:
    """Return Slack-worded problems with a list of blocks (empty when Slack would accept it)."""
    if not isinstance(blocks, Sequence) or isinstance(blocks, str | bytes):
        return [f"must provide an array [json-pointer:{pointer}]"]
    if len(blocks) > max_blocks:
        return [_too_many(max_blocks, pointer)]
    errors: list[str] = []
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        errors += _check_block(block, f"{pointer}/{i}", block_ids)
    return errors + _check_chart_count(blocks, pointer)


def validate_message_blocks(blocks: Any) -> list[str]:
    """Return the problems Slack's chat methods would report for these message blocks."""
    return validate_blocks(blocks, max_blocks=MAX_MESSAGE_BLOCKS)


def validate_view(view: Any) -> list[str]:
    """Return the problems Slack's views methods would report for this view payload."""
    if not isinstance(view, Mapping):
        return ["failed to match all allowed schemas [json-pointer:/view]"]
    errors: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        errors.append("must be one of home, modal [json-pointer:/view/type]")
    if kind == "modal":
        errors += _check_text_object(
            view.get("title"), "/view/title", limit=MAX_MODAL_TITLE, plain_only=True
        )
        for button in ("submit", "close"):
            if view.get(button) is not None:
                errors += _check_text_object(
                    view[button], f"/view/{button}", limit=MAX_MODAL_BUTTON_TEXT, plain_only=True
                )
        if _has_input(view.get("blocks")) and view.get("submit") is None:
            # Slack refuses a modal with inputs but no way to submit them.
            errors.append("must provide submit when inputs are present [json-pointer:/view/submit]")
    for key, limit in (
        ("callback_id", MAX_CALLBACK_ID),
        ("private_metadata", MAX_PRIVATE_METADATA),
        ("external_id", MAX_EXTERNAL_ID),
    ):
        value = view.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            errors.append(f"must provide a string [json-pointer:/view/{key}]")
        elif len(value) > limit:
            errors.append(_too_long(limit, f"/view/{key}"))
    errors += validate_blocks(
        view.get("blocks", []), max_blocks=MAX_VIEW_BLOCKS, pointer="/view/blocks"
    )
    return errors


def _has_input(blocks: Any) -> bool:
    if not isinstance(blocks, Sequence) or isinstance(blocks, str):
        return False
    return any(isinstance(b, Mapping) and b.get("type") == "input" for b in blocks)
