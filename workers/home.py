"""Publishing App Home tabs in the background, a burst of changes coalesced per person."""

from __future__ import annotations

import logging
import threading
import time

from blocks.home import build_home
from core.db import SessionScope
from models import utcnow
from services.home import has_visited, home_data
from services.slack_clients import NotInstalled, SlackClients
from services.workspaces import find_workspace

logger = logging.getLogger(__name__)


class HomeRefresher:
    """Republishes someone's home tab a moment after their data changed.

    Votes arrive in bursts; publishing once per burst keeps views.publish calls (a Tier 4
    method) proportional to people, not to events. Only people who have opened the home
    tab are refreshed.
    """

    def __init__(self, *, db: SessionScope, clients: SlackClients, delay_s: float = 1.0) -> None:
        self._db = db
        self._clients = clients
        self._delay_s = delay_s
        self._due: dict[tuple[str, str], float] = {}
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def refresh(self, team_id: str, user_id: str) -> None:
        """Ask for a refresh of this person's home tab (coalesced within the delay)."""
        with self._lock:
            self._due.setdefault((team_id, user_id), time.monotonic() + self._delay_s)
            self._lock.notify()

    def start(self) -> None:
        """Start the publishing thread."""
        if self._thread is not None:
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="home-refresh", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Publish what is due now and stop."""
        with self._lock:
            self._stopping = True
            self._lock.notify()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _next_batch(self) -> list[tuple[str, str]] | None:
        with self._lock:
            while True:
                now = time.monotonic()
                ready = [k for k, due in self._due.items() if due <= now or self._stopping]
                if ready:
                    for key in ready:
                        del self._due[key]
                    return ready
                if self._stopping:
                    return None
                wait = min(self._due.values(), default=now + 60) - now
                self._lock.wait(max(wait, 0.01))

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            for team_id, user_id in batch:
                try:
                    self.publish(team_id, user_id)
                except Exception:  # one person's failed refresh never stops the others
                    logger.warning("home refresh failed", exc_info=True)

    def publish(self, team_id: str, user_id: str) -> None:
        """Publish the home tab now, if this person has ever opened it."""
        with self._db() as session:
            workspace = find_workspace(session=session, team_id=team_id)
            if workspace is None or not has_visited(
                session=session, workspace=workspace, user_id=user_id
            ):
                return
            data = home_data(session=session, workspace=workspace, user_id=user_id, now=utcnow())
        try:
            client = self._clients.for_team(team_id)
        except NotInstalled:
            return  # uninstalled since: there is no home tab to refresh
        client.views_publish(user_id=user_id, view=build_home(data))
