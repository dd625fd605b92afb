"""Who may read and post the digest, and where it may go (SPEC blame-free rule 7).

`digest now` and `digest preview` are for Liaison admins (Slack's admins and owners, and
the people they name) and the digest channel's members; never guests; never into a
channel shared with another organisation unless an admin allowed it. Refusals say who can.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import DigestRun, Workspace
from sandbox import SlackDriver, SlackSandbox
from sandbox.constants import TEAM_ID
from tests.support.factories import message_text, reply, reply_text
from tests.support.serving import SIGNING_SECRET, Served, make_settings, serve_app
from tests.support.waiting import wait_until

LEADS = "C0LEADS"


def liaison(
    slack: SlackDriver, sandbox: SlackSandbox, text: str, user: str, channel: str = LEADS
) -> str:
    response = slack.command("/liaison", text, user_id=user, channel_id=channel)
    return message_text(reply(response, slack, sandbox, timeout=25))


def share(sandbox: SlackSandbox, channel: str = LEADS) -> None:
    """Make a channel a Slack Connect channel, shared with another organisation."""
    info = sandbox.channel_info(channel)
    sandbox.add_channel(
        channel,
        name=info["name"],
        is_private=info["is_private"],
        members=sandbox.channel_members(channel),
        bot_is_member=True,
        shared_with=["T0PARTNER"],
    )


def test_without_a_digest_channel_only_admins_read_it(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    refused = liaison(slack, sandbox, "digest preview", "U0LEAD1")
    assert "once an admin sets one with `/liaison digest here`" in refused
    assert "Liaison admins" in refused
    assert "quiet week" in liaison(slack, sandbox, "digest preview", "UADMIN").lower()
    assert "quiet week" in liaison(slack, sandbox, "digest preview", "UOWNER").lower()


def test_the_digest_channels_members_and_named_admins_read_it_others_do_not(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    assert "weekly digest will be posted" in liaison(slack, sandbox, "digest here", "UADMIN")
    # A member of #team-leads may; a rep who is not in it may not, and is told who may.
    assert "quiet week" in liaison(slack, sandbox, "digest preview", "U0LEAD1").lower()
    refused = liaison(slack, sandbox, "digest preview", "U0REP1", channel="C0SALES")
    assert f"the members of <#{LEADS}>" in refused and "Liaison admins" in refused
    posted_before = len(sandbox.messages("C0SALES"))
    refused_now = liaison(slack, sandbox, "digest now", "U0REP1", channel="C0SALES")
    assert f"<#{LEADS}>" in refused_now
    assert len(sandbox.messages("C0SALES")) == posted_before  # nothing was posted
    # Named by an admin, the same rep may.
    liaison(slack, sandbox, "admins add <@U0REP1|riley>", "UADMIN")
    assert "quiet week" in liaison(slack, sandbox, "digest preview", "U0REP1", "C0SALES").lower()


def test_a_refused_reader_costs_no_people_list(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    liaison(slack, sandbox, "digest here", "UADMIN")
    before = len(sandbox.calls("users.list"))
    for _ in range(5):
        liaison(slack, sandbox, "digest preview", "U0REP1", channel="C0SALES")
    assert len(sandbox.calls("users.list")) == before


def test_the_digest_stays_out_of_shared_channels_until_an_admin_allows_it(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    share(sandbox, "C0SALES")
    here = liaison(slack, sandbox, "digest here", "UADMIN", channel="C0SALES")
    assert "shared with another organisation" in here and "digest shared allow" in here
    now = liaison(slack, sandbox, "digest now", "UADMIN", channel="C0SALES")
    assert "shared with another organisation" in now
    assert not [m for m in sandbox.messages("C0SALES") if m.get("blocks")]
    # A rep can't lift it; an admin can.
    assert "never guests" in liaison(slack, sandbox, "digest shared allow", "U0REP1", "C0SALES")
    allowed = liaison(slack, sandbox, "digest shared allow", "UADMIN", channel="C0SALES")
    assert "may now go to channels shared" in allowed
    assert "weekly digest will be posted" in liaison(
        slack, sandbox, "digest here", "UADMIN", channel="C0SALES"
    )
    # Posted in the channel, for everyone in it: no private answer.
    slack.command("/liaison", "digest now", user_id="UADMIN", channel_id="C0SALES")
    wait_until(lambda: any(m.get("blocks") for m in sandbox.messages("C0SALES")), what="the digest")
    denied = liaison(slack, sandbox, "digest shared deny", "UADMIN", channel="C0SALES")
    assert "stays out of channels shared" in denied
    again = liaison(slack, sandbox, "digest now", "UADMIN", channel="C0SALES")
    assert "shared with another organisation" in again


def test_a_preview_is_fine_in_a_shared_channel_because_only_its_reader_sees_it(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    share(sandbox, "C0SALES")
    preview = slack.command("/liaison", "digest preview", user_id="UADMIN", channel_id="C0SALES")
    answer = reply(preview, slack, sandbox, timeout=25)
    assert answer["response_type"] == "ephemeral" and "quiet week" in message_text(answer).lower()


def test_the_scheduled_digest_skips_a_channel_that_became_shared(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    fired = datetime.now(UTC) - timedelta(hours=30)  # missed: the start-up catch-up posts it
    with Session(engine) as session:
        session.add(
            Workspace(
                team_id=TEAM_ID,
                digest_channel_id=LEADS,
                digest_weekday=fired.weekday(),
                digest_time=fired.strftime("%H:%M"),
                timezone="UTC",
                updated_at=datetime.now(UTC) - timedelta(days=3),
            )
        )
        session.commit()
    share(sandbox, LEADS)
    with serve_app(make_settings(sandbox, database_url), engine):
        time.sleep(3)
    with Session(engine) as session:
        assert session.exec(select(DigestRun)).all() == []
        workspace = session.exec(select(Workspace)).one()
        workspace.digest_shared_allowed = True
        session.add(workspace)
        session.commit()
    assert not [m for m in sandbox.messages(LEADS) if m.get("blocks")]
    with serve_app(make_settings(sandbox, database_url), engine):
        wait_until(
            lambda: any(m.get("blocks") for m in sandbox.messages(LEADS)),
            timeout=30,
            what="the digest, once allowed",
        )


def test_twenty_previews_by_one_person_hold_one_thread_and_others_are_answered(
    served: Served, slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    # users.list rate-limited for a long time: each preview that gets that far fails fast
    # with a clear answer, and only one at a time per person is prepared.
    sandbox.fail_next("users.list", status=429, retry_after=60, times=100)
    answers: list[httpx.Response] = []

    def ask() -> None:
        with SlackDriver(served.events_url, SIGNING_SECRET, sandbox=sandbox) as own:
            answers.append(own.command("/liaison", "digest preview", user_id="UADMIN"))

    askers = [threading.Thread(target=ask) for _ in range(20)]
    for thread in askers:
        thread.start()
    started = time.monotonic()
    other = slack.command("/collateral", "help", user_id="U0REP2")
    assert reply_text(other, slack, sandbox)
    assert time.monotonic() - started < 3
    for thread in askers:
        thread.join(30)
    assert len(answers) == 20 and all(a.status_code == 200 for a in answers)

    def previews() -> list[str]:
        texts = [message_text(r) for r in sandbox.responses()]
        return [t for t in texts if "digest" in t.lower() or "slow down" in t]

    wait_until(lambda: len(previews()) >= 20, timeout=30, what="an answer to each preview")
    texts = previews()
    busy = sum("still preparing the digest" in t for t in texts)
    # Without the people list the digest quotes nothing, but it still comes.
    done = sum("only you can see this preview" in t.lower() for t in texts)
    assert busy + done == 20 and busy >= 1 and done >= 1, texts
    assert not any("something went wrong" in t for t in texts)
