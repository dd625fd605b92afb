from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.commands import (
    AdminsAdd,
    AdminsList,
    AdminsRemove,
    CollateralAdd,
    CollateralSearch,
    CollateralTop,
    CollateralUsed,
    CommandError,
    DigestHere,
    DigestNow,
    DigestPreview,
    Export,
    Help,
    LaunchersAdd,
    LaunchersEveryone,
    LaunchersGroup,
    LaunchersList,
    LaunchersRemove,
    SalesHere,
    Schedule,
    parse_collateral,
    parse_liaison,
    parse_schedule,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", CollateralTop()),
        ("   ", CollateralTop()),
        ("help", Help()),
        ("HELP", Help()),
        (
            "add https://example.com/deck.pdf Pricing deck",
            CollateralAdd(url="https://example.com/deck.pdf", title="Pricing deck"),
        ),
        ("add https://example.com/x", CollateralAdd(url="https://example.com/x", title=None)),
        (
            "add <https://example.com/x|example.com/x>   Battle   card ",
            CollateralAdd(url="https://example.com/x", title="Battle card"),
        ),
        (
            "add https://example.com/x\nTwo line title",
            CollateralAdd(url="https://example.com/x", title="Two line title"),
        ),
        ("search pricing deck", CollateralSearch(query="pricing deck")),
        ("find  ROI", CollateralSearch(query="ROI")),
        ("used PD-3", CollateralUsed(asset="PD-3")),
        ("used `PD-3`", CollateralUsed(asset="PD-3")),
        ("used the pricing deck", CollateralUsed(asset="the pricing deck")),
    ],
)
def test_parse_collateral_accepts(text: str, expected: object) -> None:
    assert parse_collateral(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("add", "/collateral add <url> [title]"),
        ("add not-a-url", "/collateral add <url> [title]"),
        ("add javascript:alert(1)", "/collateral add <url> [title]"),
        ("add ftp://example.com/x", "/collateral add <url> [title]"),
        ("add https://example.com/x " + "t" * 201, "at most 200"),
        ("search", "/collateral search <words>"),
        ("search " + "w" * 201, "at most 200"),
        ("used", "/collateral used <asset>"),
        ("frobnicate", "/collateral add <url> [title]"),
        ("x" * 100_000, "at most 4,000"),
    ],
)
def test_parse_collateral_rejects_with_the_correct_form(text: str, says: str) -> None:
    with pytest.raises(CommandError) as error:
        parse_collateral(text)
    assert says in str(error.value)


def test_unknown_verb_is_escaped_when_echoed() -> None:
    with pytest.raises(CommandError) as error:
        parse_collateral("<!channel> hello")
    assert "<!channel>" not in str(error.value)
    assert "&lt;!channel&gt;" in str(error.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("digest here", DigestHere()),
        ("digest now", DigestNow()),
        ("Digest Preview", DigestPreview()),
        ("sales here", SalesHere()),
        ("export", Export()),
        ("admins list", AdminsList()),
        ("admins add <@U0ABC123|riley>", AdminsAdd(user_id="U0ABC123")),
        ("admins add <@W0ABC123>", AdminsAdd(user_id="W0ABC123")),
        ("admins remove <@U0ABC123|riley>", AdminsRemove(user_id="U0ABC123")),
        ("schedule monday 09:00", Schedule(weekday=0, at=time(9, 0), zone=None)),
        (
            "schedule fri 7:30 Europe/Paris",
            Schedule(weekday=4, at=time(7, 30), zone="Europe/Paris"),
        ),
        ("schedule SUNDAY 23:59 utc", Schedule(weekday=6, at=time(23, 59), zone="UTC")),
    ],
)
def test_parse_liaison_accepts(text: str, expected: object) -> None:
    assert parse_liaison(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("digest", "/liaison digest here"),
        ("digest everywhere", "/liaison digest here"),
        ("sales", "/liaison sales here"),
        ("admins add riley", "Mention the person with @"),
        ("admins add @riley", "Mention the person with @"),
        ("admins add <!channel>", "Mention the person with @"),
        ("admins add <@U0ABC|x> <@U0DEF|y>", "/liaison admins add @person"),
        ("admins", "/liaison admins add @person"),
        ("schedule", "/liaison schedule <weekday> <HH:MM> [zone]"),
        ("schedule funday 09:00", "is not a weekday"),
        ("schedule t 09:00", "is not a weekday"),  # tuesday or thursday?
        ("schedule monday 9am", "is not a 24-hour time"),
        ("schedule monday 24:00", "is not a 24-hour time"),
        ("schedule monday 09:00 Mars/Olympus", "is not a time zone I know"),
        ("schedule monday 09:00 ../../etc/passwd", "is not a time zone I know"),
        ("export now", "is not a day like 2024-05-01"),
        ("payload", "Here is what `/liaison` does"),
    ],
)
def test_parse_liaison_rejects_with_the_correct_form(text: str, says: str) -> None:
    with pytest.raises(CommandError) as error:
        parse_liaison(text)
    assert says in str(error.value)


def test_schedule_rejects_ambiguous_weekday_prefix() -> None:
    with pytest.raises(CommandError):
        parse_schedule("tu 09:00")  # too short to be sure
    assert parse_schedule("tue 09:00").weekday == 1
    assert parse_schedule("thu 09:00").weekday == 3


@given(st.text(max_size=500))
def test_parsers_only_ever_raise_command_error(text: str) -> None:
    for parse in (parse_collateral, parse_liaison):
        try:
            parse(text)
        except CommandError as error:
            assert str(error)


def test_slack_entities_in_text_become_what_the_person_typed() -> None:
    parsed = parse_collateral("add https://example.com/rd R&amp;D &lt;draft&gt; deck")
    assert parsed == CollateralAdd(url="https://example.com/rd", title="R&D <draft> deck")
    assert parse_collateral("search R&amp;D") == CollateralSearch(query="R&D")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("launchers everyone", LaunchersEveryone()),
        ("launchers list", LaunchersList()),
        ("launchers add <@U0MKT1|morgan>", LaunchersAdd(user_id="U0MKT1")),
        ("launchers remove <@U0MKT1>", LaunchersRemove(user_id="U0MKT1")),
        ("launchers group <!subteam^S0MKT|@marketing>", LaunchersGroup(usergroup_id="S0MKT")),
    ],
)
def test_parse_launchers(text: str, expected: object) -> None:
    assert parse_liaison(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("launchers", "/liaison launchers everyone"),
        ("launchers add morgan", "Mention the person with @"),
        ("launchers group marketing", "Mention the user group with @"),
        ("launchers group <@U0MKT1>", "Mention the user group with @"),
    ],
)
def test_parse_launchers_rejects(text: str, says: str) -> None:
    with pytest.raises(CommandError) as error:
        parse_liaison(text)
    assert says in str(error.value)
