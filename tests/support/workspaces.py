"""Workspace identities for tests that call services directly (as the middleware gives them)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import WorkspaceRef
from services.workspaces import ensure_workspace, ref_of, workspace_by_id

# No workspace row has this id: a ref to a workspace forgotten since it was resolved.
GONE_ID = 2_000_000_000


def workspace_ref(source: Engine | Session, team_id: str) -> WorkspaceRef:
    """The team's workspace, created on first contact, as handlers.middleware resolves it."""
    if isinstance(source, Session):
        return ref_of(ensure_workspace(session=source, team_id=team_id))
    with Session(source, expire_on_commit=False) as session:
        return ref_of(ensure_workspace(session=session, team_id=team_id))


def gone_workspace(team_id: str) -> WorkspaceRef:
    """A ref whose row does not exist (never stored, or forgotten since)."""
    return WorkspaceRef(id=GONE_ID, team_id=team_id)


def ref_by_id(source: Engine | Session, workspace_id: int) -> WorkspaceRef:
    """The identity of a workspace row the test holds by id (a gone one's, if none has it)."""
    if isinstance(source, Session):
        found = workspace_by_id(session=source, workspace_id=workspace_id)
    else:
        with Session(source) as session:
            found = workspace_by_id(session=session, workspace_id=workspace_id)
    return found if found is not None else WorkspaceRef(id=workspace_id, team_id="T0GONE")
