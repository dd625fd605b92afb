"""`/feedback`, the feedback modal, its asset picker and the "Give feedback" button."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from blocks.ids import Ids
from domain.feedback import FeedbackField
from models import Comment, Vote
from sandbox import (
    SlackDriver,
    SlackSandbox,
    block_actions,
    block_suggestion,
    button_action,
    modal_view,
    view_submission,
)
from tests.support.factories import message_text, reply_text, shown_modal
from tests.support.feedback import modal_state, submit_feedback
from tests.support.launching import Posted, launch
from tests.support.waiting import wait_until


@pytest.fixture
def assets(slack: SlackDriver, engine: Engine) -> list[Posted]:
    """Two announced assets: the pricing deck and the battlecard."""
    return launch(slack, engine)


def votes(engine: Engine) -> dict[tuple[int, str], tuple[str, str]]:
    with Session(engine) as session:
        return {(v.asset_id, v.user_id): (v.value, v.source) for v in session.exec(select(Vote))}


def comments(engine: Engine) -> list[Comment]:
    with Session(engine) as session:
        return list(session.exec(select(Comment)).all())


def feedback(slack: SlackDriver, sandbox: SlackSandbox, text: str, user: str = "U0REP1") -> str:
    return reply_text(slack.command("/feedback", text, user_id=user), slack, sandbox)


# ------------------------------------------------------------------ the command


def test_vote_by_handle_with_comment(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, assets: list[Posted]
) -> None:
    deck = assets[0]
    answer = feedback(slack, sandbox, f"{deck.handle} up customers loved slide 3")
    assert "Thanks" in answer and deck.handle in answer
    assert votes(engine)[(deck.asset_id, "U0REP1")] == ("useful", "command")
    [comment] = comments(engine)
    assert comment.text == "customers loved slide 3" and not comment.flagged
    assert comment.asset_id == deck.asset_id and comment.followup_ok is False


def test_vote_by_title_words_and_changed_later(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, assets: list[Posted]
) -> None:
    card = assets[1]
    feedback(slack, sandbox, "battlecard 👍")
    assert votes(engine)[(card.asset_id, "U0REP1")] == ("useful", "command")
    feedback(slack, sandbox, "Battlecard down")
    assert votes(engine)[(card.asset_id, "U0REP1")] == ("needs_work", "command")
    assert comments(engine) == []


def test_title_holding_a_vote_word(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    [posted] = launch(slack, engine, collateral="Scale up playbook | https://example.com/scale")
    answer = feedback(slack, sandbox, "scale up playbook down needs newer logos")
    assert posted.handle in answer
    assert votes(engine)[(posted.asset_id, "U0REP1")] == ("needs_work", "command")
    assert comments(engine)[0].text == "needs newer logos"


def test_ambiguous_and_unknown_assets_get_closest_matches(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    launch(
        slack,
        engine,
        collateral="Pricing deck | https://example.com/a\nPricing sheet | https://example.com/b",
    )
    ambiguous = feedback(slack, sandbox, "pricing up")
    assert "more than one" in ambiguous and "Pricing deck" in ambiguous
    assert "Pricing sheet" in ambiguous
    close = feedback(slack, sandbox, "pricng deck up")
    assert "Pricing deck" in close
    unknown = feedback(slack, sandbox, "zebra whitepaper down")
    assert "couldn't find" in unknown and "/collateral search" in unknown
    assert votes(engine) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", "/feedback <asset> <up|down> [comment]"),
        ("PD-1", "`up` or `down`"),
        ("up great", "Which asset?"),
        ("   \t  ", None),  # blank: opens the form
    ],
)
def test_missing_and_malformed_input(
    slack: SlackDriver, sandbox: SlackSandbox, text: str, expected: str | None
) -> None:
    response = slack.command("/feedback", text, user_id="U0REP1")
    if expected is None:
        assert response.status_code == 200
        sandbox.wait_for_calls("views.open")
        return
    assert expected in reply_text(response, slack, sandbox)


def test_oversized_comment_is_refused_and_nothing_saved(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, assets: list[Posted]
) -> None:
    deck = assets[0]
    answer = feedback(slack, sandbox, f"{deck.handle} up " + "x" * 100_000)
    assert "characters" in answer and "/feedback" in answer
    near_limit = feedback(slack, sandbox, f"{deck.handle} up " + "y" * 3_500)
    assert "3,000" in near_limit and "Nothing was saved" in near_limit
    assert votes(engine) == {} and comments(engine) == []


def test_hostile_comment_is_stored_clean_and_never_echoed_live(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, assets: list[Posted]
) -> None:
    deck = assets[0]
    answer = feedback(
        slack, sandbox, f"{deck.handle} down <!channel> ping <@U0MKT1> \x00\x07about the deck"
    )
    assert "<!channel>" not in answer and "<@U0MKT1>" not in answer
    [comment] = comments(engine)
    assert "\x00" not in comment.text and "\x07" not in comment.text
    # A mention alone is no accusation (issue 14): not flagged, and never quoted.
    assert not comment.flagged
    assert votes(engine)[(deck.asset_id, "U0REP1")] == ("needs_work", "command")


def test_accusatory_comment_is_saved_and_the_author_nudged(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, assets: list[Posted]
) -> None:
    deck = assets[0]
    answer = feedback(
        slack, sandbox, f"{deck.handle} down marketing never listens, this is useless crap"
    )
    assert "Thanks" in answer
    assert "marketing never listens" not in answer  # the nudge doesn't quote the author
    [comment] = comments(engine)
    assert comment.flagged and comment.text.startswith("marketing never")
    fine = feedback(slack, sandbox, f"{deck.handle} down slide 4 still shows last year's prices")
    assert len(fine) < len(answer)  # no nudge for constructive wording
    assert not comments(engine)[1].flagged


def test_markup_in_asset_name_is_not_echoed_live(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    answer = feedback(slack, sandbox, "<!here> <@U0LEAD1> up")
    assert "<!here>" not in answer and "<@U0LEAD1>" not in answer


# ------------------------------------------------------------------ the modal


def opened_view(sandbox: SlackSandbox) -> dict[str, Any]:
    sandbox.wait_for_calls("views.open")
    return sandbox.views()[-1]


def test_bare_command_opens_the_modal(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    response = slack.command("/feedback", "", user_id="U0REP1")
    assert response.status_code == 200
    view = opened_view(sandbox)
    assert view["callback_id"] == Ids.FEEDBACK_MODAL
    block_ids = [b.get("block_id") for b in view["blocks"]]
    for field in FeedbackField:
        assert field in block_ids
    picker = next(b for b in view["blocks"] if b.get("block_id") == FeedbackField.ASSET)
    assert picker["element"]["type"] == "external_select"


def test_modal_records_vote_comment_and_followup(
    slack: SlackDriver, engine: Engine, assets: list[Posted]
) -> None:
    deck = assets[0]
    answer = submit_feedback(
        slack,
        modal_state(
            asset=str(deck.asset_id),
            verdict="needs_work",
            comment="Customers ask for a healthcare example.",
            followup=True,
        ),
    )
    assert answer["response_action"] == "update"
    assert "Thanks" in message_text(answer["view"])
    assert votes(engine)[(deck.asset_id, "U0REP2")] == ("needs_work", "modal")
    [comment] = comments(engine)
    assert comment.followup_ok and comment.value == "needs_work"


def test_modal_comment_without_vote(
    slack: SlackDriver, engine: Engine, assets: list[Posted]
) -> None:
    deck = assets[0]
    answer = submit_feedback(slack, modal_state(asset=str(deck.asset_id), comment="Nice layout"))
    assert answer["response_action"] == "update"
    assert votes(engine) == {} and comments(engine)[0].value is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (modal_state(verdict="useful"), FeedbackField.ASSET),
        (modal_state(asset="abc", verdict="useful"), FeedbackField.ASSET),
        (modal_state(asset="-4", verdict="useful"), FeedbackField.ASSET),
        (modal_state(asset="9" * 40, verdict="useful"), FeedbackField.ASSET),
        (modal_state(asset="2147483648", verdict="useful"), FeedbackField.ASSET),
        (modal_state(asset="999999", verdict="useful"), FeedbackField.ASSET),  # no such asset
        (modal_state(asset="1"), FeedbackField.VERDICT),  # neither vote nor comment
        (modal_state(asset="1", verdict="excellent"), FeedbackField.VERDICT),
        (modal_state(asset="1", verdict="useful", comment="z" * 100_000), FeedbackField.COMMENT),
        ({}, FeedbackField.ASSET),
        ({"feedback_asset": "nonsense", "feedback_verdict": [1, 2]}, FeedbackField.ASSET),
    ],
)
def test_modal_errors_show_on_the_field(
    slack: SlackDriver, engine: Engine, assets: list[Posted], values: dict[str, Any], field: str
) -> None:
    answer = submit_feedback(slack, values)
    assert answer["response_action"] == "errors"
    assert field in answer["errors"]
    assert votes(engine) == {} and comments(engine) == []


@pytest.mark.parametrize(
    "change",
    [
        {"user": None},
        {"user": "U0REP2"},
        {"user": {"id": ["U0REP2"]}},
    ],
)
def test_modal_from_nobody_we_can_name_gets_an_error_and_nothing_crashes(
    slack: SlackDriver,
    engine: Engine,
    assets: list[Posted],
    caplog: pytest.LogCaptureFixture,
    change: dict[str, Any],
) -> None:
    # Found by tests/fuzz: a submission without a readable user or team raised KeyError.
    payload = view_submission(
        user_id="U0REP2",
        callback_id=Ids.FEEDBACK_MODAL,
        state_values=modal_state(asset=str(assets[0].asset_id), verdict="useful"),
    )
    for key, value in change.items():
        target = payload["view"] if key == "app_installed_team_id" else payload
        if value is None:
            target.pop(key)
        else:
            target[key] = value
    response = slack.interactive(payload)
    assert response.status_code == 200, response.text
    assert response.json()["response_action"] == "errors"
    assert votes(engine) == {}
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_single_workspace_install_owns_every_submission_whatever_team_it_names(
    slack: SlackDriver, engine: Engine, assets: list[Posted]
) -> None:
    # One bot token, one workspace: the payload's own team (unreadable here, a partner
    # organisation's in a Slack Connect channel) does not move the vote elsewhere.
    payload = view_submission(
        user_id="U0REP2",
        callback_id=Ids.FEEDBACK_MODAL,
        state_values=modal_state(asset=str(assets[0].asset_id), verdict="useful"),
    )
    payload["team"] = {"id": 7}
    payload["view"].pop("app_installed_team_id")
    response = slack.interactive(payload)
    assert response.status_code == 200, response.text
    assert response.json()["response_action"] == "update"
    assert list(votes(engine)) == [(assets[0].asset_id, "U0REP2")]


def test_modal_hostile_comment_is_saved_flagged_and_nudged(
    slack: SlackDriver, engine: Engine, assets: list[Posted]
) -> None:
    deck = assets[0]
    answer = submit_feedback(
        slack,
        modal_state(
            asset=str(deck.asset_id),
            verdict="needs_work",
            comment="<!channel> sales always whines, whose fault is it this time?",
        ),
    )
    shown = message_text(answer["view"])
    assert "<!channel>" not in shown and "whines" not in shown
    assert comments(engine)[0].flagged


def test_asset_of_another_workspace_is_refused(
    slack: SlackDriver, engine: Engine, assets: list[Posted]
) -> None:
    response = slack.interactive(
        view_submission(
            user_id="U0REP2",
            callback_id=Ids.FEEDBACK_MODAL,
            state_values=modal_state(asset=str(assets[0].asset_id), verdict="useful"),
            team_id="T0OTHER",
        )
    )
    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"
    assert votes(engine) == {}


# ------------------------------------------------------------------ the picker


def suggest(slack: SlackDriver, value: Any, metadata: str = "") -> list[dict[str, Any]]:
    view = modal_view(callback_id=Ids.FEEDBACK_MODAL, private_metadata=metadata)
    response = slack.interactive(
        block_suggestion(
            user_id="U0REP1",
            action_id=FeedbackField.ASSET,
            block_id=FeedbackField.ASSET,
            value=value,
            view=view,
        )
    )
    assert response.status_code == 200, response.text
    options: list[dict[str, Any]] = response.json()["options"]
    return options


def test_picker_type_ahead(slack: SlackDriver, assets: list[Posted]) -> None:
    deck, card = assets
    typed = suggest(slack, "pric")
    assert [o["value"] for o in typed] == [str(deck.asset_id)]
    assert typed[0]["text"]["text"].startswith(deck.handle)
    by_handle = suggest(slack, card.handle.lower())
    assert by_handle[0]["value"] == str(card.asset_id)
    everything = suggest(slack, "")
    assert {o["value"] for o in everything} == {str(deck.asset_id), str(card.asset_id)}
    assert suggest(slack, "nothing matches this") == []


def test_picker_lists_the_campaigns_assets_first(
    slack: SlackDriver, engine: Engine, assets: list[Posted]
) -> None:
    later = launch(slack, engine, name="Later", collateral="Case study | https://example.com/cs")
    from models import Campaign

    with Session(engine) as session:
        first = session.exec(select(Campaign).where(Campaign.name != "Later")).one()
    ordered = suggest(slack, "", metadata=f"campaign:{first.id}")
    assert [o["value"] for o in ordered[:2]] == [str(a.asset_id) for a in assets]
    assert str(later[0].asset_id) in [o["value"] for o in ordered]


@pytest.mark.parametrize("value", ["x" * 100_000, "<!channel>", "\x00\x01", None, 12, "%_\\"])
def test_picker_survives_hostile_text(slack: SlackDriver, assets: list[Posted], value: Any) -> None:
    for option in suggest(slack, value, metadata="campaign:not-a-number"):
        assert len(option["text"]["text"]) <= 75


def test_picker_with_a_campaign_id_past_postgresqls_integer(
    slack: SlackDriver, assets: list[Posted], caplog: pytest.LogCaptureFixture
) -> None:
    # Found by tests/fuzz on PostgreSQL: the query failed and the picker showed nothing.
    options = suggest(slack, "", metadata="campaign:2147483648")
    assert {o["value"] for o in options} >= {str(a.asset_id) for a in assets}
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


# ------------------------------------------------------------------ the button


def test_give_feedback_button_opens_the_modal_for_the_campaign(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, assets: list[Posted]
) -> None:
    from models import Campaign

    announcement = sandbox.messages(assets[0].channel)[0]
    with Session(engine) as session:
        campaign = session.exec(select(Campaign)).one()
    response = slack.interactive(
        block_actions(
            user_id="U0REP3",
            actions=[button_action(Ids.GIVE_FEEDBACK, str(campaign.id))],
            channel_id=assets[0].channel,
            message=announcement,
        )
    )
    assert response.status_code == 200
    view = shown_modal(sandbox)
    assert view["callback_id"] == Ids.FEEDBACK_MODAL
    assert view["private_metadata"] == f"campaign:{campaign.id}"
    assert campaign.name in message_text(view)
    # Submitted from there, the comment is tied to the campaign too.
    submit_feedback(
        slack,
        modal_state(asset=str(assets[1].asset_id), verdict="useful", comment="Handy"),
        user="U0REP3",
        metadata=view["private_metadata"],
    )
    assert comments(engine)[0].campaign_id == campaign.id


def test_stale_give_feedback_button(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    response = slack.interactive(
        block_actions(
            user_id="U0REP3",
            actions=[button_action(Ids.GIVE_FEEDBACK, "not-a-number")],
            channel_id="C0SALES",
            response_url=sandbox.new_response_url(),
        )
    )
    assert response.status_code == 200
    wait_until(lambda: bool(sandbox.responses(slack.last_response_url)))
    assert "out of date" in message_text(sandbox.responses(slack.last_response_url)[-1])


def test_one_vote_whatever_the_source(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, assets: list[Posted]
) -> None:
    from tests.support.reactions import react, settle

    deck = assets[0]
    settle(slack, engine, deck, react(slack, deck, "U0REP1", "+1"))
    assert votes(engine)[(deck.asset_id, "U0REP1")] == ("useful", "reaction")
    feedback(slack, sandbox, f"{deck.handle} down")
    assert votes(engine)[(deck.asset_id, "U0REP1")] == ("needs_work", "command")
    submit_feedback(slack, modal_state(asset=str(deck.asset_id), verdict="useful"), user="U0REP1")
    assert votes(engine)[(deck.asset_id, "U0REP1")] == ("useful", "modal")
    # Removing the old 👍 reaction does not undo the later modal vote.
    settle(slack, engine, deck, react(slack, deck, "U0REP1", "+1", added=False))
    assert votes(engine)[(deck.asset_id, "U0REP1")] == ("useful", "modal")
    assert len([k for k in votes(engine) if k[1] == "U0REP1"]) == 1


def test_a_form_that_slack_will_not_open_gets_a_clear_answer(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    sandbox.fail_next("views.open", error="expired_trigger_id")
    response = slack.command("/feedback", "", user_id="U0REP1")
    assert response.status_code == 200
    answer = reply_text(response, slack, sandbox)
    # Why, in words (domain.slack_errors), not a reference to look up: trying again works.
    assert "Slack refused this" in answer and "3 seconds" in answer and "try again" in answer
    assert "went wrong" not in answer and "reference" not in answer


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("channel_not_found", "no longer exists"),  # documented, permanent
        ("fatal_error", "went wrong"),  # retried by the table: an unknown failure stays one
    ],
)
def test_slack_errors_in_a_listener_are_answered_by_what_they_mean(
    slack: SlackDriver, sandbox: SlackSandbox, error: str, words: str
) -> None:
    sandbox.fail_next("views.open", error=error)
    answer = reply_text(slack.command("/feedback", "", user_id="U0REP1"), slack, sandbox)
    assert words in answer
