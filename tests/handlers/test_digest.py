"""`/liaison digest now|preview|here` and `schedule`: the digest through the real app."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import DigestRun, Workspace
from sandbox import SlackDriver, SlackSandbox
from sandbox.constants import SEED_USERS
from tests.support.factories import message_text, reply
from tests.support.feedback import modal_state, submit_feedback
from tests.support.launching import launch
from tests.support.reactions import react, settle
from tests.support.serving import Served
from tests.support.waiting import wait_until

LEADS = "C0LEADS"


def liaison(
    slack: SlackDriver, sandbox: SlackSandbox, text: str, *, user: str, channel: str = LEADS
) -> dict[str, Any]:
    response = slack.command("/liaison", text, user_id=user, channel_id=channel)
    return reply(response, slack, sandbox, timeout=25)


def busy_week(slack: SlackDriver, engine: Engine) -> None:
    """A launch, votes by emoji and a few comments, one of them angry and naming people."""
    deck, card = launch(slack, engine)
    settle(
        slack,
        engine,
        deck,
        react(slack, deck, "U0REP1", "+1"),
        react(slack, deck, "U0REP2", "+1"),
        react(slack, deck, "U0REP3", "-1"),
        react(slack, card, "U0REP1", "-1"),
    )
    submit_feedback(
        slack,
        modal_state(
            asset=str(deck.asset_id),
            verdict="useful",
            comment="Customers liked the pricing table; Riley Rep says the ROI slide is too long",
        ),
        user="U0REP1",
    )
    submit_feedback(
        slack,
        modal_state(
            asset=str(card.asset_id),
            verdict="needs_work",
            comment="marketing never listens, <@U0MKT1> this battlecard is useless",
        ),
        user="U0REP2",
    )


def names_and_ids() -> list[str]:
    found = []
    for user in SEED_USERS:
        if user.is_bot:
            continue
        found += [user.id, user.real_name, user.name]
        if user.email:
            found.append(user.email)
    return found


def everything(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def digest_channel_is_leads(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    """An admin sends the digest to #team-leads, whose members may then read it on demand."""
    text = message_text(liaison(slack, sandbox, "digest here", user="UADMIN"))
    assert "weekly digest will be posted" in text


def test_preview_is_private_and_blame_free(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    busy_week(slack, engine)
    digest_channel_is_leads(slack, sandbox)
    preview = liaison(slack, sandbox, "digest preview", user="U0LEAD1")
    assert preview["response_type"] == "ephemeral"
    text = message_text(preview)
    assert "Only you can see this preview" in text
    assert "👍 2 · 👎 1 · 🎯 1 used" in text  # the deck (the test marker used it)
    assert "Q3 pricing refresh" in text
    dumped = everything(preview)
    for term in names_and_ids():
        assert term not in dumped, term
    assert "marketing never listens" not in dumped and "useless" not in dumped
    assert sandbox.messages(LEADS) == [] or all(
        "digest" not in str(m.get("text", "")).lower() for m in sandbox.messages(LEADS)
    )


def test_digest_now_posts_every_time_and_never_uses_up_the_week(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    busy_week(slack, engine)
    digest_channel_is_leads(slack, sandbox)

    def posted() -> list[dict[str, Any]]:
        return [m for m in sandbox.messages(LEADS) if m.get("blocks")]

    for count in (1, 2):
        response = slack.command("/liaison", "digest now", user_id="U0LEAD1", channel_id=LEADS)
        assert response.status_code == 200
        wait_until(lambda count=count: len(posted()) == count, timeout=25)  # type: ignore[misc]
    digest = posted()[0]
    charts = [b for b in digest["blocks"] if b["type"] == "data_visualization"]
    assert 1 <= len(charts) <= 2
    for term in names_and_ids():
        assert term not in everything(digest), term
    with Session(engine) as session:
        assert session.exec(select(DigestRun)).all() == []


def test_a_quiet_week_is_a_friendly_digest(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    text = message_text(liaison(slack, sandbox, "digest preview", user="UADMIN"))
    assert "quiet week" in text.lower()


def test_digest_now_where_the_bot_cannot_post(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    text = message_text(liaison(slack, sandbox, "digest now", user="UADMIN", channel="G0PRIVATE"))
    assert "couldn't post the digest here" in text and "/invite @Liaison" in text


def test_digest_here_and_schedule_set_the_weekly_job(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine, served: Served
) -> None:
    liaison(slack, sandbox, "digest here", user="UADMIN")
    with Session(engine) as session:
        workspace = session.exec(select(Workspace)).one()
    job = served.runtime.scheduler.get_job(f"digest-{workspace.id}")
    assert job is not None and "day_of_week='0', hour='9', minute='0'" in repr(job.trigger)
    answer = message_text(
        liaison(slack, sandbox, "schedule friday 16:30 Europe/Berlin", user="UADMIN")
    )
    assert "Friday" in answer or "friday" in answer
    job = served.runtime.scheduler.get_job(f"digest-{workspace.id}")
    assert job is not None
    assert "day_of_week='4', hour='16', minute='30'" in repr(job.trigger)
    assert "Europe/Berlin" in repr(job.trigger)
    assert job.next_run_time.weekday() == 4


def test_broken_links_become_an_ask_and_a_dead_network_still_posts_in_time(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    gone = sandbox.set_page("acme/old-deck", body="gone", status=404)
    fine = sandbox.set_page("acme/new-deck", body="<title>New deck</title>")
    # A server that never answers in time stands for no network at all: the checks run
    # out of time instead of holding the digest up.
    silent = [sandbox.set_page(f"acme/silent-{i}", body="", delay=60) for i in range(12)]
    lines = [f"Old deck | {gone}", f"New deck | {fine}"]
    lines += [f"Blackhole sheet {i} | {url}" for i, url in enumerate(silent)]
    launch(slack, engine, collateral="\n".join(lines))
    started = time.monotonic()
    text = message_text(liaison(slack, sandbox, "digest preview", user="UADMIN"))
    assert time.monotonic() - started < 20
    assert "`OD-1` Old deck doesn't open" in text
    # No answer is not a broken link: with no network at all nothing would be "working".
    assert not re.search(r"Blackhole sheet[^\n]*doesn't open", text)
    assert not re.search(r"New deck[^\n]*doesn't open", text)


def test_without_the_people_list_the_digest_quotes_nothing(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    busy_week(slack, engine)
    sandbox.fail_next("users.list", error="missing_scope")
    text = message_text(liaison(slack, sandbox, "digest preview", user="UADMIN"))
    assert "👍 2 · 👎 1" in text  # counts still there
    assert "Riley" not in text and "pricing table" not in text  # but no quotes at all
