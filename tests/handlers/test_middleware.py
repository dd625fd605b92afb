"""The workspace middleware: resolved once per request, injected into listeners by name."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from slack_bolt import Ack, BoltContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import session_scope_for
from handlers.errors import NO_WORKSPACE, require_workspace
from handlers.middleware import resolve_request_workspace
from models import Workspace, WorkspaceRef
from sandbox import SlackDriver, block_actions, event_callback, reaction_added
from sandbox.constants import TEAM_ID
from services.errors import UserError
from services.workspaces import find_workspace, resolve_workspace
from tests.support.serving import Served
from tests.support.waiting import wait_until

PROBE = "liaison_test_probe"


def _workspaces(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [w.team_id for w in session.exec(select(Workspace)).all()]


def test_a_signed_request_reaches_its_listener_with_the_resolved_workspace(
    served: Served, slack: SlackDriver, engine: Engine
) -> None:
    seen: list[WorkspaceRef | None] = []

    def probe(ack: Ack, workspace: WorkspaceRef | None) -> None:
        seen.append(workspace)
        ack()

    served.app.action(PROBE)(probe)
    payload = block_actions(user_id="U0REP1", actions=[{"action_id": PROBE, "value": "1"}])
    assert slack.interactive(payload).status_code == 200
    wait_until(lambda: seen, what="the probe listener")
    with Session(engine) as session:
        stored = find_workspace(session=session, team_id=TEAM_ID)
    assert stored is not None and seen == [stored]  # created on first contact, then injected
    assert slack.interactive(payload).status_code == 200
    wait_until(lambda: len(seen) == 2, what="the second request")
    assert seen[1] == stored and _workspaces(engine) == [TEAM_ID]  # found, not created again


@contextmanager
def _never() -> Iterator[Session]:
    raise AssertionError("the database was queried")
    yield  # pragma: no cover


def test_a_request_naming_no_team_gets_no_workspace_and_the_clear_answer() -> None:
    context = BoltContext()
    resolve_request_workspace(context, {"type": "block_actions"}, db=_never, read=_never)
    assert context["workspace"] is None
    with pytest.raises(UserError, match=NO_WORKSPACE):
        require_workspace(context["workspace"])


@pytest.mark.parametrize("kind", ["reaction_added", "app_uninstalled", "tokens_revoked"])
def test_inbox_and_lifecycle_events_are_not_resolved_nor_queried(kind: str) -> None:
    event: dict[str, Any] = (
        reaction_added(user="U0REP1", reaction="+1", channel="C0SALES", ts="1.000100")
        if kind == "reaction_added"
        else {"type": kind}
    )
    context = BoltContext(team_id=TEAM_ID)
    resolve_request_workspace(context, event_callback(event), db=_never, read=_never)
    assert context["workspace"] is None


def test_two_first_contacts_at_once_create_one_workspace(engine: Engine) -> None:
    db, read = session_scope_for(engine), session_scope_for(engine, read_only=True)
    start = threading.Barrier(2)
    found: list[WorkspaceRef] = []

    def contact() -> None:
        start.wait()
        found.append(resolve_workspace(db=db, read=read, team_id="T0FIRST"))

    threads = [threading.Thread(target=contact) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(found) == 2 and found[0] == found[1]
    assert found[0].team_id == "T0FIRST" and _workspaces(engine) == ["T0FIRST"]
