"""The weekly digest message: blame-free text, plain counts, charts, and Slack's limits."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocks.charts import check_chart_block
from blocks.digest import (
    block_kit_builder_url,
    build_digest_message,
    build_digest_preview,
    score_text,
)
from blocks.terminal import render_message
from domain.digest_data import (
    ChartData,
    ChartKind,
    ChartSeries,
    Digest,
    LaunchLine,
    ScoreLine,
    Theme,
    Trend,
)
from sandbox import validate_message_blocks

# Live markup: a broadcast, a mention, a channel link, or a link Slack would render.
LIVE = re.compile(r"<[!@#]")
HOSTILE = "<!channel> <@U0REP1> <#C0SALES> <!subteam^S0SALESTEAM> & <https://evil.example|x>"

APPROVAL = ChartData(
    kind=ChartKind.BAR,
    title="Collateral approval",
    categories=("PD-3", "PD-7"),
    series=(ChartSeries("👍", (4, 2)), ChartSeries("👎", (1, 3))),
    x_label="Asset",
    y_label="Votes",
)
VOLUME = ChartData(
    kind=ChartKind.LINE,
    title="Feedback volume",
    categories=("W40", "W41", "W42", "W43", "W44", "W45", "W46", "W47"),
    series=(
        ChartSeries("Votes", (3, 5, 8, 13, 21, 34, 55, 89)),
        ChartSeries("Comments", (0, 1, 1, 2, 3, 5, 8, 17)),
    ),
)


def _score(handle: str = "PD-3", title: str = "Pricing deck", **kw: Any) -> ScoreLine:
    values: dict[str, Any] = {
        "url": f"https://example.com/{handle.lower()}",
        "useful": 2,
        "needs_work": 1,
        "used": 1,
        "approval": 67,
        "trend": "▲",
    }
    values.update(kw)
    return ScoreLine(handle=handle, title=title, **values)


def _digest(**kw: Any) -> Digest:
    values: dict[str, Any] = {
        "title": "Liaison weekly digest",
        "period_label": "16-22 Nov 2026",
        "empty": False,
        "launches": [LaunchLine("Q3 pricing refresh", date(2026, 11, 17), 3, 1, 12, 2)],
        "more_launches": 0,
        "working": [_score()],
        "improving": [_score("PD-7", "Battlecard", useful=1, needs_work=3, used=0, trend="▼")],
        "more_assets": 0,
        "themes": [Theme("Pricing", 4, ("Needs the EU prices", "Great deck"))],
        "open_asks": ["Does the discount apply to renewals?"],
        "more_asks": 0,
        "trends": [Trend("Votes", 42, 30), Trend("Comments", 5, 5)],
        "thanks": "Thanks to 7 reps who voted 42 times and 3 who left comments.",
        "charts": [APPROVAL, VOLUME],
    }
    values.update(kw)
    return Digest(**values)


EMPTY = _digest(
    empty=True,
    launches=[],
    working=[],
    improving=[],
    themes=[],
    open_asks=[],
    trends=[],
    thanks="",
    charts=[],
)
HUGE = _digest(
    launches=[
        LaunchLine(f"Campaign {i} " + "x" * 200, date(2026, 11, 17), i, 0, i, i) for i in range(60)
    ],
    more_launches=7,
    working=[_score(f"PD-{i}", "Deck " * 60) for i in range(500)],
    improving=[_score(f"BC-{i}", "Card " * 60) for i in range(500)],
    more_assets=1234,
    themes=[Theme(f"Theme {i} " + "t" * 300, i, ("q" * 3000, "r" * 3000)) for i in range(200)],
    open_asks=["a" * 3000 for _ in range(100)],
    more_asks=9,
    trends=[Trend("t" * 3000, i, i + 1) for i in range(100)],
    thanks="&" * 3000,
    charts=[
        ChartData(
            ChartKind.BAR,
            "A" * 3000,
            tuple("c" * 3000 + str(i) for i in range(100)),
            tuple(ChartSeries("s" * 100 + str(i), tuple(range(100))) for i in range(10)),
        ),
        VOLUME,
        APPROVAL,  # a third chart: never shown
    ],
    title="T" * 3000,
    period_label="P" * 3000,
)
HOSTILE_DIGEST = _digest(
    title=HOSTILE,
    period_label=HOSTILE,
    launches=[LaunchLine(HOSTILE, date(2026, 11, 17), 1, 0, 1, 0)],
    working=[_score("PD-3", HOSTILE, url="https://example.com/a|b>c")],
    improving=[_score("<!here>", HOSTILE, url="javascript:<!channel>")],
    themes=[Theme(HOSTILE, 2, (HOSTILE,))],
    open_asks=[HOSTILE],
    trends=[Trend(HOSTILE, 1, 0)],
    thanks=HOSTILE,
    charts=[
        ChartData(ChartKind.BAR, HOSTILE, (HOSTILE, "<!here>"), (ChartSeries(HOSTILE, (1, 2)),))
    ],
)
ALL = {"full": _digest(), "empty": EMPTY, "huge": HUGE, "hostile": HOSTILE_DIGEST}


def _mrkdwn(node: Any) -> list[str]:
    """Every mrkdwn string in blocks (plain_text and chart labels can't mention or link)."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            return [node["text"]]
        return [t for value in node.values() for t in _mrkdwn(value)]
    if isinstance(node, list):
        return [t for value in node for t in _mrkdwn(value)]
    return []


def _charts(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in blocks if b["type"] == "data_visualization"]


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_digest_fits_slacks_limits(name: str) -> None:
    digest = ALL[name]
    for payload in (build_digest_message(digest), build_digest_preview(digest)):
        blocks = payload["blocks"]
        assert validate_message_blocks(blocks) == []
        assert len(blocks) <= 50
        assert len(_charts(blocks)) <= 2
        assert all(check_chart_block(b) == [] for b in _charts(blocks))
        assert all(len(t) <= 3000 for t in _mrkdwn(blocks))
        assert 0 < len(payload["text"]) <= 4000
        json.dumps(payload)  # plain JSON, ready for chat.postMessage


@pytest.mark.parametrize("name", sorted(ALL))
def test_nothing_live_reaches_slack(name: str) -> None:
    payload = build_digest_message(ALL[name])
    for text in [*_mrkdwn(payload["blocks"]), payload["text"]]:
        assert not LIVE.search(text), text
        assert "<https://evil" not in text


def test_hostile_text_is_shown_escaped() -> None:
    blocks = build_digest_message(HOSTILE_DIGEST)["blocks"]
    texts = "\n".join(_mrkdwn(blocks))
    assert "&lt;!channel&gt; &lt;@U0REP1&gt;" in texts
    assert "&amp;" in texts
    # A link address that would end the link early is neutralised; a non-web one is not linked.
    assert "<https://example.com/a%7Cb%3Ec|" in texts
    assert "javascript" not in texts


def test_full_digest_reads_in_order_with_plain_counts() -> None:
    payload = build_digest_message(_digest())
    blocks = payload["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Liaison weekly digest — 16-22 Nov 2026"},
    }
    texts = _mrkdwn(blocks)
    joined = "\n".join(texts)
    for heading in (
        "Launches this week",
        "What's working",
        "Being improved",
        "Themes",
        "Open asks",
    ):
        assert heading in joined
    assert "worst" not in json.dumps(payload).lower()
    assert "`PD-3` <https://example.com/pd-3|Pricing deck> — 👍 2 · 👎 1 · 🎯 1 used" in joined
    assert "`PD-7` <https://example.com/pd-7|Battlecard> — 👍 1 · 👎 3 · 🎯 0 used" in joined
    assert "*Q3 pricing refresh* — Tue 17 Nov · 📣 3 channels (1 couldn't be reached)" in joined
    assert "✅ 12 got it · ❓ 2 open questions" in joined
    assert "*Pricing* — 4 comments" in joined and "“Needs the EU prices”" in joined
    assert "• Votes: 42 (last week 30) ▲" in joined
    assert "• Comments: 5 (last week 5) →" in joined
    assert "Thanks to 7 reps" in joined


def test_score_line_keeps_the_plain_counts_format() -> None:
    line = _score(approval=None, trend="", url="")
    assert score_text(line) == "`PD-3` Pricing deck — 👍 2 · 👎 1 · 🎯 1 used"
    assert score_text(_score()).startswith(
        "`PD-3` <https://example.com/pd-3|Pricing deck> — 👍 2 · 👎 1 · 🎯 1 used"
    )


def test_each_chart_comes_with_its_numbers_as_text() -> None:
    blocks = build_digest_message(_digest())["blocks"]
    kinds = [b["type"] for b in blocks]
    charts = [i for i, kind in enumerate(kinds) if kind == "data_visualization"]
    assert len(charts) == 2
    assert [blocks[i]["chart"]["type"] for i in charts] == ["bar", "line"]
    assert [blocks[i]["block_id"] for i in charts] == ["digest_chart_1", "digest_chart_2"]
    first, second = (blocks[i + 1]["elements"][0]["text"] for i in charts)
    assert first == "Collateral approval — PD-3: 👍 4 · 👎 1; PD-7: 👍 2 · 👎 3"
    assert "W47: Votes 89 · Comments 17" in second


def test_fallback_text_summarises_with_the_chart_numbers() -> None:
    text = build_digest_message(_digest())["text"]
    assert text.startswith("Liaison weekly digest — 16-22 Nov 2026")
    assert "PD-3 Pricing deck (👍 2 · 👎 1 · 🎯 1 used)" in text
    assert "PD-3: 👍 4 · 👎 1; PD-7: 👍 2 · 👎 3" in text
    assert "W40: Votes 3 · Comments 0" in text and "W47: Votes 89 · Comments 17" in text
    assert "*" not in text  # plain, not mrkdwn


def test_huge_digest_says_and_n_more() -> None:
    payload = build_digest_message(HUGE)
    texts = _mrkdwn(payload["blocks"])
    joined = "\n".join(texts)
    mores = re.findall(r"…and ([\d,]+) more", joined)
    assert len(mores) >= 5  # launches, working, improving, themes, asks, trends
    launches = next(t for t in texts if t.startswith("*📣 Launches"))
    shown = launches.count("\n• ")
    assert f"…and {60 - shown + 7:,} more" in launches
    assert "…and 1,234 more assets" in joined
    assert len(_charts(payload["blocks"])) == 2
    assert payload["blocks"][0]["text"]["text"].endswith("…")


def test_asks_cut_by_the_domain_are_counted() -> None:
    joined = "\n".join(_mrkdwn(build_digest_message(_digest(more_asks=4))["blocks"]))
    assert "…and 4 more" in joined


def test_empty_digest_is_a_short_friendly_note() -> None:
    payload = build_digest_message(EMPTY)
    blocks = payload["blocks"]
    assert len(blocks) == 2
    assert blocks[0]["type"] == "header"
    assert "quiet week" in blocks[1]["text"]["text"]
    assert "quiet week" in payload["text"]
    assert not _charts(blocks)


def test_preview_is_ephemeral_with_a_note() -> None:
    preview = build_digest_preview(_digest())
    message = build_digest_message(_digest())
    assert preview["response_type"] == "ephemeral"
    assert "Only you can see this preview" in preview["blocks"][0]["elements"][0]["text"]
    assert preview["blocks"][1:] == message["blocks"]
    assert preview["text"] == message["text"]


def test_builder_url_opens_the_message_blocks() -> None:
    blocks = build_digest_message(HOSTILE_DIGEST)["blocks"]
    url = block_kit_builder_url(blocks)
    prefix = "https://app.slack.com/block-kit-builder/#"
    assert url.startswith(prefix)
    fragment = url[len(prefix) :]
    assert not re.search(r"[\s#<>\"{}|]", fragment)
    assert json.loads(unquote(fragment)) == {"blocks": blocks}


def test_terminal_shows_the_charts() -> None:
    out = render_message(build_digest_message(_digest()))
    assert "📊 Collateral approval (bar chart)" in out
    assert "📊 Feedback volume (line chart)" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("W47"))
    assert "89" in row and "17" in row and "█" in row
    assert "x: Asset · y: Votes" in out
    assert "Pricing deck (https://example.com/pd-3) — 👍 2 · 👎 1 · 🎯 1 used" in out


def test_terminal_rendering_of_other_blocks_is_unchanged() -> None:
    payload = {
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Hi"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "a &amp; b"}},
            {"type": "divider"},
        ]
    }
    assert render_message(payload) == "HI\n==\na & b\n" + "-" * 40


def test_terminal_draws_a_pie_and_survives_a_malformed_chart() -> None:
    pie = {
        "type": "data_visualization",
        "title": "Share",
        "chart": {
            "type": "pie",
            "segments": [{"label": "a", "value": 3}, {"label": "b", "value": 1}],
        },
    }
    out = render_message({"blocks": [pie, {"type": "data_visualization", "chart": None}]})
    assert "75%" in out and "25%" in out


def test_a_digest_with_one_chart_shows_one() -> None:
    blocks = build_digest_message(replace(_digest(), charts=[VOLUME]))["blocks"]
    assert [b["block_id"] for b in _charts(blocks)] == ["digest_chart_1"]


texts = st.text(max_size=400) | st.sampled_from([HOSTILE, "*_~`", "&amp;&lt;", ""])
counts = st.integers(0, 10**7)
scores = st.builds(
    ScoreLine,
    handle=st.text(max_size=30),
    title=texts,
    url=st.sampled_from(["", "https://example.com/x", "https://e.com/<!here>|a"]) | texts,
    useful=counts,
    needs_work=counts,
    used=counts,
    approval=st.none() | st.integers(0, 100),
    trend=st.sampled_from(["▲", "▼", "→", ""]),
)
digests = st.builds(
    Digest,
    title=texts,
    period_label=texts,
    empty=st.booleans(),
    launches=st.lists(
        st.builds(
            LaunchLine,
            name=texts,
            launch_date=st.dates(),
            channels=counts,
            failed_channels=counts,
            acknowledgements=counts,
            open_questions=counts,
        ),
        max_size=30,
    ),
    more_launches=counts,
    working=st.lists(scores, max_size=40),
    improving=st.lists(scores, max_size=40),
    more_assets=counts,
    themes=st.lists(
        st.builds(Theme, label=texts, count=counts, quotes=st.lists(texts, max_size=5).map(tuple)),
        max_size=20,
    ),
    open_asks=st.lists(texts, max_size=30),
    more_asks=counts,
    trends=st.lists(st.builds(Trend, label=texts, this_week=counts, last_week=counts), max_size=10),
    thanks=texts,
    charts=st.lists(
        st.builds(
            ChartData,
            kind=st.sampled_from(ChartKind),
            title=texts,
            categories=st.lists(st.text(max_size=30), max_size=25).map(tuple),
            series=st.lists(
                st.builds(
                    ChartSeries,
                    name=st.text(max_size=30),
                    values=st.lists(st.floats(), max_size=25).map(tuple),
                ),
                max_size=7,
            ).map(tuple),
        ),
        max_size=3,
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(digests)
def test_any_digest_makes_a_message_slack_accepts(digest: Digest) -> None:
    payload = build_digest_message(digest)
    blocks = payload["blocks"]
    assert validate_message_blocks(blocks) == []
    assert len(blocks) <= 50 and len(_charts(blocks)) <= 2
    assert 0 < len(payload["text"]) <= 4000
    for text in [*_mrkdwn(blocks), payload["text"]]:
        assert not LIVE.search(text)
    assert validate_message_blocks(build_digest_preview(digest)["blocks"]) == []
