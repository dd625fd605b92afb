"""Export rows: blame-free authors, held-back accusations, spreadsheet-safe cells, periods."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.commands import CommandError, Export, parse_liaison, parse_since
from domain.export import (
    ANONYMOUS,
    COLUMNS,
    HELD_BACK,
    ExportPeriod,
    FeedbackRecord,
    Kind,
    display_name,
    export_filename,
    export_period,
    export_row,
    safe_cell,
)
from domain.redact import redact

AT = datetime(2024, 5, 6, 9, 15, 30, 123456, tzinfo=UTC)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def record(kind: Kind = Kind.COMMENT, **overrides: object) -> FeedbackRecord:
    values: dict[str, object] = {
        "at": AT,
        "kind": kind,
        "row_id": 1,
        "asset_handle": "PD-1",
        "asset_title": "Pricing deck",
        "campaign": "Spring launch",
        "value": "useful",
        "source": "modal",
        "text": "Great deck",
        "user_id": "U0REP1",
        **overrides,
    }
    return FeedbackRecord(**values)  # type: ignore[arg-type]


def row(rec: FeedbackRecord, names: dict[str, str] | None = None) -> dict[str, str]:
    return dict(zip(COLUMNS, export_row(rec, names or {}), strict=True))


def test_a_vote_names_nobody_even_with_an_id() -> None:
    got = row(record(Kind.VOTE, value="needs_work", source="reaction", text=""))
    assert got == {
        "date_utc": "2024-05-06T09:15:30Z",
        "kind": "vote",
        "asset": "PD-1",
        "asset_title": "Pricing deck",
        "campaign": "Spring launch",
        "value": "needs work",
        "comment": "",
        "flagged": "",
        "source": "reaction",
        "author": ANONYMOUS,
        "author_slack_id": "",
    }


def test_a_use_says_used_and_names_nobody() -> None:
    got = row(record(Kind.USE, value=None, followup_ok=True, source="command"))
    assert (got["kind"], got["value"], got["author"], got["comment"]) == (
        "use",
        "used",
        ANONYMOUS,
        "",
    )


@pytest.mark.parametrize(
    ("followup_ok", "flagged", "author", "author_id", "comment"),
    [
        (True, False, "Riley Rep", "U0REP1", "Great deck"),
        (False, False, ANONYMOUS, "", "Great deck"),
        # Accusatory: never quoted, and not pinned on anyone even when they offered a chat.
        (True, True, ANONYMOUS, "", HELD_BACK),
        (False, True, ANONYMOUS, "", HELD_BACK),
    ],
)
def test_comment_authors_only_on_opt_in_and_flagged_text_held_back(
    followup_ok: bool, flagged: bool, author: str, author_id: str, comment: str
) -> None:
    got = row(
        record(followup_ok=followup_ok, flagged=flagged, text="Great deck"),
        {"U0REP1": "Riley Rep"},
    )
    assert (got["author"], got["author_slack_id"], got["comment"]) == (author, author_id, comment)
    assert got["flagged"] == ("yes" if flagged else "no")


def test_an_opted_in_author_without_a_known_name_shows_their_id() -> None:
    got = row(record(followup_ok=True))
    assert (got["author"], got["author_slack_id"]) == ("U0REP1", "U0REP1")


def test_a_campaign_comment_without_asset_and_value() -> None:
    got = row(record(asset_handle="", asset_title="", value=None))
    assert (got["asset"], got["asset_title"], got["campaign"], got["value"]) == (
        "",
        "",
        "Spring launch",
        "",
    )


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1 great", "'+1 great"),
        ("-1 meh", "'-1 meh"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\n=1+1", "'\n=1+1"),
        ("fine = good", "fine = good"),
        ("2024-05-06T09:15:30Z", "2024-05-06T09:15:30Z"),
        ("nul\x00 and bell\x07 gone", "nul and bell gone"),
        ("\x00=hidden", "'=hidden"),  # control characters cannot hide a formula
        ("\u202e=evil", "'=evil"),  # nor can a bidi override
        # Issue 12: a byte-order mark, full-width forms and leading blanks hide none either.
        ("\ufeff=1+1", "'\ufeff=1+1"),
        ("\ufeff\ufeff+SUM(A1)", "'\ufeff\ufeff+SUM(A1)"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("\uff0bcmd", "'\uff0bcmd"),
        ("\uff0d1", "'\uff0d1"),
        ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
        ("\ufe66HYPERLINK()", "'\ufe66HYPERLINK()"),  # small form variant of =
        ("\u22121", "'\u22121"),  # minus sign
        (" =1+1", "' =1+1"),
        ("   @SUM(A1)", "'   @SUM(A1)"),
        ("\u00a0=1", "'\u00a0=1"),
        ("\u3000=1", "'\u3000=1"),
        ("\u2003+1", "'\u2003+1"),
        ("|calc", "'|calc"),
        ("%0A=1", "'%0A=1"),
        ("a = b", "a = b"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("", ""),
    ],
)
def test_safe_cell_neutralises_formulas(text: str, cell: str) -> None:
    assert safe_cell(text) == cell


def test_every_column_is_made_safe() -> None:
    hostile = record(
        asset_handle="PD-1",
        asset_title='=HYPERLINK("http://x")',
        campaign="+campaign",
        source="@source",
        followup_ok=True,
        text="-2+3",
    )
    got = row(hostile, {"U0REP1": "=Evil Name"})
    assert got["asset_title"].startswith("'=") and got["campaign"] == "'+campaign"
    assert got["source"] == "'@source" and got["comment"] == "'-2+3"
    assert got["author"] == "'=Evil Name"


HOSTILE = [
    "=cmd|' /C calc'!A0",
    'She said "it\'s fine", then left',
    "line one\nline two\r\nline three",
    "a,b,,c;d\td",
    "emoji 🎯👍🏽 and 中文 and עברית and é (e\u0301)",
    '"=1+1"',
    ",=1+1",
]


def _round_trip(rows: list[tuple[str, ...]]) -> list[list[str]]:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))


def test_hostile_comment_text_round_trips_through_csv() -> None:
    rows = [export_row(record(text=text, row_id=i), {}) for i, text in enumerate(HOSTILE)]
    header, *back = _round_trip(rows)
    assert tuple(header) == COLUMNS
    assert [r[COLUMNS.index("comment")] for r in back] == [safe_cell(t) for t in HOSTILE]
    assert all(len(r) == len(COLUMNS) for r in back)
    assert back[0][COLUMNS.index("comment")] == "'=cmd|' /C calc'!A0"
    assert back[2][COLUMNS.index("comment")] == "line one\nline two\r\nline three"


@given(st.text(max_size=200), st.text(max_size=60), st.text(max_size=60))
def test_any_text_round_trips_and_never_starts_a_formula(
    text: str, title: str, campaign: str
) -> None:
    rec = record(text=text, asset_title=title, campaign=campaign, followup_ok=True)
    [_, back] = _round_trip([export_row(rec, {"U0REP1": title})])
    assert back == list(export_row(rec, {"U0REP1": title}))
    # The comment goes through the redaction the digest and App Home use (issue 12).
    assert back[COLUMNS.index("comment")] == safe_cell(redact(text, people=()))
    for cell in back:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))


def test_export_period_defaults_to_the_last_30_days() -> None:
    assert export_period(Export(), now=NOW) == ExportPeriod(NOW - timedelta(days=30), NOW)
    assert export_period(Export(days=7), now=NOW).start == NOW - timedelta(days=7)


def test_export_period_since_a_day_starts_at_utc_midnight() -> None:
    period = export_period(Export(since=date(2024, 5, 1)), now=NOW)
    assert period == ExportPeriod(datetime(2024, 5, 1, tzinfo=UTC), NOW)
    assert period.since == "2024-05-01"
    assert export_period(Export(since=NOW.date()), now=NOW).start == datetime(
        2024, 6, 1, tzinfo=UTC
    )


def test_export_period_refuses_a_future_day() -> None:
    with pytest.raises(CommandError, match="is in the future"):
        export_period(Export(since=date(2024, 6, 2)), now=NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("export", Export()),
        ("export since 2024-05-01", Export(since=date(2024, 5, 1))),
        ("export 2024-05-01", Export(since=date(2024, 5, 1))),
        ("EXPORT SINCE 30D", Export(days=30)),
        ("export 90d", Export(days=90)),
        ("export since 7 days", Export(days=7)),
        ("export 1 day", Export(days=1)),
    ],
)
def test_parse_export(text: str, expected: Export) -> None:
    assert parse_liaison(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("export since", "Since when?"),
        ("export now", "is not a day like 2024-05-01"),
        ("export since yesterday", "is not a day like 2024-05-01"),
        ("export since 2024-02-30", "is not a day like 2024-05-01"),
        ("export since 05/01/2024", "is not a day like 2024-05-01"),
        ("export 20240501", "is not a day like 2024-05-01"),
        ("export since 2024-05-01 2024-06-01", "is not a day like 2024-05-01"),
        ("export 0d", "from 1 to 3,660 days"),
        ("export 99999d", "from 1 to 3,660 days"),
        ("export since <!channel>", "&lt;!channel&gt;"),
    ],
)
def test_parse_export_rejects_with_usage(text: str, says: str) -> None:
    with pytest.raises(CommandError) as error:
        parse_liaison(text)
    assert says in str(error.value)
    assert "/liaison export since 2024-05-01" in str(error.value)


def test_parse_since_is_strict() -> None:
    assert parse_since("2024-05-01") == Export(since=date(2024, 5, 1))
    assert parse_since("30d") == Export(days=30)
    for text in ("2024-5-1", "2024-W18-3", "\u0663\u0660d", "-3d", "3.5d", "", "d"):
        assert parse_since(text) is None, text


def test_export_filename_is_safe() -> None:
    period = ExportPeriod(datetime(2024, 5, 1, tzinfo=UTC), NOW)
    assert export_filename("T0SANDBOX", period) == "liaison-feedback-T0SANDBOX-2024-05-01.csv"
    assert export_filename("../../etc", period) == "liaison-feedback-etc-2024-05-01.csv"
    assert export_filename("", period) == "liaison-feedback-team-2024-05-01.csv"


def test_display_name_prefers_the_real_name() -> None:
    assert display_name({"id": "U1", "name": "riley", "profile": {"real_name": "Riley R"}}) == (
        "Riley R"
    )
    assert display_name({"id": "U1", "name": "riley", "profile": {"real_name": " "}}) == "riley"
    assert display_name({"id": "U1"}) == "U1"
