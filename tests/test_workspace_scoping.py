"""Workspace B can never see or change workspace A's campaigns, assets, votes or digest.

Both workspaces install the same app through OAuth. A launches, votes and comments; then
every surface B can reach is tried with A's ids, handles, messages and words: slash
commands, buttons, modal submissions, the asset picker, reactions on A's messages, the
App Home and the digest preview. Nothing of A's shows up in B, nothing of A's changes,
and every Slack call made for B carries B's token.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from blocks.ids import Ids
from core.crypto import TokenCipher
from domain.feedback import FeedbackField
from models import (
    Acknowledgement,
    Campaign,
    Comment,
    Installation,
    Question,
    Usage,
    Vote,
    Workspace,
)
from sandbox import SlackDriver, SlackSandbox, payloads
from tests.support.factories import reply
from tests.support.feedback import modal_state
from tests.support.launching import launch
from tests.support.oauth import TEAM_A, TEAM_B, TOKEN_KEY, install, serve_oauth
from tests.support.serving import SIGNING_SECRET

REP_A = "U0REP1"
REP_B = "U0REP2"  # a person of B (Slack user ids are unique across workspaces)
CHANNEL_B = "C0SALES"


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            table.__name__: session.exec(select(func.count()).select_from(table)).one()
            for table in (Vote, Usage, Comment, Acknowledgement, Question, Campaign)
        }


def _digest_settings(engine: Engine, team_id: str) -> tuple[str | None, int, str, str]:
    with Session(engine) as session:
        row = session.exec(select(Workspace).where(Workspace.team_id == team_id)).one()
        return row.digest_channel_id, row.digest_weekday, row.digest_time, row.timezone


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _wait_quiet(engine: Engine, seconds: float = 1.5) -> None:
    """Give listeners that run after the ack time to (wrongly) write something."""
    before = _counts(engine)
    time.sleep(seconds)
    assert _counts(engine) == before


@pytest.fixture
def slack(sandbox: SlackSandbox, engine: Engine, database_url: str) -> Iterator[SlackDriver]:
    """Signed requests into the app, installed through OAuth in workspaces A and B."""
    with serve_oauth(sandbox, engine, database_url) as served:
        install(served, sandbox, TEAM_A)
        install(served, sandbox, TEAM_B)
        with SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox) as driver:
            yield driver


def test_b_can_neither_see_nor_change_a(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    posted = launch(slack, engine, name="Atlas launch")  # in A
    here = reply(
        slack.command("/liaison", "digest here", user_id="UADMIN", channel_id="C0LEADS"),
        slack,
        sandbox,
    )
    assert "digest" in _text(here).lower()
    deck = posted[0]
    # A's reps vote and comment.
    for user in ("U0REP1", "U0REP3"):
        event = payloads.reaction_added(user=user, reaction="+1", channel=deck.channel, ts=deck.ts)
        assert slack.event(event, team_id=TEAM_A).status_code == 200
    said = slack.command("/feedback", f"{deck.handle} up Atlas pricing is clear", user_id=REP_A)
    assert said.status_code == 200
    deadline = time.monotonic() + 10
    while _counts(engine)["Vote"] < 2 or _counts(engine)["Comment"] < 1:
        assert time.monotonic() < deadline, _counts(engine)
        time.sleep(0.05)
    with Session(engine) as session:
        campaign_a = session.exec(select(Campaign).where(Campaign.name == "Atlas launch")).one()
    a_words = ("Atlas", deck.title, deck.handle)
    before = _counts(engine)
    sandbox_calls_before = len(sandbox.calls())

    # --- B looks: /collateral list and search, the asset picker, its home, its digest.
    for text in ("", "list"):
        answer = reply(
            slack.command("/collateral", text, team_id=TEAM_B, user_id=REP_B), slack, sandbox
        )
        assert not any(word in _text(answer) for word in a_words), (text, answer)
    for query in (deck.title, deck.handle):
        answer = reply(
            slack.command("/collateral", f"search {query}", team_id=TEAM_B, user_id=REP_B),
            slack,
            sandbox,
        )
        assert f"No asset matches `{query}`" in _text(answer), answer
        assert "example.com" not in _text(answer)
    suggestion = payloads.block_suggestion(
        user_id=REP_B,
        action_id=FeedbackField.ASSET,
        block_id=FeedbackField.ASSET,
        value=deck.title[:5],
        view=payloads.modal_view(
            callback_id=Ids.FEEDBACK_MODAL,
            team_id=TEAM_B,
            private_metadata=f"campaign:{campaign_a.id}",
        ),
        team_id=TEAM_B,
    )
    options = slack.interactive(suggestion)
    assert options.status_code == 200
    assert not any(word in options.text for word in a_words), options.text
    preview = slack.command("/liaison", "digest preview", team_id=TEAM_B, user_id="UADMIN")
    answer = reply(preview, slack, sandbox, timeout=25)
    assert not any(word in _text(answer) for word in a_words), answer
    home = slack.event(payloads.app_home_opened(REP_B), team_id=TEAM_B)
    assert home.status_code == 200
    published = sandbox.wait_for_calls("views.publish", 1)
    assert not any(word in _text(c.params) for c in published for word in a_words)

    # --- B acts on A's things: feedback by handle, reactions on A's reply, A's buttons.
    slack.command("/feedback", f"{deck.handle} down from B", team_id=TEAM_B, user_id=REP_B)
    slack.command("/collateral", f"used {deck.handle}", team_id=TEAM_B, user_id=REP_B)
    for reaction in ("-1", "dart"):
        event = payloads.reaction_added(
            user=REP_B, reaction=reaction, channel=deck.channel, ts=deck.ts
        )
        assert slack.event(event, team_id=TEAM_B).status_code == 200
    for action in (Ids.GOT_IT, Ids.GIVE_FEEDBACK, Ids.ASK_QUESTION, Ids.EDIT_LAUNCH):
        clicked = payloads.block_actions(
            user_id=REP_B,
            actions=[payloads.button_action(action, str(campaign_a.id))],
            channel_id=CHANNEL_B,
            message_ts=deck.ts,
            team_id=TEAM_B,
            response_url=sandbox.new_response_url(),
        )
        assert slack.interactive(clicked).status_code == 200
    # A question and feedback submitted from B's modals, naming A's campaign and asset.
    question_meta = {"campaign_id": campaign_a.id, "channel_id": deck.channel, "thread_ts": deck.ts}
    for callback, metadata, values in (
        (
            Ids.QUESTION_MODAL,
            json.dumps(question_meta),
            {
                str(Ids.QUESTION_TEXT): {
                    str(Ids.QUESTION_TEXT): {"type": "plain_text_input", "value": "?"}
                }
            },
        ),
        (
            Ids.FEEDBACK_MODAL,
            f"campaign:{campaign_a.id}",
            modal_state(asset=str(deck.asset_id), verdict="useful", comment="from B"),
        ),
    ):
        submission = payloads.view_submission(
            user_id=REP_B,
            callback_id=callback,
            state_values=values,
            private_metadata=metadata,
            team_id=TEAM_B,
        )
        assert slack.interactive(submission).status_code == 200
    # B's admin sets B's digest up; A's digest settings stay as they were.
    a_settings = _digest_settings(engine, TEAM_A)
    for text in ("digest here", "schedule friday 10:00 America/New_York"):
        answer = reply(
            slack.command("/liaison", text, team_id=TEAM_B, user_id="UADMIN", channel_id="C0LEADS"),
            slack,
            sandbox,
        )
        assert "Atlas" not in _text(answer)
    assert _digest_settings(engine, TEAM_A) == a_settings
    assert _digest_settings(engine, TEAM_B)[1:] == (4, "10:00", "America/New_York")
    _wait_quiet(engine)
    assert _counts(engine) == before

    # Every Slack call made on B's behalf used B's token, never A's.
    cipher = TokenCipher([TOKEN_KEY])
    with Session(engine) as session:
        tokens = {
            row.team_id: cipher.decrypt(row.bot_token or "")
            for row in session.exec(select(Installation)).all()
        }
    for call in sandbox.calls()[sandbox_calls_before:]:
        auth = {k.lower(): v for k, v in call.headers.items()}.get("authorization", "")
        assert tokens[TEAM_A] not in auth, call.method
    with Session(engine) as session:
        teams = session.exec(select(Workspace.team_id).order_by(col(Workspace.id))).all()
    assert TEAM_B in teams  # B is a workspace of its own, not a view into A
