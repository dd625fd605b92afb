"""Vote rules and `/feedback` parsing, table-driven (no Slack, no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.feedback import (
    MAX_COMMENT,
    FeedbackError,
    FeedbackField,
    FeedbackForm,
    FeedbackHelp,
    OpenForm,
    QuickFeedback,
    campaign_from_metadata,
    campaign_metadata,
    option_query,
    parse_feedback,
    validate_feedback,
)
from domain.votes import Verdict, event_time, reaction_verdict, read_reaction


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("+1", Verdict.USEFUL),
        ("thumbsup", Verdict.USEFUL),
        ("+1::skin-tone-2", Verdict.USEFUL),
        ("THUMBSUP", Verdict.USEFUL),
        ("-1", Verdict.NEEDS_WORK),
        ("thumbsdown", Verdict.NEEDS_WORK),
        ("-1::skin-tone-6", Verdict.NEEDS_WORK),
        ("dart", Verdict.USED),
        ("tada", None),
        ("thumbsup_all", None),
        ("+1::skin-tone-9", None),
        ("", None),
    ],
)
def test_reaction_verdicts(name: str, verdict: Verdict | None) -> None:
    assert reaction_verdict(name) == verdict


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "reaction_added",
        "user": "U0REP1",
        "reaction": "+1",
        "item": {"type": "message", "channel": "C0SALES", "ts": "1700000000.000100"},
        "event_ts": "1700000100.000200",
    }
    base.update(overrides)
    return base


def test_read_reaction() -> None:
    change = read_reaction(event(), bot_user_id="U0BOT")
    assert change is not None
    assert change.added and change.verdict is Verdict.USEFUL and change.user_id == "U0REP1"
    assert (change.channel_id, change.ts) == ("C0SALES", "1700000000.000100")
    assert change.at == datetime.fromtimestamp(1700000100.0002, UTC)
    removed = read_reaction(event(type="reaction_removed", reaction="dart"), bot_user_id=None)
    assert removed is not None and not removed.added and removed.verdict is Verdict.USED


@pytest.mark.parametrize(
    "bad",
    [
        event(user="U0BOT"),
        event(reaction="tada"),
        event(type="message"),
        event(item={"type": "file", "file": "F1"}),
        event(item={"type": "message", "channel": "C0SALES"}),
        event(item={"type": "message", "channel": "<!channel>", "ts": "1.2"}),
        event(item={"type": "message", "channel": "C0SALES", "ts": "1.2.3"}),
        event(item="C0SALES"),
        event(user=None),
        event(user="u lower"),
        event(reaction=None),
    ],
)
def test_ignored_reactions(bad: dict[str, Any]) -> None:
    assert read_reaction(bad, bot_user_id="U0BOT") is None


def test_event_time_defaults_to_epoch_when_unreadable() -> None:
    assert event_time("soon") == datetime.fromtimestamp(0, UTC)
    assert event_time(None, default=datetime(2026, 1, 1, tzinfo=UTC)).year == 2026


def test_event_time_past_the_year_9999_is_unreadable() -> None:
    # Found by tests/fuzz: twelve digits of seconds match the ts shape but no datetime.
    assert event_time("999999999999.999999999") == datetime.fromtimestamp(0, UTC)
    reaction = {
        "type": "reaction_added",
        "user": "U0REP1",
        "reaction": "+1",
        "item": {"type": "message", "channel": "C0SALES", "ts": "1.2"},
        "event_ts": "999999999999.1",
    }
    change = read_reaction(reaction, bot_user_id="U0BOT")
    assert change is not None and change.at == datetime.fromtimestamp(0, UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", OpenForm()),
        ("  ", OpenForm()),
        ("help", FeedbackHelp()),
        ("PD-3 up", QuickFeedback("PD-3", Verdict.USEFUL, "")),
        ("`PD-3` down too long", QuickFeedback("PD-3", Verdict.NEEDS_WORK, "too long")),
        ("pricing deck 👍 great", QuickFeedback("pricing deck", Verdict.USEFUL, "great")),
        ("deck :+1::skin-tone-3: ok", QuickFeedback("deck", Verdict.USEFUL, "ok")),
        ("deck :thumbsdown:", QuickFeedback("deck", Verdict.NEEDS_WORK, "")),
        ("deck -1 a\nb", QuickFeedback("deck", Verdict.NEEDS_WORK, "a\nb")),
        ("deck &lt;b&gt; UP", QuickFeedback("deck <b>", Verdict.USEFUL, "")),
    ],
)
def test_parse_feedback(text: str, expected: object) -> None:
    assert parse_feedback(text) == expected


def test_every_reading_of_a_title_with_a_vote_word_is_kept() -> None:
    parsed = parse_feedback("scale up playbook down meh")
    assert isinstance(parsed, QuickFeedback)
    assert (parsed.asset, parsed.verdict) == ("scale", Verdict.USEFUL)
    [other] = parsed.alternatives
    assert (other.asset, other.verdict, other.comment) == (
        "scale up playbook",
        Verdict.NEEDS_WORK,
        "meh",
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("PD-3", "`up` or `down`"),
        ("up", "Which asset?"),
        ("x" * 5000, "at most 4,000"),
        ("PD-3 up " + "y" * (MAX_COMMENT + 1), "Nothing was saved"),
        ("a" * 300 + " up", "at most 200"),
    ],
)
def test_parse_feedback_errors(text: str, says: str) -> None:
    with pytest.raises(FeedbackError, match=None) as raised:
        parse_feedback(text)
    assert says in str(raised.value)


@given(st.text(max_size=600))
def test_parse_feedback_never_fails_otherwise(text: str) -> None:
    try:
        parse_feedback(text)
    except FeedbackError as error:
        assert str(error)


def state(asset: Any = "7", verdict: Any = "useful", comment: Any = None, ticked: Any = ()) -> Any:
    return {
        FeedbackField.ASSET: {FeedbackField.ASSET: {"selected_option": {"value": asset}}},
        FeedbackField.VERDICT: {FeedbackField.VERDICT: {"selected_option": {"value": verdict}}},
        FeedbackField.COMMENT: {FeedbackField.COMMENT: {"value": comment}},
        FeedbackField.FOLLOWUP: {
            FeedbackField.FOLLOWUP: {"selected_options": [{"value": v} for v in ticked]}
        },
    }


def test_validate_feedback_good() -> None:
    form = validate_feedback(state(comment=" ok\x00 ", ticked=["followup"]))
    assert form == FeedbackForm(asset_id=7, verdict=Verdict.USEFUL, comment="ok", followup_ok=True)
    bare = validate_feedback(state(verdict=None, comment="just words"))
    assert isinstance(bare, FeedbackForm) and bare.verdict is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (state(asset=None), FeedbackField.ASSET),
        (state(asset="0"), FeedbackField.ASSET),
        (state(asset="1e3"), FeedbackField.ASSET),
        (state(asset=["7"]), FeedbackField.ASSET),
        # Found by tests/fuzz on PostgreSQL: ids past its 32-bit integer made the query fail.
        (state(asset="2147483648"), FeedbackField.ASSET),
        (state(asset="999999999999999999"), FeedbackField.ASSET),
        (state(verdict="used"), FeedbackField.VERDICT),
        (state(verdict=None), FeedbackField.VERDICT),
        (state(comment="x" * (MAX_COMMENT + 1)), FeedbackField.COMMENT),
        ({}, FeedbackField.ASSET),
        ({"feedback_asset": []}, FeedbackField.ASSET),
    ],
)
def test_validate_feedback_errors(values: Any, field: str) -> None:
    errors = validate_feedback(values)
    assert isinstance(errors, dict) and field in errors


def test_metadata_and_query() -> None:
    assert campaign_from_metadata(campaign_metadata(12)) == 12
    assert campaign_metadata(None) == "" and campaign_from_metadata("") is None
    assert campaign_from_metadata("campaign:-1") is None
    assert campaign_from_metadata({"campaign": 1}) is None
    assert campaign_from_metadata("campaign:2147483647") == 2147483647
    assert campaign_from_metadata("campaign:2147483648") is None  # past PostgreSQL's integer
    assert option_query("  pricing\n deck ") == "pricing deck"
    assert len(option_query("x" * 10_000)) == 200
    assert option_query(None) == ""
