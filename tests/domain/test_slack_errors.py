"""The Slack error table against the errors Slack documents for each method we call.

`slack_documented_errors.json` lists, per method, the error names on Slack's reference
page for it (as collected in the slack-ruby/slack-api-ref project): names only.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from domain.delivery import MAX_ATTEMPTS, RATE_LIMITED_WAIT_S, Action, decide
from domain.slack_errors import COMMON, METHODS, Kind, classify, known

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED: dict[str, list[str]] = json.loads(
    (Path(__file__).parent / "slack_documented_errors.json").read_text()
)


def test_every_method_we_call_is_in_the_table_and_documented() -> None:
    """Every `client.<method>(...)` in the app has a row in the table (and a documented list)."""
    called: set[str] = set()
    for package in ("core", "handlers", "services", "jobs", "workers"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and "client" in ast.unparse(node.func.value)
                    and re.fullmatch(
                        r"(chat|conversations|users|usergroups|views|files|auth|oauth)_\w+",
                        node.func.attr,
                    )
                ):
                    called.add(node.func.attr)
    as_methods = {
        name.replace("_", ".", 1).replace("usergroups.users_list", "usergroups.users.list")
        for name in called
        if name != "files_upload_v2"
    }
    if "files_upload_v2" in called:
        # slack_sdk's upload helper calls these two methods.
        as_methods |= {"files.getUploadURLExternal", "files.completeUploadExternal"}
    as_methods = {m.replace(".v2_access", ".v2.access") for m in as_methods}
    assert as_methods, "no Slack calls found: the scan is broken"
    missing = sorted(m for m in as_methods if m not in METHODS)
    assert not missing, f"methods called but not in the error table: {missing}"
    assert set(METHODS) <= set(DOCUMENTED)


@pytest.mark.parametrize("method", sorted(DOCUMENTED))
def test_every_documented_error_is_classified(method: str) -> None:
    unclassified = [e for e in DOCUMENTED[method] if not known(method, e)]
    assert not unclassified, f"{method}: {unclassified}"
    for error in DOCUMENTED[method]:
        meaning = classify(method, error)
        if meaning.kind in (Kind.PERMANENT, Kind.REVOKED):
            assert meaning.reason, (method, error)


def test_the_table_names_only_errors_someone_documents() -> None:
    """No invented names: every entry is an error Slack documents for one of our methods
    (the message methods share their rows, so a row may be documented for a sibling)."""
    every = {e for errors in DOCUMENTED.values() for e in errors}
    assert set(COMMON) <= every, sorted(set(COMMON) - every)
    for method, table in METHODS.items():
        stray = set(table) - every
        assert not stray, f"{method}: {sorted(stray)}"


@pytest.mark.parametrize(
    ("method", "error", "kind"),
    [
        ("chat.postMessage", "msg_blocks_too_long", Kind.PERMANENT),
        ("chat.postMessage", "invalid_blocks_format", Kind.PERMANENT),
        ("chat.postMessage", "restricted_action_thread_locked", Kind.PERMANENT),
        ("chat.postMessage", "channel_not_found", Kind.PERMANENT),
        ("chat.postMessage", "is_archived", Kind.PERMANENT),
        ("chat.postMessage", "not_in_channel", Kind.JOIN),
        ("chat.postEphemeral", "not_in_channel", Kind.PERMANENT),
        ("chat.postMessage", "rate_limited", Kind.RATE_LIMITED),
        ("views.open", "ratelimited", Kind.RATE_LIMITED),
        ("chat.postMessage", "token_revoked", Kind.REVOKED),
        ("chat.postMessage", "fatal_error", Kind.RETRY),
        ("chat.update", "update_failed", Kind.RETRY),
        ("views.open", "expired_trigger_id", Kind.PERMANENT),
        ("chat.postMessage", "never_documented", Kind.RETRY),
    ],
)
def test_classification(method: str, error: str, kind: Kind) -> None:
    assert classify(method, error).kind is kind


def test_permanent_errors_fail_at_once_with_the_reason() -> None:
    for error in ("msg_blocks_too_long", "restricted_action_thread_locked", "is_archived"):
        decision = decide(error=error, status=200, retry_after=None, attempts=1)
        assert decision.action is Action.FAIL
        assert decision.reason == classify("chat.postMessage", error).reason


def test_a_rate_limited_body_waits_like_a_429_without_using_an_attempt() -> None:
    told = decide(error="rate_limited", status=200, retry_after=3, attempts=MAX_ATTEMPTS)
    assert (told.action, told.delay_s, told.rate_limited) == (Action.RETRY, 3, True)
    untold = decide(error="rate_limited", status=200, retry_after=None, attempts=MAX_ATTEMPTS)
    assert (untold.action, untold.delay_s) == (Action.RETRY, RATE_LIMITED_WAIT_S)
    assert not decide(error="fatal_error", status=200, retry_after=None, attempts=1).rate_limited
