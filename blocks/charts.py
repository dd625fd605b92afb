"""The digest's charts: Slack's data_visualization block, the same numbers as text, and a PNG.

Slack's block reference (https://docs.slack.dev/reference/block-kit/blocks/data-visualization-block):
a title of at most 50 characters; a chart of type pie, bar, area or line; bar, area and line
charts carry 1-6 named series, each with one data point per category of `axis_config`;
category, data point and series labels are at most 20 characters; a message holds at most
two such blocks. slack_sdk has no model for this block, so it is built as a dict here and
`check_chart_block` stands in for the model's own checks.

The PNG needs matplotlib, which only the `charts` extra installs: a production server posts
the native block and the text and never draws, so it imports matplotlib only when drawing.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from domain.digest_data import ChartData, ChartKind
from domain.text import one_line, shorten

MAX_CHARTS_PER_MESSAGE = 2
MAX_CHART_TITLE = 50
MAX_CHART_LABEL = 20  # a category, a data point's label, a series name, a pie segment's label
MAX_AXIS_LABEL = 50
MAX_CHART_CATEGORIES = 20  # a series holds at most 20 data points, one per category
MAX_CHART_SERIES = 6
MAX_PIE_SEGMENTS = 6
CHART_TYPES = ("area", "bar", "line", "pie")
SERIES_CHART_TYPES = frozenset({"area", "bar", "line"})

# JSON numbers beyond this lose integer precision in JavaScript clients.
_MAX_EXACT_INT = 2**53
_TEXT_LABEL = 60  # a category as the text version shows it

Number = int | float


@dataclass(frozen=True)
class _Fitted:
    """A ChartData cut to Slack's limits: what the block, the text and the PNG all show."""

    kind: str
    title: str
    categories: tuple[str, ...]  # at most 20, each at most 20 characters, unique
    full_categories: tuple[str, ...]  # the same categories, one line, uncut
    series: tuple[tuple[str, tuple[Number, ...]], ...]  # (name, one value per category)
    x_label: str
    y_label: str
    more_categories: int
    more_series: int


def _number(value: object) -> Number:
    """A finite JSON number: non-finite or non-numeric values count as 0, whole floats as ints."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    if isinstance(value, int):
        if abs(value) < _MAX_EXACT_INT:
            return value
        value = float(value) if abs(value) < 10**300 else 0.0
    if not math.isfinite(value):
        return 0
    if value.is_integer() and abs(value) < _MAX_EXACT_INT:
        return int(value)
    return value


def _unique_labels(labels: Iterable[str], limit: int, fallback: str) -> tuple[str, ...]:
    """Labels on one line, cut to `limit` with an ellipsis, made unique with a counter."""
    seen: set[str] = set()
    out: list[str] = []
    for i, label in enumerate(labels, start=1):
        clean = one_line(label) or f"{fallback} {i}"
        candidate = shorten(clean, limit)
        n = 2
        while candidate in seen:
            suffix = f" {n}"
            candidate = shorten(clean, limit - len(suffix)) + suffix
            n += 1
        seen.add(candidate)
        out.append(candidate)
    return tuple(out)


def _fit(chart: ChartData) -> _Fitted:
    title = shorten(one_line(chart.title), MAX_CHART_TITLE) or "Chart"
    raw_categories = tuple(chart.categories)
    kept = raw_categories[:MAX_CHART_CATEGORIES]
    if not kept:
        kept = ("No data",)
    categories = _unique_labels(kept, MAX_CHART_LABEL, "Item")
    full = tuple(one_line(c) or categories[i] for i, c in enumerate(kept))
    raw_series = tuple(chart.series)[:MAX_CHART_SERIES]
    names = _unique_labels((s.name for s in raw_series), MAX_CHART_LABEL, "Series")
    series = tuple(
        (
            name,
            tuple(_number(s.values[i]) if i < len(s.values) else 0 for i in range(len(kept))),
        )
        for name, s in zip(names, raw_series, strict=True)
    )
    if not series:
        series = (("Value", tuple(0 for _ in kept)),)
    kind = chart.kind.value if isinstance(chart.kind, ChartKind) else str(chart.kind)
    if kind not in SERIES_CHART_TYPES:
        kind = ChartKind.BAR.value
    return _Fitted(
        kind=kind,
        title=title,
        categories=categories,
        full_categories=full,
        series=series,
        x_label=shorten(one_line(chart.x_label), MAX_AXIS_LABEL),
        y_label=shorten(one_line(chart.y_label), MAX_AXIS_LABEL),
        more_categories=max(len(raw_categories) - MAX_CHART_CATEGORIES, 0),
        more_series=max(len(chart.series) - MAX_CHART_SERIES, 0),
    )


def build_chart_block(chart: ChartData, *, block_id: str | None = None) -> dict[str, Any]:
    """Slack's native data_visualization block for a bar or line chart, fitted to its limits."""
    fitted = _fit(chart)
    axis: dict[str, Any] = {"categories": list(fitted.categories)}
    if fitted.x_label:
        axis["x_label"] = fitted.x_label
    if fitted.y_label:
        axis["y_label"] = fitted.y_label
    block: dict[str, Any] = {
        "type": "data_visualization",
        "title": fitted.title,
        "chart": {
            "type": fitted.kind,
            "series": [
                {
                    "name": name,
                    "data": [
                        {"label": label, "value": value}
                        for label, value in zip(fitted.categories, values, strict=True)
                    ],
                }
                for name, values in fitted.series
            ],
            "axis_config": axis,
        },
    }
    if block_id:
        block["block_id"] = block_id
    return block


def _is_list(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _check_label(value: object, where: str, limit: int = MAX_CHART_LABEL) -> list[str]:
    if not isinstance(value, str) or not value:
        return [f"{where} must be a non-empty string"]
    if len(value) > limit:
        return [f"{where} is {len(value)} characters, more than {limit}"]
    return []


def _check_value(value: object, where: str, *, positive: bool = False) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [f"{where} must be a number"]
    if not math.isfinite(value):
        return [f"{where} must be finite"]
    if positive and value <= 0:
        return [f"{where} must be greater than 0"]
    return []


def _check_pie(chart: Mapping[str, Any]) -> list[str]:
    segments = chart.get("segments")
    if not _is_list(segments) or not segments:
        return ["chart.segments must be a non-empty list"]
    problems: list[str] = []
    if len(segments) > MAX_PIE_SEGMENTS:
        problems.append(f"chart has {len(segments)} segments, more than {MAX_PIE_SEGMENTS}")
    for i, segment in enumerate(segments):
        where = f"chart.segments[{i}]"
        if not isinstance(segment, Mapping):
            problems.append(f"{where} must be an object")
            continue
        problems += _check_label(segment.get("label"), f"{where}.label")
        problems += _check_value(segment.get("value"), f"{where}.value", positive=True)
    return problems


def _check_axis(axis: object) -> tuple[list[str], list[str]]:
    """Problems with axis_config, and its categories (empty when unusable)."""
    if not isinstance(axis, Mapping):
        return ["chart.axis_config must be an object"], []
    categories = axis.get("categories")
    if not _is_list(categories) or not categories:
        return ["chart.axis_config.categories must be a non-empty list"], []
    problems: list[str] = []
    if len(categories) > MAX_CHART_CATEGORIES:
        problems.append(f"chart has {len(categories)} categories, more than {MAX_CHART_CATEGORIES}")
    for i, category in enumerate(categories):
        problems += _check_label(category, f"chart.axis_config.categories[{i}]")
    labels = [c for c in categories if isinstance(c, str)]
    if len(set(labels)) != len(labels):
        problems.append("chart.axis_config.categories must be unique")
    for key in ("x_label", "y_label"):
        if key in axis:
            problems += _check_label(axis[key], f"chart.axis_config.{key}", MAX_AXIS_LABEL)
    return problems, labels


def _check_series(chart: Mapping[str, Any], categories: list[str]) -> list[str]:
    series = chart.get("series")
    if not _is_list(series) or not series:
        return ["chart.series must be a non-empty list"]
    problems: list[str] = []
    if len(series) > MAX_CHART_SERIES:
        problems.append(f"chart has {len(series)} series, more than {MAX_CHART_SERIES}")
    names: set[str] = set()
    for i, one in enumerate(series):
        where = f"chart.series[{i}]"
        if not isinstance(one, Mapping):
            problems.append(f"{where} must be an object")
            continue
        name = one.get("name")
        problems += _check_label(name, f"{where}.name")
        if isinstance(name, str):
            if name in names:
                problems.append(f"{where}.name {name!r} is used by another series")
            names.add(name)
        data = one.get("data")
        if not _is_list(data) or not data:
            problems.append(f"{where}.data must be a non-empty list")
            continue
        if len(data) > MAX_CHART_CATEGORIES:
            problems.append(
                f"{where} has {len(data)} data points, more than {MAX_CHART_CATEGORIES}"
            )
        labels: list[str] = []
        for j, point in enumerate(data):
            at = f"{where}.data[{j}]"
            if not isinstance(point, Mapping):
                problems.append(f"{at} must be an object")
                continue
            label = point.get("label")
            problems += _check_label(label, f"{at}.label")
            problems += _check_value(point.get("value"), f"{at}.value")
            if isinstance(label, str):
                labels.append(label)
                if categories and label not in categories:
                    problems.append(f"{at}.label {label!r} is not one of the categories")
        if categories and sorted(labels) != sorted(categories):
            problems.append(f"{where} must have exactly one value per category")
    return problems


def check_chart_block(block: Mapping[str, Any]) -> list[str]:
    """Every way this data_visualization block breaks Slack's limits (empty when it is fine)."""
    if block.get("type") != "data_visualization":
        return ["type must be data_visualization"]
    problems = _check_label(block.get("title"), "title", MAX_CHART_TITLE)
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or not 0 < len(block_id) <= 255):
        problems.append("block_id must be a string of 1 to 255 characters")
    chart = block.get("chart")
    if not isinstance(chart, Mapping):
        return [*problems, "chart must be an object"]
    kind = chart.get("type")
    if kind not in CHART_TYPES:
        return [*problems, f"chart.type must be one of {', '.join(CHART_TYPES)}"]
    if kind == "pie":
        return problems + _check_pie(chart)
    axis_problems, categories = _check_axis(chart.get("axis_config"))
    return problems + axis_problems + _check_series(chart, categories)


def _shown(value: Number) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def chart_text(chart: ChartData) -> str:
    """The chart's numbers as one plain line, for clients that cannot draw it; escape for mrkdwn."""
    fitted = _fit(chart)
    parts: list[str] = []
    for i, category in enumerate(fitted.full_categories):
        values = [(name, values[i]) for name, values in fitted.series]
        if len(values) == 1:
            shown = _shown(values[0][1])
        else:
            shown = " · ".join(f"{name} {_shown(value)}" for name, value in values)
        parts.append(f"{shorten(category, _TEXT_LABEL)}: {shown}")
    text = f"{fitted.title} — " + "; ".join(parts)
    more = fitted.more_categories
    if more:
        text += f"; and {more} more"
    return text


# ----------------------------------------------------------------------------------- PNG

CHARTS_EXTRA_NEEDED = "charts need the charts extra: pip install '.[charts]'"


class ChartsUnavailable(RuntimeError):
    """matplotlib is not installed, so no PNG can be drawn; the message says how to get it."""


@lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    """Code points the default font can draw (emoji are not among them)."""
    from matplotlib import font_manager, ft2font

    path = font_manager.findfont(font_manager.FontProperties())
    return frozenset(ft2font.FT2Font(path).get_charmap())


def _png_text(text: str) -> str:
    """Text matplotlib draws as written: glyphs the font lacks dropped, `$` not read as maths."""
    drawable = _drawable()
    kept = "".join(ch for ch in text if ord(ch) in drawable or ch in " \n")
    return " ".join(kept.split()).replace("$", r"\$")


def render_chart_png(chart: ChartData, path: Path) -> Path:
    """Draw the chart as a PNG at `path` (headless, Agg backend) and return the path.

    Raises ChartsUnavailable when matplotlib (the `charts` extra) is not installed.
    """
    try:
        import matplotlib
    except ImportError as missing:
        raise ChartsUnavailable(CHARTS_EXTRA_NEEDED) from missing

    matplotlib.use("Agg")  # never a window, even where a display exists
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fitted = _fit(chart)
    count = len(fitted.categories)
    figure = Figure(figsize=(max(6.0, min(12.0, 1.0 + 0.55 * count)), 4.5), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(count))
    with warnings.catch_warnings():
        # A glyph the font lacks is dropped above; never let a missing one fail a digest.
        warnings.simplefilter("ignore", UserWarning)
        if fitted.kind == ChartKind.LINE.value:
            for name, values in fitted.series:
                axes.plot(positions, values, marker="o", linewidth=2, label=_png_text(name))
        else:
            width = 0.8 / len(fitted.series)
            for k, (name, values) in enumerate(fitted.series):
                offset = (k - (len(fitted.series) - 1) / 2) * width
                bars = axes.bar(
                    [p + offset for p in positions], values, width, label=_png_text(name)
                )
                if count * len(fitted.series) <= 40:
                    axes.bar_label(bars, labels=[_shown(v) for v in values], fontsize=8)
        axes.set_title(_png_text(fitted.title), fontsize=13, pad=12)
        axes.set_xticks(positions)
        rotate = count > 6 or any(len(c) > 10 for c in fitted.categories)
        axes.set_xticklabels(
            [_png_text(c) for c in fitted.categories],
            rotation=35 if rotate else 0,
            ha="right" if rotate else "center",
            fontsize=9,
        )
        if fitted.x_label:
            axes.set_xlabel(_png_text(fitted.x_label))
        if fitted.y_label:
            axes.set_ylabel(_png_text(fitted.y_label))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(axis="y", alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(frameon=False, fontsize=9)
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png")
    return path
