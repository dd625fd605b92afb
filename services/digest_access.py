"""Who may read or post the digest on demand, and where the digest may go.

SPEC (blame-free rule 7): `digest now` and `digest preview` are for Liaison admins (Slack's
workspace admins and owners, and the people they name) and the members of the digest
channel; never guests or people of another organisation; and the digest never goes into
a channel shared with another organisation unless an admin allowed it with
`/liaison digest shared allow`. Slack is asked before any transaction opens.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.db import SessionScope
from domain.configuration import Outcome, Result
from domain.permissions import is_outsider, is_shared_externally, may_read_digest
from models import WorkspaceRef
from services.access import get_user
from services.workspaces import is_named_admin, load_workspace

MEMBER_PAGES = 20  # conversations.members pages of 1,000: channels up to 20,000 people


def is_channel_member(*, client: WebClient, channel_id: str, user_id: str) -> bool:
    """True when the person is in the channel (False when the app can't see it)."""
    cursor = ""
    for _ in range(MEMBER_PAGES):
        try:
            page = client.conversations_members(channel=channel_id, limit=1000, cursor=cursor)
        except SlackApiError:
            return False
        if user_id in (page.get("members") or []):
            return True
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            return False
    return False


def channel_info(*, client: WebClient, channel_id: str) -> dict[str, Any] | None:
    """The channel's conversations.info object, or None when the app can't see it."""
    try:
        channel: dict[str, Any] = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError:
        return None
    return channel


def shared_channel_refused(*, client: WebClient, channel_id: str, allowed: bool) -> Outcome | None:
    """The refusal to post the digest in a channel shared with another organisation.

    None when the digest may go there: the channel is the workspace's own, or an admin
    allowed shared channels. A channel the app cannot look at is not refused here: the
    post itself will say why it failed.
    """
    if allowed:
        return None
    info = channel_info(client=client, channel_id=channel_id)
    if info is not None and is_shared_externally(info):
        return Outcome(Result.DIGEST_SHARED_REFUSED, channel_id=channel_id)
    return None


def digest_refusal(
    *,
    client: WebClient,
    db: SessionScope,
    workspace: WorkspaceRef,
    user_id: str,
    channel_id: str,
    posting: bool,
) -> Outcome | None:
    """Why this person may not have the digest here (None: they may).

    `posting`: `digest now` posts into `channel_id`, where everyone in it reads it.
    """
    try:
        actor = get_user(client=client, user_id=user_id)
    except SlackApiError:
        # Slack won't say who this is (a stranger from another organisation).
        return Outcome(Result.DIGEST_REFUSED_GUEST)
    with db() as session:
        named = is_named_admin(session=session, workspace=workspace, user_id=user_id)
        stored = load_workspace(session=session, workspace=workspace)
        digest_channel = stored.digest_channel_id
        shared_allowed = stored.digest_shared_allowed
    if is_outsider(actor, workspace_key=workspace.team_id):
        return Outcome(Result.DIGEST_REFUSED_GUEST)
    in_channel = False
    if not may_read_digest(
        actor, named_admin=named, in_digest_channel=False, workspace_key=workspace.team_id
    ):
        in_channel = digest_channel is not None and is_channel_member(
            client=client, channel_id=digest_channel, user_id=user_id
        )
        if not may_read_digest(
            actor, named_admin=named, in_digest_channel=in_channel, workspace_key=workspace.team_id
        ):
            return Outcome(Result.DIGEST_REFUSED, channel_id=digest_channel or "")
    if posting:
        return shared_channel_refused(client=client, channel_id=channel_id, allowed=shared_allowed)
    return None


_IN_FLIGHT: set[tuple[str, str]] = set()
_IN_FLIGHT_LOCK = threading.Lock()


@contextmanager
def one_digest_at_a_time(workspace: WorkspaceRef, user_id: str) -> Iterator[bool]:
    """Yields False when this person already has a digest being prepared (this process).

    A digest takes seconds (link checks, listing people); one person asking twenty times
    must not hold twenty listener threads.
    """
    key = (workspace.team_id, user_id)
    with _IN_FLIGHT_LOCK:
        busy = key in _IN_FLIGHT
        if not busy:
            _IN_FLIGHT.add(key)
    try:
        yield not busy
    finally:
        if not busy:
            with _IN_FLIGHT_LOCK:
                _IN_FLIGHT.discard(key)
