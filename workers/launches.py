"""The launch resumer: finishes launch submissions a dead process left PREPARING."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import httpx
from apscheduler.schedulers.base import BaseScheduler
from slack_sdk.errors import SlackApiError

from core.db import SessionScope
from models import as_utc
from services import delivery, launches
from services.scheduling import Waker, schedule_launch
from services.slack_clients import NotInstalled, SlackClients
from services.submissions import finish_submission

logger = logging.getLogger(__name__)

RESUME_EVERY_S = 5.0
MAX_BACKOFF_S = 300.0  # a submission Slack keeps failing is tried at least this often
GIVE_UP_S = 3600.0  # after this, a submission that still can't be finished is dropped


def _reason(error: Exception) -> str:
    """Why a submission could not be finished, as its marketer reads it."""
    if isinstance(error, SlackApiError):
        return f"Slack kept failing ({error.response.get('error') or error.response.status_code})"
    return f"Liaison couldn't finish it ({type(error).__name__})"


class SubmissionResumer:
    """Finishes launch submissions a dead process left PREPARING, looking every few seconds.

    A submission is left to the process that acknowledged it for the delivery lock's time
    (LIAISON_DELIVERY_LOCK_SECONDS); after that that process is taken to have died. A
    second run on a submission still in progress is harmless: finishing is idempotent.
    A thread of its own (not a scheduler job), so a slow users.info never holds up other
    jobs, and stopping waits for it before the database goes away.
    """

    def __init__(
        self,
        *,
        db: SessionScope,
        clients: SlackClients,
        http: httpx.Client,
        scheduler: BaseScheduler,
        worker: Waker,
        allow_private: bool,
        grace_s: float,
        every_s: float = RESUME_EVERY_S,
    ) -> None:
        self.db, self.clients, self.http = db, clients, http
        self.scheduler, self.worker = scheduler, worker
        self.allow_private, self.grace_s, self.every_s = allow_private, grace_s, every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Submissions that failed to finish: when to try each again, and the last wait.
        self._next_try: dict[int, float] = {}
        self._backoff: dict[int, float] = {}

    def start(self) -> None:
        """Start looking (the first time at once: a restart resumes without delay)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="launch-resume", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop looking; waits for a run in progress up to `timeout` seconds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _failed(self, pending: launches.Submission, error: Exception) -> None:
        """Try again later, less and less often; after GIVE_UP_S, drop it and tell the marketer."""
        campaign_id = pending.campaign_id
        if delivery.now_utc() - as_utc(pending.created_at) > timedelta(seconds=GIVE_UP_S):
            with self.db() as session:
                dropped = launches.abandon_campaign(
                    session=session, campaign_id=campaign_id, reason=_reason(error)
                )
            logger.warning("launch %d abandoned: %s", campaign_id, _reason(error))
            self._next_try.pop(campaign_id, None)
            if dropped:
                self.worker.wake()
            return
        # Slack still refusing (rate limited) or unreachable: a later look tries again.
        logger.warning("resuming launch %d failed; trying again later", campaign_id, exc_info=True)
        wait = min(MAX_BACKOFF_S, 2 * self._backoff.get(campaign_id, self.every_s / 2))
        self._backoff[campaign_id] = wait
        self._next_try[campaign_id] = time.monotonic() + wait

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.resume_once()
            except Exception:
                logger.exception("looking for interrupted launches failed")
            self._stop.wait(self.every_s)

    def resume_once(self) -> int:
        """Finish what is overdue now; returns how many submissions were finished."""
        now = delivery.now_utc()
        with self.db() as session:
            stuck = launches.preparing_campaign_ids(
                session=session, older_than=now - timedelta(seconds=self.grace_s)
            )
        finished = 0
        for campaign_id in stuck:
            if self._stop.is_set():
                break
            if self._resume(campaign_id):
                finished += 1
        if finished:
            self.worker.wake()
        return finished

    def _resume(self, campaign_id: int) -> bool:
        with self.db() as session:
            pending = launches.preparing_submission(session=session, campaign_id=campaign_id)
        if pending is None:
            return False
        if time.monotonic() < self._next_try.get(campaign_id, 0.0):
            return False
        try:
            done = finish_submission(
                client=self.clients.for_team(pending.workspace.team_id),
                db=self.db,
                http=self.http,
                allow_private=self.allow_private,
                campaign_id=campaign_id,
                now=delivery.now_utc(),
            )
        except NotInstalled:
            logger.info("launch %d: its workspace uninstalled Liaison", campaign_id)
            return False
        except Exception as error:
            self._failed(pending, error)
            return False
        self._next_try.pop(campaign_id, None)
        if done is None:
            return False
        logger.info("resumed interrupted launch %d", campaign_id)
        if done.scheduled_for is not None:
            schedule_launch(self.scheduler, campaign_id, done.scheduled_for)
        return True
