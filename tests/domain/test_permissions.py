"""domain.permissions: guests and other organisations' people, digest readers, shared channels."""

from __future__ import annotations

from typing import Any

import pytest

from domain.permissions import (
    is_outsider,
    is_shared_externally,
    may_configure,
    may_launch,
    may_read_digest,
)

TEAM = "T0OURS"
MEMBER = {"id": "U1", "team_id": TEAM}
ADMIN = {"id": "U2", "team_id": TEAM, "is_admin": True}
GUEST = {"id": "U3", "team_id": TEAM, "is_restricted": True}
SINGLE = {"id": "U4", "team_id": TEAM, "is_restricted": True, "is_ultra_restricted": True}
PARTNER = {"id": "U5", "team_id": "T0THEIRS"}
PARTNER_ADMIN = {"id": "U6", "team_id": "T0THEIRS", "is_admin": True}
STRANGER = {"id": "U7", "is_stranger": True}
GRID = {"id": "U8", "team_id": "T0SISTER", "enterprise_user": {"enterprise_id": "E1", "teams": []}}


@pytest.mark.parametrize(
    ("user", "key", "outsider"),
    [
        (MEMBER, TEAM, False),
        (ADMIN, TEAM, False),
        (GUEST, TEAM, True),
        (SINGLE, TEAM, True),
        (PARTNER, TEAM, True),
        (PARTNER_ADMIN, TEAM, True),
        (STRANGER, TEAM, True),
        (GRID, "E1", False),  # an org-wide install's member, from a sister workspace
        (GRID, TEAM, True),
        ({**GRID, "enterprise_user": {"enterprise_id": "E1", "teams": [TEAM]}}, TEAM, False),
        (MEMBER, None, False),  # nothing to compare: only guest status decides
        ({"id": "U9"}, TEAM, False),
    ],
)
def test_outsiders(user: dict[str, Any], key: str | None, outsider: bool) -> None:
    assert is_outsider(user, workspace_key=key) is outsider


@pytest.mark.parametrize("user", [GUEST, SINGLE, PARTNER, PARTNER_ADMIN, STRANGER])
def test_outsiders_never_launch_configure_or_read_the_digest(user: dict[str, Any]) -> None:
    assert not may_launch(
        user=user,
        policy="everyone",
        named=frozenset({user["id"]}),
        group_members=None,
        workspace_key=TEAM,
    )
    assert not may_configure(user, named_admin=True, workspace_key=TEAM)
    assert not may_read_digest(user, named_admin=True, in_digest_channel=True, workspace_key=TEAM)


@pytest.mark.parametrize(
    ("user", "named", "in_channel", "allowed"),
    [
        (MEMBER, False, False, False),
        (MEMBER, False, True, True),
        (MEMBER, True, False, True),
        (ADMIN, False, False, True),
        ({**ADMIN, "deleted": True}, False, True, False),
        ({**MEMBER, "is_bot": True}, True, True, False),
    ],
)
def test_who_reads_the_digest(
    user: dict[str, Any], named: bool, in_channel: bool, allowed: bool
) -> None:
    got = may_read_digest(user, named_admin=named, in_digest_channel=in_channel, workspace_key=TEAM)
    assert got is allowed


@pytest.mark.parametrize(
    ("channel", "shared"),
    [
        ({"is_ext_shared": True}, True),
        ({"is_pending_ext_shared": True}, True),
        ({"pending_shared": ["T0THEIRS"]}, True),
        ({"is_shared": True, "is_org_shared": True, "is_ext_shared": False}, False),
        ({"pending_shared": []}, False),
        ({}, False),
    ],
)
def test_externally_shared_channels(channel: dict[str, Any], shared: bool) -> None:
    assert is_shared_externally(channel) is shared
