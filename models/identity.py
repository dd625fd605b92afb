"""Which Liaison workspace something acts on: one value, resolved once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WorkspaceRef:
    """A workspace row's id and the Slack team (or enterprise) id it belongs to.

    Resolved once per request (handlers.middleware) or per job, then passed down: services
    act on `id` without looking the team up again, and keep `team_id` for what is keyed by
    Slack (the client for the team, log lines).
    """

    id: int
    team_id: str
