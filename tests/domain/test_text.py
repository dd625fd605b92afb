from __future__ import annotations

import pytest

from domain.permissions import is_workspace_admin, may_configure, may_launch
from domain.text import escape_mrkdwn, one_line, shorten, strip_controls


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b\x07c", "abc"),
        ("keep\ttabs\nand newlines", "keep\ttabs\nand newlines"),
        ("bidi\u202eoverride", "bidioverride"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_strip_controls(raw: str, clean: str) -> None:
    assert strip_controls(raw) == clean


def test_one_line_collapses_whitespace() -> None:
    assert one_line("  a \n\n b\t c ") == "a b c"


def test_escape_mrkdwn_neutralises_special_mentions() -> None:
    assert escape_mrkdwn("<!channel> & <@U123>") == "&lt;!channel&gt; &amp; &lt;@U123&gt;"


def test_shorten() -> None:
    assert shorten("abcdef", 4) == "abc…"
    assert shorten("abc", 4) == "abc"


@pytest.mark.parametrize(
    ("user", "admin"),
    [
        ({"is_admin": True}, True),
        ({"is_owner": True}, True),
        ({"is_primary_owner": True}, True),
        ({}, False),
        ({"is_admin": True, "deleted": True}, False),
        ({"is_admin": True, "is_bot": True}, False),
        ({"is_admin": True, "is_restricted": True}, False),
    ],
)
def test_is_workspace_admin(user: dict[str, bool], admin: bool) -> None:
    assert is_workspace_admin(user) is admin


def test_named_admins_may_configure_but_not_deleted_ones() -> None:
    assert may_configure({}, named_admin=True)
    assert not may_configure({}, named_admin=False)
    assert not may_configure({"deleted": True}, named_admin=True)


@pytest.mark.parametrize(
    ("user", "policy", "named", "group", "allowed"),
    [
        ({"id": "U1"}, "everyone", frozenset(), None, True),
        ({"id": "U1"}, "named", frozenset({"U1"}), None, True),
        ({"id": "U2"}, "named", frozenset({"U1"}), None, False),
        ({"id": "U2", "is_admin": True}, "named", frozenset({"U1"}), None, True),
        ({"id": "U3"}, "usergroup", frozenset(), frozenset({"U3"}), True),
        ({"id": "U4"}, "usergroup", frozenset(), frozenset({"U3"}), False),
        ({"id": "U4"}, "usergroup", frozenset(), None, False),
        ({"id": "U1", "deleted": True}, "everyone", frozenset(), None, False),
        ({"id": "U1", "is_bot": True}, "everyone", frozenset(), None, False),
    ],
)
def test_may_launch(
    user: dict[str, object],
    policy: str,
    named: frozenset[str],
    group: frozenset[str] | None,
    allowed: bool,
) -> None:
    assert may_launch(user=user, policy=policy, named=named, group_members=group) is allowed
