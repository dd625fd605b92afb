"""Slack Connect and Enterprise Grid: requests belong to the installation that received them.

A partner organisation's member in a channel shared with them clicks with their own team
id. Each button, modal, shortcut and reaction must still reach the launch they see, in
the workspace that posted it, with that workspace's token; and an org-wide install's
requests (enterprise id, `is_enterprise_install`, no team) must land in one workspace.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from blocks.ids import Ids
from models import (
    Acknowledgement,
    Asset,
    Campaign,
    Installation,
    Question,
    Vote,
    Workspace,
)
from sandbox import (
    SlackDriver,
    SlackSandbox,
    as_partner,
    block_actions,
    button_action,
    event_callback,
    message_action,
    org_wide,
    reaction_added,
    slash_command,
    view_submission,
)
from tests.support.databases import rows
from tests.support.factories import message_text, reply_text, shown_modal
from tests.support.feedback import modal_state
from tests.support.launching import Posted, launch
from tests.support.oauth import TEAM_A, install, serve_oauth
from tests.support.serving import SIGNING_SECRET, Served
from tests.support.waiting import wait_until

PARTNER_TEAM = "T0PARTNER"
PARTNER = "UPARTNER1"
SHARED = "C0SHARED"
ENTERPRISE = "E0GRIDORG"


def share_a_channel(sandbox: SlackSandbox) -> None:
    """#shared-acme, with a partner organisation's member in it, and the bot."""
    sandbox.add_user(PARTNER, name="pat.partner", real_name="Pat Partner", team_id=PARTNER_TEAM)
    sandbox.add_channel(
        SHARED,
        name="shared-acme",
        members=["U0MKT1", "U0REP1", PARTNER],
        bot_is_member=True,
        shared_with=[PARTNER_TEAM],
    )


def announcement(sandbox: SlackSandbox) -> dict[str, Any]:
    [parent] = [m for m in sandbox.messages(SHARED) if m.get("metadata")]
    return parent


def click(
    slack: SlackDriver, sandbox: SlackSandbox, action_id: str, value: str, message: dict[str, Any]
) -> tuple[httpx.Response, str]:
    url = sandbox.new_response_url()
    payload = block_actions(
        user_id=PARTNER,
        actions=[button_action(action_id, value)],
        channel_id=SHARED,
        message_ts=message["ts"],
        message=message,
        response_url=url,
    )
    response = slack.interactive(as_partner(payload, user_id=PARTNER, team_id=PARTNER_TEAM))
    return response, url


def answer(sandbox: SlackSandbox, url: str) -> str:
    wait_until(lambda: bool(sandbox.responses(url)), what="the private answer")
    return message_text(sandbox.responses(url)[-1])


def bearer(call: Any) -> str:
    value = {k.lower(): v for k, v in call.headers.items()}.get("authorization", "")
    return str(value).removeprefix("Bearer ")


def partner_uses_every_surface(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, posted: list[Posted]
) -> None:
    """Got it, Give feedback, Ask a question, Edit launch and a 👍, all as the partner."""
    parent = announcement(sandbox)
    [campaign] = rows(engine, Campaign)
    campaign_id = str(campaign.id)

    got, url = click(slack, sandbox, Ids.GOT_IT, campaign_id, parent)
    assert got.status_code == 200
    assert "you're marked as ready" in answer(sandbox, url)
    assert [(a.user_id, a.campaign_id) for a in rows(engine, Acknowledgement)] == [
        (PARTNER, campaign.id)
    ]

    before = len(sandbox.calls("views.update"))
    feedback, url = click(slack, sandbox, Ids.GIVE_FEEDBACK, campaign_id, parent)
    assert feedback.status_code == 200
    opened = shown_modal(sandbox, before + 1)
    assert opened["callback_id"] == Ids.FEEDBACK_MODAL
    deck = posted[0]
    submitted = slack.interactive(
        as_partner(
            view_submission(
                user_id=PARTNER,
                callback_id=Ids.FEEDBACK_MODAL,
                state_values=modal_state(asset=str(deck.asset_id), verdict="needs_work"),
                private_metadata=opened["private_metadata"],
            ),
            user_id=PARTNER,
            team_id=PARTNER_TEAM,
        )
    )
    assert submitted.status_code == 200 and submitted.json()["response_action"] == "update"

    question, url = click(slack, sandbox, Ids.ASK_QUESTION, campaign_id, parent)
    assert question.status_code == 200
    opened = shown_modal(sandbox, before + 2)
    assert opened["callback_id"] == Ids.QUESTION_MODAL
    text = {str(Ids.QUESTION_TEXT): {str(Ids.QUESTION_TEXT): {"type": "plain_text_input"}}}
    text[str(Ids.QUESTION_TEXT)][str(Ids.QUESTION_TEXT)]["value"] = "Does it cover EMEA?"
    asked = slack.interactive(
        as_partner(
            view_submission(
                user_id=PARTNER,
                callback_id=Ids.QUESTION_MODAL,
                state_values=text,
                private_metadata=opened["private_metadata"],
            ),
            user_id=PARTNER,
            team_id=PARTNER_TEAM,
        )
    )
    assert asked.status_code == 200
    wait_until(lambda: len(rows(engine, Question)) == 1, what="the question")
    wait_until(
        lambda: any(
            "Does it cover EMEA?" in message_text(m) for m in sandbox.replies(SHARED, parent["ts"])
        ),
        what="the question in the announcement's thread",
    )

    # "Mark answered" on the question's message: found, and kept for the marketer.
    wait_until(lambda: rows(engine, Question)[0].ts is not None, what="the question's ts")
    [asked_row] = rows(engine, Question)
    question_message = sandbox.message(SHARED, str(asked_row.ts))
    assert question_message is not None
    marked, url = click(slack, sandbox, Ids.MARK_ANSWERED, str(asked_row.id), question_message)
    assert marked.status_code == 200
    refused = answer(sandbox, url)
    assert "Only" in refused and "no longer in Liaison" not in refused
    assert rows(engine, Question)[0].answered_at is None

    # The shortcut finds the launch, and says only its marketer may edit it.
    url = sandbox.new_response_url()
    shortcut = message_action(
        user_id=PARTNER,
        callback_id=Ids.EDIT_LAUNCH,
        channel_id=SHARED,
        message=parent,
        response_url=url,
    )
    updates = len(sandbox.calls("views.update"))
    edit = slack.interactive(as_partner(shortcut, user_id=PARTNER, team_id=PARTNER_TEAM))
    assert edit.status_code == 200
    # The modal opened first (Slack's trigger lives 3 s) says so.
    notice = shown_modal(sandbox, updates + 1)
    assert notice["callback_id"] == Ids.NOTICE_MODAL
    refusal = message_text(notice)
    assert "no longer in Liaison" not in refusal and "isn't a Liaison launch" not in refusal
    assert "Only" in refusal

    # A 👍 on the second asset's reply counts, like anyone's in the channel.
    card = posted[1]
    reaction = event_callback(
        reaction_added(user=PARTNER, reaction="+1", channel=card.channel, ts=card.ts)
    )
    assert slack.envelope(as_partner(reaction, user_id=PARTNER, team_id=PARTNER_TEAM)).is_success
    wait_until(
        lambda: (
            {(v.asset_id, v.user_id, v.value) for v in rows(engine, Vote)}
            == {(deck.asset_id, PARTNER, "needs_work"), (card.asset_id, PARTNER, "useful")}
        ),
        what="the partner's two votes",
    )


def test_a_partner_organisations_member_uses_every_button_and_votes(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    share_a_channel(sandbox)
    posted = launch(slack, engine, channels=[SHARED])
    partner_uses_every_surface(slack, sandbox, engine, posted)
    # Everything landed in the installing workspace; the partner's team got no workspace.
    assert {w.team_id for w in rows(engine, Workspace)} == {sandbox.TEAM_ID}


@pytest.fixture
def oauth_served(sandbox: SlackSandbox, engine: Engine, database_url: str) -> Iterator[Served]:
    with serve_oauth(sandbox, engine, database_url) as served:
        install(served, sandbox, TEAM_A)
        yield served


def test_with_oauth_the_installing_workspaces_token_answers_the_partner(
    oauth_served: Served, sandbox: SlackSandbox, engine: Engine
) -> None:
    # The partner's organisation never installed Liaison: Bolt must not look for it.
    share_a_channel(sandbox)
    with SlackDriver(oauth_served.events_url, SIGNING_SECRET, sandbox=sandbox) as slack:
        posted = launch(slack, engine, channels=[SHARED])
        token = {bearer(c) for c in sandbox.calls("chat.postMessage")}
        partner_uses_every_surface(slack, sandbox, engine, posted)
    # Every modal opened for the partner was opened with the installing workspace's token.
    opened = sandbox.calls("views.open") + sandbox.calls("views.update")
    assert opened and {bearer(c) for c in opened} <= token
    assert {w.team_id for w in rows(engine, Workspace)} == {TEAM_A}


def test_a_click_on_our_message_is_found_by_its_place_when_the_message_names_no_team(
    oauth_served: Served, sandbox: SlackSandbox, engine: Engine
) -> None:
    share_a_channel(sandbox)
    with SlackDriver(oauth_served.events_url, SIGNING_SECRET, sandbox=sandbox) as slack:
        launch(slack, engine, channels=[SHARED])
        parent = announcement(sandbox)
        parent.pop("team")
        parent["bot_profile"].pop("team_id")
        [campaign] = rows(engine, Campaign)
        got, url = click(slack, sandbox, Ids.GOT_IT, str(campaign.id), parent)
        assert got.status_code == 200
        assert "you're marked as ready" in answer(sandbox, url)


def test_partners_and_guests_cannot_launch_configure_or_read_the_digest(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    share_a_channel(sandbox)
    sandbox.add_user("U0GUEST", name="gus.guest", is_restricted=True, is_admin=False)
    sandbox.add_user("U0SINGLE", name="sia.single", is_ultra_restricted=True)
    # A guest named a Liaison admin is still a guest.
    named = slack.command("/liaison", "admins add <@U0GUEST|gus>", user_id="UADMIN")
    assert named.status_code == 200
    for user in (PARTNER, "U0GUEST", "U0SINGLE"):
        for text in ("digest now", "digest preview"):
            response = slack.command("/liaison", text, user_id=user, channel_id=SHARED)
            shown = reply_text(response, slack, sandbox)
            assert "guests and people from another organisation can't read it" in shown, (
                user,
                text,
            )
        configured = slack.command("/liaison", "sales here", user_id=user, channel_id=SHARED)
        assert "never guests" in reply_text(configured, slack, sandbox), user
        # The modal opens first (Slack's trigger lives 3 s); the refusal replaces it.
        updates = len(sandbox.calls("views.update"))
        launched = slack.command("/launch", "", user_id=user, channel_id=SHARED)
        assert launched.status_code == 200
        refused = shown_modal(sandbox, updates + 1)
        assert refused["callback_id"] == Ids.NOTICE_MODAL, user
        assert "Guests and people from another organisation" in message_text(refused), user
        exported = slack.command("/liaison", "export", user_id=user, channel_id=SHARED)
        assert "never guests" in reply_text(exported, slack, sandbox), user
    assert sandbox.uploaded_files() == []
    # No form was ever shown: only loading views, replaced by refusals.
    assert {c.json_param("view")["callback_id"] for c in sandbox.calls("views.open")} == {
        Ids.LOADING_MODAL
    }
    assert {c.json_param("view")["callback_id"] for c in sandbox.calls("views.update")} == {
        Ids.NOTICE_MODAL
    }


def test_an_org_wide_install_is_one_workspace_for_the_whole_organisation(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    with serve_oauth(sandbox, engine, database_url) as served:
        install(served, sandbox, ENTERPRISE)  # the consent screen's org-wide choice
        with Session(engine) as session:
            [row] = session.exec(select(Installation)).all()
        assert (row.enterprise_id, row.team_id, row.is_enterprise_install) == (
            ENTERPRISE,
            "",
            True,
        )
        with SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox) as slack:
            # A command from one of the organisation's workspaces, as org installs send it.
            form = slash_command(
                "/collateral",
                "add https://example.com/grid Grid deck",
                user_id="U0MKT1",
                response_url=sandbox.new_response_url(),
            )
            added = slack.command_form(org_wide(form, enterprise_id=ENTERPRISE))
            assert "`GD-1`" in reply_text(added, slack, sandbox)
            # Found again from another of its workspaces: one Liaison workspace, the org's.
            form = slash_command(
                "/collateral",
                "search grid",
                user_id="U0REP1",
                team_id="T0OTHERWS",
                response_url=sandbox.new_response_url(),
            )
            found = slack.command_form(org_wide(form, enterprise_id=ENTERPRISE))
            assert "Grid deck" in reply_text(found, slack, sandbox)
            # An event delivered to the org-wide install (its authorization names no team).
            home = event_callback({"type": "app_home_opened", "user": "U0REP1", "tab": "home"})
            assert slack.envelope(org_wide(home, enterprise_id=ENTERPRISE)).is_success
            wait_until(lambda: sandbox.home_view("U0REP1") is not None, what="the App Home")
        assert {w.team_id for w in rows(engine, Workspace)} == {ENTERPRISE}
        # Background work finds the org's token by the workspace key too.
        client = served.runtime.clients.for_team(ENTERPRISE)
        assert client.auth_test()["is_enterprise_install"] is True


def test_a_forged_team_in_an_unsigned_body_changes_nothing(
    served: Served, sandbox: SlackSandbox, engine: Engine
) -> None:
    # Attribution reads the payload only after app/server.py verified it.
    form = slash_command(
        "/collateral",
        "add https://example.com/x X",
        user_id="U0MKT1",
        team_id=PARTNER_TEAM,
        response_url=sandbox.new_response_url(),
    )
    refused = httpx.post(
        served.events_url,
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert refused.status_code == 401
    assert rows(engine, Asset) == [] and sandbox.responses() == []
