from __future__ import annotations

import time

import httpx
from sqlalchemy.engine import Engine

from models import SalesChannel, Workspace, WorkspaceAdmin
from sandbox import SlackDriver, SlackSandbox
from tests.support.databases import rows
from tests.support.factories import reply_text
from tests.support.serving import Served


def liaison(
    slack: SlackDriver,
    sandbox: SlackSandbox,
    text: str,
    user: str = "UADMIN",
    channel: str = "C0SALES",
) -> str:
    return reply_text(
        slack.command("/liaison", text, user_id=user, channel_id=channel), slack, sandbox
    )


def test_help_lists_every_subcommand(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    for text in ("", "help"):
        answer = liaison(slack, sandbox, text, user="U0REP1")
        for form in (
            "digest here",
            "digest now",
            "digest preview",
            "schedule",
            "sales here",
            "admins add",
            "export",
        ):
            assert form in answer


def test_non_admin_is_politely_refused_and_nothing_changes(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    for text in (
        "sales here",
        "digest here",
        "schedule monday 09:00",
        "admins add <@U0REP2|r>",
        "export",
    ):
        answer = liaison(slack, sandbox, text, user="U0REP1")
        assert "Only workspace admins and owners" in answer, text
    assert rows(engine, SalesChannel) == []
    assert rows(engine, WorkspaceAdmin) == []
    assert all(w.digest_channel_id is None for w in rows(engine, Workspace))


def test_workspace_admin_names_an_admin_who_can_then_configure(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    assert "can now configure Liaison" in liaison(slack, sandbox, "admins add <@U0MKT1|morgan>")
    assert "already a Liaison admin" in liaison(slack, sandbox, "admins add <@U0MKT1>")
    assert "<@U0MKT1>" in liaison(slack, sandbox, "admins list")
    answer = liaison(slack, sandbox, "sales here", user="U0MKT1", channel="C0SALESWEST")
    assert "Launches will target <#C0SALESWEST>" in answer
    assert [c.channel_id for c in rows(engine, SalesChannel)] == ["C0SALESWEST"]
    assert "no longer" in liaison(slack, sandbox, "admins remove <@U0MKT1>")
    assert "Only workspace admins" in liaison(slack, sandbox, "sales here", user="U0MKT1")


def test_owner_counts_as_admin(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    assert "Launches will target" in liaison(slack, sandbox, "sales here", user="UOWNER")
    assert "already a default" in liaison(slack, sandbox, "sales here", user="UOWNER")


def test_bots_cannot_be_named_admins(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    assert "only active people" in liaison(slack, sandbox, f"admins add <@{sandbox.BOT_USER_ID}>")
    assert rows(engine, WorkspaceAdmin) == []


def test_digest_here_adopts_the_admins_time_zone_then_schedule_changes_it(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    sandbox.add_user("U0TOKYO", name="kenji.admin", is_admin=True, tz="Asia/Tokyo")
    answer = liaison(slack, sandbox, "digest here", user="U0TOKYO", channel="C0LEADS")
    assert "<#C0LEADS>" in answer and "Monday at 09:00 (Asia/Tokyo)" in answer
    answer = liaison(slack, sandbox, "schedule friday 16:30 Europe/Berlin", user="U0TOKYO")
    assert "Friday at 16:30 (Europe/Berlin)" in answer
    [workspace] = rows(engine, Workspace)
    assert (
        workspace.digest_channel_id,
        workspace.digest_weekday,
        workspace.digest_time,
        workspace.timezone,
    ) == ("C0LEADS", 4, "16:30", "Europe/Berlin")


def test_bad_subcommands_get_the_correct_form(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    cases = {
        "schedule someday 09:00": "is not a weekday",
        "schedule monday 25:00": "is not a 24-hour time",
        "schedule monday 09:00 Nowhere/Land": "is not a time zone I know",
        "admins add riley": "Mention the person with @",
        "digest everywhere": "/liaison digest here",
        "launch the rockets": "Here is what `/liaison` does",
        "x" * 100_000: "at most 4,000",
    }
    for text, says in cases.items():
        assert says in liaison(slack, sandbox, text), text[:40]


def test_rate_limited_users_info_is_retried(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    sandbox.fail_next("users.info", status=429, retry_after=1)
    assert "Launches will target" in liaison(slack, sandbox, "sales here")
    statuses = [c.status for c in sandbox.calls("users.info")]
    assert statuses == [429, 200]


def test_slack_outage_gives_a_reference_not_a_traceback(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    sandbox.fail_next("users.info", status=500, times=10)
    answer = liaison(slack, sandbox, "sales here")
    assert "something went wrong on our side" in answer
    assert "reference: `" in answer
    assert rows(engine, SalesChannel) == []


def test_hostile_text_is_never_echoed_live(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    for text in (
        "<!channel> now",
        "admins add <!everyone>",
        "schedule <!here> 09:00",
        "schedule monday 09:00 <!channel>",
        "\x00\x1b[31m digest here",
    ):
        answer = liaison(slack, sandbox, text)
        assert "<!channel>" not in answer and "<!everyone>" not in answer
        assert "<!here>" not in answer and "\x1b" not in answer


def test_named_admins_configure_but_only_slack_admins_name_admins(
    slack: SlackDriver, sandbox: SlackSandbox, engine: Engine
) -> None:
    liaison(slack, sandbox, "admins add <@U0MKT1>")
    assert "Launches will target" in liaison(slack, sandbox, "sales here", user="U0MKT1")
    for text in ("admins add <@U0REP1>", "admins remove <@U0MKT1>"):
        assert "Only workspace admins and owners can name" in liaison(
            slack, sandbox, text, user="U0MKT1"
        )
    assert [a.user_id for a in rows(engine, WorkspaceAdmin)] == ["U0MKT1"]


def test_a_slow_slack_never_blocks_the_database(
    slack: SlackDriver, sandbox: SlackSandbox, served: Served
) -> None:
    # users.info is rate limited for 2 s; meanwhile health checks and other commands go on.
    sandbox.fail_next("users.info", status=429, retry_after=2)
    response = slack.command("/liaison", "sales here", user_id="UADMIN")
    first_url = slack.last_response_url
    started = time.monotonic()
    assert httpx.get(served.url + "/healthz", timeout=5).status_code == 200
    other = slack.command("/collateral", "add https://example.com/x Deck", user_id="U0MKT1")
    assert "`DE-1`" in reply_text(other, slack, sandbox)
    assert time.monotonic() - started < 1.5
    assert "Launches will target" in reply_text(response, slack, sandbox, url=first_url)
