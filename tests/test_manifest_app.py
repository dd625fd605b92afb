"""manifest.yml and the app agree: commands, events and scopes."""

from __future__ import annotations

from handlers.actions import SHORTCUTS
from handlers.commands import COMMANDS
from handlers.events import EVENTS
from sandbox import METHOD_SCOPES, SlackDriver, SlackSandbox
from sandbox.payloads import (
    app_home_opened,
    app_uninstalled,
    reaction_added,
    reaction_removed,
    tokens_revoked,
)
from tests.support.factories import reply_text
from tests.support.serving import MANIFEST, MANIFEST_BOT_SCOPES

DECLARED_COMMANDS = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
DECLARED_EVENTS = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])


def test_every_registered_command_is_declared_and_every_declared_one_registered() -> None:
    assert set(COMMANDS) == DECLARED_COMMANDS


def test_every_registered_event_is_declared_and_every_declared_one_handled() -> None:
    assert set(EVENTS) == DECLARED_EVENTS


def test_every_shortcut_is_declared_and_every_declared_one_handled() -> None:
    declared = {s["callback_id"] for s in MANIFEST["features"].get("shortcuts", [])}
    assert set(SHORTCUTS) == declared


def test_every_declared_command_answers(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    for command in sorted(DECLARED_COMMANDS):
        text = reply_text(slack.command(command, "help", user_id="U0REP1"), slack, sandbox)
        assert text.strip(), command


def test_every_declared_event_is_acknowledged(slack: SlackDriver, sandbox: SlackSandbox) -> None:
    events = {
        "app_home_opened": app_home_opened(user="U0REP1"),
        "reaction_added": reaction_added(
            user="U0REP1", reaction="+1", channel="C0SALES", ts="1.000100"
        ),
        "reaction_removed": reaction_removed(
            user="U0REP1", reaction="+1", channel="C0SALES", ts="1.000100"
        ),
        "app_uninstalled": app_uninstalled(),
        "tokens_revoked": tokens_revoked(),
    }
    assert set(events) == DECLARED_EVENTS
    for name, event in events.items():
        assert slack.event(event).status_code == 200, name
    home = sandbox.wait_for_calls("views.publish")[0]
    assert home.ok and "Welcome to Liaison" in str(home.json_param("view"))


def test_web_api_methods_the_app_calls_are_granted_by_the_manifest(
    slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    # Drive the features that call Slack, then check every call against the scope table.
    reply_text(slack.command("/liaison", "digest here", user_id="UADMIN"), slack, sandbox)
    reply_text(slack.command("/liaison", "admins add <@U0MKT1>", user_id="UADMIN"), slack, sandbox)
    slack.event(app_home_opened(user="U0REP1"))
    sandbox.wait_for_calls("views.publish")
    calls = [c for c in sandbox.calls() if c.method in METHOD_SCOPES]
    assert {c.method for c in calls} >= {"users.info", "views.publish"}
    for call in calls:
        needed = METHOD_SCOPES[call.method]
        assert not needed or set(needed) & set(MANIFEST_BOT_SCOPES), call.method
        assert call.response.get("error") != "missing_scope", call
