"""The digest's charts: the native block within Slack's limits, its text, and the PNG."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocks.charts import (
    MAX_CHART_CATEGORIES,
    MAX_CHART_LABEL,
    MAX_CHART_SERIES,
    MAX_CHART_TITLE,
    build_chart_block,
    chart_text,
    check_chart_block,
    render_chart_png,
)
from domain.digest_data import ChartData, ChartKind, ChartSeries
from sandbox import validate_message_blocks

ROOT = Path(__file__).resolve().parents[2]

APPROVAL = ChartData(
    kind=ChartKind.BAR,
    title="Collateral approval",
    categories=("PD-3", "PD-7", "BC-1"),
    series=(
        ChartSeries("👍 useful", (4, 2, 0)),
        ChartSeries("👎 needs work", (1, 3, 2)),
    ),
    x_label="Asset",
    y_label="Votes",
)
VOLUME = ChartData(
    kind=ChartKind.LINE,
    title="Feedback volume",
    categories=tuple(f"{d} Nov" for d in range(1, 9)),
    series=(
        ChartSeries("Votes", (3, 5, 8, 13, 21, 34, 55, 89)),
        ChartSeries("Comments", (0, 1, 1, 2, 3, 5, 8, 13)),
    ),
)


def _points(block: dict[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    return {
        s["name"]: [(p["label"], p["value"]) for p in s["data"]] for s in block["chart"]["series"]
    }


def test_bar_chart_block_has_slacks_shape() -> None:
    block = build_chart_block(APPROVAL, block_id="approval")
    assert block == {
        "type": "data_visualization",
        "block_id": "approval",
        "title": "Collateral approval",
        "chart": {
            "type": "bar",
            "series": [
                {
                    "name": "👍 useful",
                    "data": [
                        {"label": "PD-3", "value": 4},
                        {"label": "PD-7", "value": 2},
                        {"label": "BC-1", "value": 0},
                    ],
                },
                {
                    "name": "👎 needs work",
                    "data": [
                        {"label": "PD-3", "value": 1},
                        {"label": "PD-7", "value": 3},
                        {"label": "BC-1", "value": 2},
                    ],
                },
            ],
            "axis_config": {
                "categories": ["PD-3", "PD-7", "BC-1"],
                "x_label": "Asset",
                "y_label": "Votes",
            },
        },
    }
    assert check_chart_block(block) == []
    assert validate_message_blocks([block]) == []


def test_line_chart_block_passes_and_omits_empty_axis_labels() -> None:
    block = build_chart_block(VOLUME)
    assert block["chart"]["type"] == "line"
    assert "block_id" not in block
    assert block["chart"]["axis_config"] == {"categories": list(VOLUME.categories)}
    assert _points(block)["Votes"][-1] == ("8 Nov", 89)
    assert check_chart_block(block) == []
    assert validate_message_blocks([block]) == []


def test_oversized_chart_is_fitted() -> None:
    long = "An extremely long asset title that never ends"
    chart = ChartData(
        kind=ChartKind.BAR,
        title="T" * 80,
        # 30 categories, the first two alike once cut to 20 characters, one blank.
        categories=(long + " A", long + " B", "  ", *(f"Asset {i}" for i in range(27))),
        series=tuple(ChartSeries(f"Series named at length {i}", (1.0,) * 30) for i in range(9)),
        x_label="x" * 70,
    )
    block = build_chart_block(chart)
    assert check_chart_block(block) == []
    assert validate_message_blocks([block]) == []
    assert len(block["title"]) == MAX_CHART_TITLE and block["title"].endswith("…")
    categories = block["chart"]["axis_config"]["categories"]
    assert len(categories) == MAX_CHART_CATEGORIES
    assert len(set(categories)) == len(categories)
    assert all(0 < len(c) <= MAX_CHART_LABEL for c in categories)
    assert categories[0].endswith("…") and categories[0] != categories[1]
    assert len(block["chart"]["series"]) == MAX_CHART_SERIES
    names = [s["name"] for s in block["chart"]["series"]]
    assert len(set(names)) == len(names)
    assert all(len(n) <= MAX_CHART_LABEL for n in names)
    assert len(block["chart"]["axis_config"]["x_label"]) == 50


def test_missing_and_non_finite_values_become_zero() -> None:
    chart = ChartData(
        kind=ChartKind.BAR,
        title="Gaps",
        categories=("a", "b", "c"),
        series=(ChartSeries("s", (math.nan, math.inf)),),
    )
    block = build_chart_block(chart)
    assert _points(block) == {"s": [("a", 0), ("b", 0), ("c", 0)]}
    assert check_chart_block(block) == []


def test_a_chart_with_no_data_still_makes_a_valid_block() -> None:
    block = build_chart_block(ChartData(ChartKind.LINE, "", (), ()))
    assert check_chart_block(block) == []
    assert validate_message_blocks([block]) == []


def _valid() -> dict[str, Any]:
    return build_chart_block(APPROVAL)


def _with(path: str, value: Any) -> dict[str, Any]:
    block = _valid()
    *parents, last = path.split(".")
    node: Any = block
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return block


_DELETE = object()


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (_with("title", "t" * 51), "title is 51 characters, more than 50"),
        (_with("title", ""), "title must be a non-empty string"),
        (_with("chart.type", "scatter"), "chart.type must be one of area, bar, line, pie"),
        (
            _with("chart.axis_config.categories", [f"c{i}" for i in range(21)]),
            "chart has 21 categories, more than 20",
        ),
        (
            _with("chart.axis_config.categories.0", "c" * 21),
            "chart.axis_config.categories[0] is 21 characters, more than 20",
        ),
        (
            _with("chart.series", [{"name": f"s{i}", "data": []} for i in range(7)]),
            "chart has 7 series, more than 6",
        ),
        (_with("chart.series.1.name", "👍 useful"), "chart.series[1].name '👍 useful' is used"),
        (_with("chart.series.0.data.0.value", math.nan), "chart.series[0].data[0].value must be"),
        (_with("chart.series.0.data.0.value", "4"), "chart.series[0].data[0].value must be"),
        (
            _with("chart.series.0.data.0.label", "PD-9"),
            "chart.series[0].data[0].label 'PD-9' is not one of the categories",
        ),
        (
            _with("chart.series.0.data", [{"label": "PD-3", "value": 1}]),
            "chart.series[0] must have exactly one value per category",
        ),
        (_with("chart.axis_config", _DELETE), "chart.axis_config must be an object"),
        (_with("chart", "bar"), "chart must be an object"),
    ],
)
def test_check_chart_block_names_each_problem(block: dict[str, Any], expected: str) -> None:
    assert any(expected in problem for problem in check_chart_block(block)), check_chart_block(
        block
    )


def test_check_chart_block_checks_pie_segments() -> None:
    pie = {
        "type": "data_visualization",
        "title": "Share",
        "chart": {"type": "pie", "segments": [{"label": "a", "value": 0}] * 7},
    }
    problems = check_chart_block(pie)
    assert "chart has 7 segments, more than 6" in problems
    assert "chart.segments[0].value must be greater than 0" in problems


def test_chart_text_has_the_same_numbers() -> None:
    assert chart_text(APPROVAL) == (
        "Collateral approval — PD-3: 👍 useful 4 · 👎 needs work 1; "
        "PD-7: 👍 useful 2 · 👎 needs work 3; BC-1: 👍 useful 0 · 👎 needs work 2"
    )
    single = ChartData(ChartKind.LINE, "Votes", ("W1", "W2"), (ChartSeries("Votes", (3, 4.5)),))
    assert chart_text(single) == "Votes — W1: 3; W2: 4.5"


def test_chart_text_says_how_many_categories_were_cut() -> None:
    chart = ChartData(
        ChartKind.BAR,
        "Many",
        tuple(f"a{i}" for i in range(25)),
        (ChartSeries("n", tuple(range(25))),),
    )
    assert chart_text(chart).endswith("a19: 19; and 5 more")


@pytest.mark.parametrize("chart", [APPROVAL, VOLUME])
def test_png_is_written_quickly_and_headless(chart: ChartData, tmp_path: Path) -> None:
    render_chart_png(chart, tmp_path / "warm.png")  # the first call pays matplotlib's import
    started = time.perf_counter()
    path = render_chart_png(chart, tmp_path / "charts" / "chart.png")
    assert time.perf_counter() - started < 1.0
    assert path == tmp_path / "charts" / "chart.png"
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5_000


def test_png_copes_with_hostile_labels(tmp_path: Path) -> None:
    chart = ChartData(
        ChartKind.BAR,
        "Costs $5 and $10 <!channel> 🎯",
        ("$x$", "\\frac{", "🚀🚀", "a" * 200),
        (ChartSeries("$", (1, 2, 3, 4)), ChartSeries("", (1e9, -3, 0.5, 0))),
    )
    path = render_chart_png(chart, tmp_path / "hostile.png")
    assert path.stat().st_size > 0


WITHOUT_MATPLOTLIB = """
import sys
from pathlib import Path

sys.modules["matplotlib"] = None  # as if the charts extra were not installed
from blocks.charts import ChartsUnavailable, build_chart_block, chart_text, render_chart_png
from domain.digest_data import ChartData, ChartKind, ChartSeries

chart = ChartData(ChartKind.BAR, "Approval", ("PD-3",), (ChartSeries("Useful", (4,)),))
print(build_chart_block(chart)["type"])
print(chart_text(chart))
try:
    render_chart_png(chart, Path(sys.argv[1]))
except ChartsUnavailable as missing:
    print(missing)
"""


def test_without_matplotlib_the_png_says_to_install_the_charts_extra(tmp_path: Path) -> None:
    # A fresh interpreter, so the matplotlib this test run has imported is not there to find.
    png = tmp_path / "chart.png"
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_MATPLOTLIB, str(png)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "data_visualization",  # the native block and its text need no matplotlib
        "Approval — PD-3: 4",
        "charts need the charts extra: pip install '.[charts]'",
    ]
    assert not png.exists()


labels = st.text(max_size=40)
values = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**6), 10**6)
charts = st.builds(
    ChartData,
    kind=st.sampled_from(ChartKind),
    title=st.text(max_size=120),
    categories=st.lists(labels, max_size=30).map(tuple),
    series=st.lists(
        st.builds(
            ChartSeries,
            name=labels,
            values=st.lists(values, max_size=35).map(tuple),
        ),
        max_size=9,
    ).map(tuple),
    x_label=st.text(max_size=80),
    y_label=st.text(max_size=80),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(charts)
def test_any_chart_data_builds_a_block_slack_accepts(chart: ChartData) -> None:
    block = build_chart_block(chart, block_id="chart")
    assert check_chart_block(block) == []
    assert validate_message_blocks([block]) == []
    assert chart_text(chart)
