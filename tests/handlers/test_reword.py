"""The nudge's "Reword" flow, and the optional model reviewer against the sandbox's endpoint."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from blocks.ids import Ids
from models import Comment, Vote
from sandbox import SlackDriver, SlackSandbox, block_actions, button_action, view_submission
from tests.support.factories import message_text, reply, shown_modal
from tests.support.launching import Posted, launch
from tests.support.serving import SIGNING_SECRET, make_settings, serve_app


@pytest.fixture
def assets(slack: SlackDriver, engine: Engine) -> list[Posted]:
    return launch(slack, engine)


def stored(engine: Engine) -> list[Comment]:
    with Session(engine) as session:
        return list(session.exec(select(Comment).order_by(col(Comment.id))).all())


def vote_of(engine: Engine, asset_id: int, user: str) -> str | None:
    with Session(engine) as session:
        found = session.exec(
            select(Vote).where(Vote.asset_id == asset_id, Vote.user_id == user)
        ).first()
        return None if found is None else str(found.value)


def send(
    slack: SlackDriver, sandbox: SlackSandbox, text: str, user: str = "U0REP1"
) -> dict[str, Any]:
    return reply(slack.command("/feedback", text, user_id=user), slack, sandbox)


def reword_button(answer: dict[str, Any]) -> dict[str, Any]:
    for block in answer.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("action_id") == Ids.REWORD:
                return dict(element)
    raise AssertionError(f"no Reword button in {answer}")


def click_reword(slack: SlackDriver, comment_id: int, user: str = "U0REP1") -> None:
    response = slack.interactive(
        block_actions(
            user_id=user,
            actions=[button_action(Ids.REWORD, str(comment_id))],
            channel_id="D0REP1",
            is_ephemeral=True,
        )
    )
    assert response.status_code == 200


def submit_reword(
    slack: SlackDriver, comment_id: int, text: str, user: str = "U0REP1"
) -> dict[str, Any]:
    response = slack.interactive(
        view_submission(
            user_id=user,
            callback_id=Ids.REWORD_MODAL,
            private_metadata=str(comment_id),
            state_values={
                Ids.REWORD_TEXT: {Ids.REWORD_TEXT: {"type": "plain_text_input", "value": text}}
            },
        )
    )
    assert response.status_code == 200, response.text
    return response.json() if response.content else {}


def test_the_nudge_offers_a_rewording_of_the_reps_own_comment_and_a_reword_button(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, assets: list[Posted]
) -> None:
    deck = assets[0]
    answer = send(
        slack,
        sandbox,
        f"{deck.handle} down per my last email, slide 12 still has the wrong ARR figure. "
        "Marketing never checks anything.",
    )
    text = message_text(answer)
    assert "won't be quoted" in text and "reads as a dig" in text
    assert "Slide 12 still has the wrong ARR figure" in text  # the asset part, kept
    assert "Marketing never checks" not in text and "per my last email" not in text
    [comment] = stored(engine)
    assert comment.flagged
    assert reword_button(answer)["value"] == str(comment.id)


def test_reword_opens_the_comment_prefilled_and_replacing_it_keeps_the_vote(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, assets: list[Posted]
) -> None:
    deck = assets[0]
    send(slack, sandbox, f"{deck.handle} down Lukas' deck is a disaster again, slide 4 is wrong")
    [comment] = stored(engine)
    assert comment.flagged and comment.id is not None
    click_reword(slack, comment.id)
    view = shown_modal(sandbox)
    assert view["callback_id"] == Ids.REWORD_MODAL
    assert view["private_metadata"] == str(comment.id)
    field = next(b for b in view["blocks"] if b.get("block_id") == Ids.REWORD_TEXT)
    prefilled = field["element"]["initial_value"]
    assert "slide 4 is wrong" in prefilled.lower() and "Lukas" not in prefilled

    still = submit_reword(slack, comment.id, "Lukas got it wrong again")
    assert still["response_action"] == "errors"
    assert "still won't be quoted" in still["errors"][Ids.REWORD_TEXT]
    assert stored(engine)[0].text.startswith("Lukas' deck")

    done = submit_reword(slack, comment.id, "Slide 4 shows the wrong price for the Pro tier.")
    assert done["response_action"] == "update"
    assert "now reads" in message_text(done["view"])
    [replaced] = stored(engine)
    assert replaced.text == "Slide 4 shows the wrong price for the Pro tier."
    assert not replaced.flagged
    assert vote_of(engine, deck.asset_id, "U0REP1") == "needs_work"


def test_reword_from_the_feedback_modal_stacks_the_form_on_it(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, assets: list[Posted]
) -> None:
    deck = assets[0]
    response = slack.interactive(
        view_submission(
            user_id="U0REP2",
            callback_id=Ids.FEEDBACK_MODAL,
            state_values={
                "feedback_asset": {
                    "feedback_asset": {
                        "type": "external_select",
                        "selected_option": {"value": str(deck.asset_id)},
                    }
                },
                "feedback_comment": {
                    "feedback_comment": {
                        "type": "plain_text_input",
                        "value": "typical marketing, the pricing slide is wrong again",
                    }
                },
            },
        )
    )
    done = response.json()
    assert done["response_action"] == "update"
    button = next(
        e
        for b in done["view"]["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == Ids.REWORD
    )
    [comment] = stored(engine)
    assert button["value"] == str(comment.id)
    clicked = slack.interactive(
        block_actions(
            user_id="U0REP2",
            actions=[button_action(Ids.REWORD, button["value"])],
            view={"id": "V0SANDBOX01", "type": "modal", "callback_id": ""},
        )
    )
    assert clicked.status_code == 200
    sandbox.wait_for_calls("views.push")
    view = shown_modal(sandbox)  # checks the push was the loading view
    assert sandbox.calls("views.open") == []  # stacked on the modal, not a new one
    assert view["callback_id"] == Ids.REWORD_MODAL
    field = next(b for b in view["blocks"] if b.get("block_id") == Ids.REWORD_TEXT)
    assert "pricing slide is wrong" in field["element"]["initial_value"].lower()
    assert "typical marketing" not in field["element"]["initial_value"].lower()


def test_nobody_rewords_someone_elses_comment(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, assets: list[Posted]
) -> None:
    deck = assets[0]
    send(slack, sandbox, f"{deck.handle} down marketing never listens")
    [comment] = stored(engine)
    assert comment.id is not None
    answer = submit_reword(slack, comment.id, "A fine wording about slide 4.", user="U0REP2")
    assert answer["response_action"] == "errors"
    assert stored(engine)[0].text == "marketing never listens"
    updates_before = len(sandbox.calls("views.update"))
    click_reword(slack, comment.id, user="U0REP2")
    # The form opened first (Slack's trigger lives 3 s) says so, with no comment in it.
    notice = shown_modal(sandbox, count=updates_before + 1)
    assert notice["callback_id"] == Ids.NOTICE_MODAL
    assert "can't be reworded" in message_text(notice)
    assert "marketing never listens" not in message_text(notice)


# ------------------------------------------------------------------ the model reviewer


@pytest.fixture
def reviewed(sandbox: SlackSandbox, engine: Engine, database_url: str) -> Iterator[SlackDriver]:
    """The app with the model reviewer on, pointed at the sandbox's fake endpoint."""
    settings = make_settings(
        sandbox,
        database_url,
        liaison_llm_url=sandbox.llm_url,
        liaison_llm_model="reviewer-test",
        liaison_llm_timeout_seconds=0.5,
    )
    with (
        serve_app(settings, engine) as served,
        SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox) as driver,
    ):
        yield driver


def test_the_model_can_flag_what_the_rules_let_through_and_offer_its_rewording(
    reviewed: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    deck = launch(reviewed, engine)[0]
    sandbox.script_llm({"blame": True, "rewording": "Slide 2 needs the Q3 numbers."})
    answer = send(reviewed, sandbox, f"{deck.handle} down interesting choice of numbers on slide 2")
    [comment] = stored(engine)
    assert comment.flagged
    assert "Slide 2 needs the Q3 numbers." in message_text(answer)
    [request] = sandbox.llm_requests()
    assert request["model"] == "reviewer-test"
    assert "interesting choice of numbers" in request["messages"][-1]["content"]


def test_the_model_never_unflags_what_the_rules_hold_back(
    reviewed: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    deck = launch(reviewed, engine)[0]
    sandbox.script_llm({"blame": False, "rewording": ""})
    send(reviewed, sandbox, f"{deck.handle} down marketing never listens, idiots")
    assert stored(engine)[0].flagged


@pytest.mark.parametrize(
    "script",
    [
        {"content": None, "status": 500},
        {"content": "not json at all", "status": 200},
        {"content": {"verdict": "maybe"}, "status": 200},
        {"content": {"blame": True}, "status": 200, "delay": 2.0},  # past the 0.5 s timeout
    ],
)
def test_a_failing_model_falls_back_to_the_rules_silently_and_is_logged(
    reviewed: SlackDriver,
    sandbox: SlackSandbox,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
    script: dict[str, Any],
) -> None:
    deck = launch(reviewed, engine)[0]
    caplog.set_level(logging.WARNING, logger="services.reviewer")
    sandbox.script_llm(
        script["content"], status=script["status"], delay=script.get("delay", 0.0), times=2
    )
    fine = message_text(send(reviewed, sandbox, f"{deck.handle} up slide 3 won the CFO over"))
    assert "Thanks" in fine and "won't be quoted" not in fine
    bad = message_text(send(reviewed, sandbox, f"{deck.handle} down marketing never listens"))
    assert "won't be quoted" in bad
    assert [c.flagged for c in stored(engine)] == [False, True]
    warnings = [r.getMessage() for r in caplog.records if r.name == "services.reviewer"]
    assert warnings and all("rules only" in w for w in warnings)
    assert not any("slide 3" in w or "marketing never" in w for w in warnings)
