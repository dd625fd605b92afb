from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.launch import (
    MAX_ASK,
    MAX_CHANNELS,
    MAX_COLLATERAL_LINES,
    MAX_DAYS_AHEAD,
    MAX_ERROR,
    MAX_NAME,
    MAX_SUMMARY,
    CollateralLine,
    LaunchField,
    LaunchForm,
    parse_collateral_lines,
    validate_launch,
)

TODAY = date(2024, 12, 3)


def state(
    *,
    name: str | None = "Q3 pricing refresh",
    summary: str | None = "New tiers for mid-market.",
    channels: list[Any] | None = None,
    collateral: str | None = "",
    launch_date: str | None = "2024-12-03",
    ask: str | None = None,
    omit: tuple[LaunchField, ...] = (),
) -> dict[str, dict[str, Any]]:
    """A launch modal's view.state.values, shaped as Slack sends it in view_submission."""
    values: dict[str, dict[str, Any]] = {
        LaunchField.NAME: {LaunchField.NAME: {"type": "plain_text_input", "value": name}},
        LaunchField.SUMMARY: {LaunchField.SUMMARY: {"type": "plain_text_input", "value": summary}},
        LaunchField.CHANNELS: {
            LaunchField.CHANNELS: {
                "type": "multi_conversations_select",
                "selected_conversations": ["C0SALES"] if channels is None else channels,
            }
        },
        LaunchField.COLLATERAL: {
            LaunchField.COLLATERAL: {"type": "plain_text_input", "value": collateral}
        },
        LaunchField.DATE: {LaunchField.DATE: {"type": "datepicker", "selected_date": launch_date}},
        LaunchField.ASK: {LaunchField.ASK: {"type": "plain_text_input", "value": ask}},
    }
    for field in omit:
        del values[field]
    return values


# parse_collateral_lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("\n  \n\t\n", []),
        (
            "Pricing deck | https://example.com/deck",
            [CollateralLine("https://example.com/deck", "Pricing deck")],
        ),
        ("https://example.com/deck", [CollateralLine("https://example.com/deck", None)]),
        ("<https://example.com/deck>", [CollateralLine("https://example.com/deck", None)]),
        (
            "<https://example.com/deck|Pricing deck>",
            [CollateralLine("https://example.com/deck", "Pricing deck")],
        ),
        (
            "<https://example.com/deck|example.com/deck>",
            [CollateralLine("https://example.com/deck", None)],
        ),
        (
            "<https://example.com/a?b=1&amp;c=2|Q&amp;A sheet>",
            [CollateralLine("https://example.com/a?b=1&c=2", "Q&A sheet")],
        ),
        (
            "Battle card | <https://example.com/bc>",
            [CollateralLine("https://example.com/bc", "Battle card")],
        ),
        (
            "- Pricing deck | https://example.com/deck\n• https://example.com/one\n"
            "* https://example.com/two\n1. https://example.com/three",
            [
                CollateralLine("https://example.com/deck", "Pricing deck"),
                CollateralLine("https://example.com/one", None),
                CollateralLine("https://example.com/two", None),
                CollateralLine("https://example.com/three", None),
            ],
        ),
        (
            "  Pricing   deck\t|   https://example.com/deck  ",
            [CollateralLine("https://example.com/deck", "Pricing deck")],
        ),
        (
            "A | B | https://example.com/ab",
            [CollateralLine("https://example.com/ab", "A | B")],
        ),
        ("| https://example.com/x", [CollateralLine("https://example.com/x", None)]),
        (
            "Deck\u202e | https://example.com/x\r\n\r\nhttps://example.com/y",
            [
                CollateralLine("https://example.com/x", "Deck"),
                CollateralLine("https://example.com/y", None),
            ],
        ),
        (
            "https://example.com/deck.",
            [CollateralLine("https://example.com/deck", None)],
        ),
        (
            "T" * 200 + " | https://example.com/x",
            [CollateralLine("https://example.com/x", "T" * 200)],
        ),
    ],
)
def test_parse_collateral_lines_accepts(text: str, expected: list[CollateralLine]) -> None:
    assert parse_collateral_lines(text) == (expected, [])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("hello", "Line 1: use `Title | https://…` or just a link."),
        ("Pricing deck", "Line 1: use `Title | https://…` or just a link."),
        (
            "https://example.com/deck\n\nPricing deck https://example.com/b",
            "Line 3: separate the title from the link with `|`: `Title | https://…`.",
        ),
        (
            "https://example.com/deck | Pricing deck",
            "Line 1: put the title first: `Title | https://…`.",
        ),
        (
            "Pricing deck |",
            "Line 1: the link is missing after `|`: use `Title | https://…` or just a link.",
        ),
        (
            "ftp://example.com/deck",
            "Line 1: that doesn't look like a web link: use a full address such as "
            "https://example.com/deck.",
        ),
        (
            "Deck | ftp://example.com/deck",
            "Line 1: that doesn't look like a web link: use a full address such as "
            "https://example.com/deck.",
        ),
        (
            "Deck | https://user:pw@example.com/deck",
            "Line 1: links with a user name or password can't be shared: remove them.",
        ),
        (
            "https://example.com/deck\nDeck | https://EXAMPLE.com/deck",
            "Line 2: that link is already on line 1.",
        ),
        (
            "T" * 201 + " | https://example.com/x",
            "Line 1: the title is 201 characters; use at most 200.",
        ),
    ],
)
def test_parse_collateral_lines_names_each_problem(text: str, problem: str) -> None:
    _, problems = parse_collateral_lines(text)
    assert problems == [problem]


def test_parse_collateral_lines_keeps_good_lines_next_to_bad_ones() -> None:
    lines, problems = parse_collateral_lines(
        "Deck | https://example.com/deck\nnot a link\nhttps://example.com/one"
    )
    assert lines == [
        CollateralLine("https://example.com/deck", "Deck"),
        CollateralLine("https://example.com/one", None),
    ]
    assert problems == ["Line 2: use `Title | https://…` or just a link."]


# validate_launch: valid forms


def test_validate_launch_returns_the_cleaned_form() -> None:
    values = state(
        name="  Q3 \u202epricing\n refresh ",
        summary="\x07 New tiers.\n\nFor *mid-market*. ",
        channels=["C0SALES", "G0PRIV", "C0SALES"],
        collateral="Pricing deck | https://example.com/deck\nhttps://example.com/one",
        launch_date="2024-12-03",
        ask="  Share it with every renewal. ",
    )
    assert validate_launch(values, today=TODAY) == LaunchForm(
        name="Q3 pricing refresh",
        summary="New tiers.\n\nFor *mid-market*.",
        channel_ids=("C0SALES", "G0PRIV"),
        collateral=(
            CollateralLine("https://example.com/deck", "Pricing deck"),
            CollateralLine("https://example.com/one", None),
        ),
        launch_date=TODAY,
        ask="Share it with every renewal.",
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"collateral": None, "ask": None},
        {"omit": (LaunchField.COLLATERAL, LaunchField.ASK)},
        {"launch_date": (TODAY + timedelta(days=1)).isoformat()},
        {"launch_date": (TODAY + timedelta(days=MAX_DAYS_AHEAD)).isoformat()},
        {"name": "N" * MAX_NAME, "summary": "S" * MAX_SUMMARY, "ask": "A" * MAX_ASK},
        {"channels": [f"C{i:04d}" for i in range(MAX_CHANNELS)]},
        {
            "collateral": "\n".join(
                f"Item {i} | https://example.com/{i}" for i in range(MAX_COLLATERAL_LINES)
            )
        },
        {"name": "<!channel> *Launch* | now >"},
    ],
)
def test_validate_launch_accepts(changes: dict[str, Any]) -> None:
    assert isinstance(validate_launch(state(**changes), today=TODAY), LaunchForm)


def test_validate_launch_when_editing_ignores_channels_and_collateral() -> None:
    values = state(omit=(LaunchField.CHANNELS, LaunchField.COLLATERAL))
    form = validate_launch(values, today=TODAY, editing=True)
    assert isinstance(form, LaunchForm)
    assert (form.channel_ids, form.collateral) == ((), ())


def test_validate_launch_when_editing_keeps_a_past_launch_date() -> None:
    values = state(launch_date="2024-11-01", omit=(LaunchField.CHANNELS,))
    form = validate_launch(values, today=TODAY, editing=True, current_date=date(2024, 11, 1))
    assert isinstance(form, LaunchForm)
    assert form.launch_date == date(2024, 11, 1)
    moved = state(launch_date="2024-11-02", omit=(LaunchField.CHANNELS,))
    errors = validate_launch(moved, today=TODAY, editing=True, current_date=date(2024, 11, 1))
    assert isinstance(errors, dict)
    assert set(errors) == {LaunchField.DATE}


# validate_launch: errors on the offending field


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, LaunchField.NAME, "Give the campaign a name"),
        ({"name": "  \n\t "}, LaunchField.NAME, "Give the campaign a name"),
        ({"name": "\x00\u200b"}, LaunchField.NAME, "Give the campaign a name"),
        ({"name": None}, LaunchField.NAME, "Give the campaign a name"),
        ({"omit": (LaunchField.NAME,)}, LaunchField.NAME, "Give the campaign a name"),
        (
            {"name": "N" * (MAX_NAME + 1)},
            LaunchField.NAME,
            "Shorten the name to 150 characters (it has 151).",
        ),
        ({"summary": " "}, LaunchField.SUMMARY, "Add a short summary"),
        (
            {"summary": "S" * (MAX_SUMMARY + 1)},
            LaunchField.SUMMARY,
            "Shorten the summary to 3,000 characters (it has 3,001).",
        ),
        ({"channels": []}, LaunchField.CHANNELS, "Pick at least one channel"),
        ({"omit": (LaunchField.CHANNELS,)}, LaunchField.CHANNELS, "Pick at least one channel"),
        ({"channels": ["", 7, "not an id"]}, LaunchField.CHANNELS, "Pick at least one channel"),
        (
            {"channels": [f"C{i:04d}" for i in range(MAX_CHANNELS + 1)]},
            LaunchField.CHANNELS,
            "Pick at most 100 channels (you picked 101).",
        ),
        (
            {"collateral": "Pricing deck"},
            LaunchField.COLLATERAL,
            "Line 1: use `Title | https://…` or just a link.",
        ),
        (
            {"collateral": "a\nb\nc\nd"},
            LaunchField.COLLATERAL,
            "Line 1: use `Title | https://…` or just a link. "
            "Line 2: use `Title | https://…` or just a link. (and 2 more)",
        ),
        (
            {
                "collateral": "\n".join(
                    f"https://example.com/{i}" for i in range(MAX_COLLATERAL_LINES + 1)
                )
            },
            LaunchField.COLLATERAL,
            "Add at most 20 links, one per line (you have 21).",
        ),
        (
            {"collateral": "https://example.com/" + "x" * 3000},
            LaunchField.COLLATERAL,
            "Shorten the collateral list to 3,000 characters",
        ),
        ({"launch_date": None}, LaunchField.DATE, "Pick a launch date"),
        ({"launch_date": ""}, LaunchField.DATE, "Pick a launch date"),
        ({"omit": (LaunchField.DATE,)}, LaunchField.DATE, "Pick a launch date"),
        ({"launch_date": "03/12/2024"}, LaunchField.DATE, "(YYYY-MM-DD)"),
        ({"launch_date": "20241203"}, LaunchField.DATE, "(YYYY-MM-DD)"),
        ({"launch_date": "2024-02-30"}, LaunchField.DATE, "(YYYY-MM-DD)"),
        (
            {"launch_date": "2024-12-02"},
            LaunchField.DATE,
            "Pick today or a later date: 2 Dec 2024 has passed.",
        ),
        (
            {"launch_date": (TODAY + timedelta(days=MAX_DAYS_AHEAD + 1)).isoformat()},
            LaunchField.DATE,
            "Pick a date within a year, by 3 Dec 2025 at the latest.",
        ),
        (
            {"ask": "A" * (MAX_ASK + 1)},
            LaunchField.ASK,
            "Shorten the ask to 2,000 characters (it has 2,001).",
        ),
    ],
)
def test_validate_launch_reports_the_field(
    changes: dict[str, Any], field: LaunchField, message: str
) -> None:
    errors = validate_launch(state(**changes), today=TODAY)
    assert isinstance(errors, dict)
    assert list(errors) == [field]
    assert message in errors[field]
    assert len(errors[field]) <= MAX_ERROR


def test_validate_launch_reports_every_field_at_once() -> None:
    errors = validate_launch({}, today=TODAY)
    assert isinstance(errors, dict)
    assert set(errors) == {
        LaunchField.NAME,
        LaunchField.SUMMARY,
        LaunchField.CHANNELS,
        LaunchField.DATE,
    }


def test_collateral_error_stays_short_with_long_problems() -> None:
    lines = "\n".join(f"Deck | ftp://example.com/{i}" for i in range(12))
    errors = validate_launch(state(collateral=lines), today=TODAY)
    assert isinstance(errors, dict)
    message = errors[LaunchField.COLLATERAL]
    assert message.startswith("Line 1: that doesn't look like a web link")
    assert message.endswith("(and 11 more)")
    assert len(message) <= MAX_ERROR


@pytest.mark.parametrize(
    "values",
    [
        {},
        {LaunchField.NAME: None},
        {LaunchField.NAME: {LaunchField.NAME: None}},
        {LaunchField.NAME: {LaunchField.NAME: {"value": 42}}},
        {LaunchField.CHANNELS: {LaunchField.CHANNELS: {"selected_conversations": "C0SALES"}}},
        {LaunchField.DATE: {LaunchField.DATE: {"selected_date": 20241203}}},
        {"other_block": {"x": {"type": "plain_text_input", "value": "hi"}}},
    ],
)
def test_validate_launch_survives_odd_shapes(values: dict[str, Any]) -> None:
    assert isinstance(validate_launch(values, today=TODAY), dict)


_ANY_VALUE = st.one_of(st.none(), st.text(), st.integers(), st.lists(st.text(), max_size=3))


@given(
    name=st.text(),
    summary=st.text(),
    collateral=st.text(),
    ask=st.text(),
    launch_date=st.one_of(st.none(), st.text(max_size=12)),
    channels=st.lists(st.one_of(st.text(max_size=12), st.integers()), max_size=5),
)
def test_validate_launch_never_raises_on_arbitrary_text(
    name: str, summary: str, collateral: str, ask: str, launch_date: str | None, channels: list[Any]
) -> None:
    values = state(
        name=name,
        summary=summary,
        collateral=collateral,
        ask=ask,
        launch_date=launch_date,
        channels=channels,
    )
    result = validate_launch(values, today=TODAY)
    if isinstance(result, dict):
        assert all(len(message) <= MAX_ERROR for message in result.values())
        assert set(result) <= set(LaunchField)


@given(text=st.text())
def test_parse_collateral_lines_never_raises(text: str) -> None:
    lines, _ = parse_collateral_lines(text)
    assert all(line.url.startswith(("http://", "https://")) for line in lines)


@given(
    values=st.dictionaries(
        st.sampled_from(list(LaunchField)),
        st.one_of(_ANY_VALUE, st.dictionaries(st.sampled_from(list(LaunchField)), _ANY_VALUE)),
    )
)
def test_validate_launch_never_raises_on_arbitrary_shapes(values: dict[str, Any]) -> None:
    validate_launch(values, today=TODAY)
