"""The delivery worker: sends outbox messages to Slack, paced per channel, resuming after crashes.

One dispatcher thread claims due messages (at most one per channel at a time, so thread
replies keep their order) and a small pool posts them. A channel is paced at Slack's one
message per second; a 429 puts the message back until its Retry-After has passed while
other channels go on.

The dispatcher is this process's only writer of outbox rows: senders do no database work
on the common path but hand what became of each message back to it, and it records
everything that came back since its last look in one transaction before claiming more.
SQLite has a single writer, so sixteen threads each committing their own post would queue
for its lock (and its busy handler sleeps); a row is settled only after that commit, and
its channel stays busy until then, so nothing is claimed twice and a crash before the
commit leaves the row `sending`, to be checked before it is posted again.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.db import SessionScope
from domain.delivery import (
    CHANNEL_INTERVAL_S,
    Action,
    Decision,
    decide_no_answer,
    decide_refusal,
    find_post,
    history_oldest,
    post_metadata,
    retry_after_s,
)
from models import OutboxKind
from services import delivery, launches
from services.delivery import NOT_LOOKED_FOR, Failed, Job, Outcome, Retry, Sent
from services.slack_clients import NotInstalled, SlackClients

logger = logging.getLogger(__name__)

SWEEP_EVERY_S = 30.0
SETTLE_RETRY_S = 1.0  # after the database refused a settlement, try it again this soon
MEMBERSHIP_TTL_S = 600.0  # how long the bot's channel list is trusted


class DeliveryWorker:
    """Sends queued messages until stopped; safe to run in several processes at once."""

    def __init__(
        self,
        *,
        db: SessionScope,
        clients: SlackClients,
        lock_s: float,
        threads: int = 16,
        poll_s: float = 1.0,
        channel_interval_s: float = CHANNEL_INTERVAL_S,
    ) -> None:
        self.db, self.clients, self.lock_s = db, clients, lock_s
        self.threads, self.poll_s = threads, poll_s
        self.channel_interval_s = channel_interval_s
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        # Channels with a message claimed by this worker and not yet settled.
        self._in_flight: set[str] = set()
        self._sending = 0  # messages handed to the pool whose sender has not finished
        # What became of each message sent, waiting for the dispatcher to record it
        # (None: the claim was lost to another process, nothing to record).
        self._outcomes: queue.SimpleQueue[tuple[Job, Outcome | None]] = queue.SimpleQueue()
        self._unsettled: list[tuple[Job, Outcome | None]] = []
        self._settle_after = 0.0
        self._next_allowed: dict[str, float] = {}
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="delivery")
        self._thread: threading.Thread | None = None
        self._last_sweep = 0.0
        # The bot's channels in each workspace, and when each list was loaded.
        self._members: dict[int, set[str]] = {}
        self._members_loading = threading.Lock()
        self._members_loaded_at: dict[int, float] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start dispatching in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="delivery-dispatcher", daemon=True
            )
            self._thread.start()

    def wake(self) -> None:
        """Look for due messages now (new ones were queued)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop claiming, let sends in flight finish for up to `timeout` seconds."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)
        # The dispatcher is gone: record what the senders still finish here.
        while True:
            self._settle(force=True)
            if not self._busy() or time.monotonic() >= deadline:
                break
            self._wake.wait(0.05)
            self._wake.clear()

    def _busy(self) -> bool:
        with self._lock:
            return bool(self._in_flight)

    def idle(self) -> bool:
        """True when nothing is in flight and nothing is due or waiting."""
        if self._busy():
            return False
        with self.db() as session:
            return delivery.pending_count(session=session) == 0

    # ------------------------------------------------------------------ dispatching

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before looking: a wake from here on is not missed
            # Claim first: a thread is free as soon as its send returns.
            try:
                claimed = self.dispatch_once()
            except Exception:
                logger.exception("delivery dispatch failed; retrying shortly")
                claimed = 0
            try:
                more_due = self._settle()
            except Exception:  # settle() keeps what it could not record; this is a bug
                logger.exception("recording delivery outcomes failed")
                more_due = False
            if claimed or more_due or not self._outcomes.empty():
                continue
            self._wake.wait(self._sleep_s())

    def _settle(self, *, force: bool = False) -> bool:
        """Record, in one transaction, what became of the messages sent since last time.

        True when that may have made a message due at once (a campaign's summary, the next
        message of a channel that isn't paced): claim again before sleeping.
        """
        batch, self._unsettled = self._unsettled, []
        while True:
            try:
                batch.append(self._outcomes.get_nowait())
            except queue.Empty:
                break
        if not batch:
            return False
        outcomes = [outcome for _, outcome in batch if outcome is not None]
        if outcomes and (force or time.monotonic() >= self._settle_after):
            try:
                with self.db() as session:
                    done = delivery.settle(
                        session=session,
                        worker_id=self.worker_id,
                        outcomes=outcomes,
                        now=delivery.now_utc(),
                    )
            except Exception:
                # Keep them (and their channels busy): the rows stay `sending` under this
                # worker's lock meanwhile, and if the lock runs out first, whoever takes a
                # row over looks in Slack before posting it again.
                logger.exception("recording %d delivery outcome(s) failed", len(outcomes))
                self._unsettled = batch
                self._settle_after = time.monotonic() + SETTLE_RETRY_S
                return False
        elif outcomes:
            self._unsettled = batch
            return False
        else:
            done = []
        with self._lock:
            for job, _ in batch:
                self._in_flight.discard(job.channel_id)
        # A paced post makes nothing due now (its channel waits); anything else might.
        return bool(done) or any(not (isinstance(o, Sent) and o.pace_s > 0) for o in outcomes)

    def _sleep_s(self) -> float:
        """Until the next message comes due, a paced channel frees up, or the poll interval."""
        now = delivery.now_utc()
        try:
            with self.db() as session:
                due = delivery.next_due(session=session, after=now)
        except Exception:
            return self.poll_s
        waits = [self.poll_s]
        if self._unsettled:
            waits.append(self._settle_after - time.monotonic())
        if due is not None:
            waits.append((due - now).total_seconds())
        mono = time.monotonic()
        with self._lock:
            waits += [at - mono for at in self._next_allowed.values() if at > mono]
        return max(0.005, min(waits))

    def dispatch_once(self) -> int:
        """Claim what is due now and hand it to the senders; returns how many were claimed."""
        now_mono = time.monotonic()
        if now_mono - self._last_sweep > SWEEP_EVERY_S:
            self._last_sweep = now_mono
            self._start_due_campaigns()
        with self._lock:
            # A thread is free once its send returns, before the outcome is recorded.
            free = self.threads - self._sending
            self._next_allowed = {c: at for c, at in self._next_allowed.items() if at > now_mono}
            paced = set(self._next_allowed)
            busy = frozenset(self._in_flight | paced)
        if free <= 0:
            return 0
        with self.db() as session:
            jobs = delivery.claim(
                session=session,
                worker_id=self.worker_id,
                now=delivery.now_utc(),
                lock_s=self.lock_s,
                limit=free,
                busy_channels=busy,
            )
        for job in jobs:
            with self._lock:
                self._in_flight.add(job.channel_id)
                self._sending += 1
            try:
                future = self._pool.submit(self._send_and_release, job)
            except RuntimeError:  # shutting down: the claim expires and another run resumes it
                with self._lock:
                    self._in_flight.discard(job.channel_id)
                    self._sending -= 1
                continue
            future.add_done_callback(self._release_if_cancelled(job))
        return len(jobs)

    def _release_if_cancelled(self, job: Job) -> Callable[[Future[None]], None]:
        def release(future: Future[None]) -> None:
            if future.cancelled():  # never started (stop): the claim expires, a rerun resumes
                with self._lock:
                    self._in_flight.discard(job.channel_id)
                    self._sending -= 1

        return release

    def _start_due_campaigns(self) -> None:
        """Sweep: due scheduled launches, unsent summaries.

        (Interrupted submissions need Slack calls, users.info, to finish: the resumer
        in workers/launches.py does that, off this thread.)
        """
        now = delivery.now_utc()
        with self.db() as session:
            due = launches.due_campaign_ids(session=session, now=now)
        for campaign_id in due:
            with self.db() as session:
                launches.start_due_campaign(session=session, campaign_id=campaign_id, now=now)
        with self.db() as session:
            delivery.finish_stragglers(session=session, now=now)

    def _send_and_release(self, job: Job) -> None:
        outcome: Outcome | None
        try:
            outcome = self.send(job)
        except Exception:
            logger.exception("sending outbox message %d failed unexpectedly", job.id)
            outcome = Retry(
                job_id=job.id, delay_s=5, error="internal error", counts=True, verify_first=True
            )
        # The dispatcher records it and frees the channel (until then it stays busy).
        self._outcomes.put((job, outcome))
        with self._lock:
            self._sending -= 1
        self._wake.set()

    # ------------------------------------------------------------------ sending

    def send(self, job: Job) -> Outcome | None:
        """Post one message (unless it is already there); returns what became of it.

        None: this worker lost the claim to another process, which decides now.
        """
        try:
            client = self.clients.for_workspace(job.workspace_id)
        except NotInstalled:
            # Uninstalled (or its tokens revoked): nothing can be posted there any more.
            return Failed(job_id=job.id, reason="Liaison is no longer installed in this workspace")
        if job.kind == OutboxKind.REFRESH:
            return self._refresh(job, client)
        if job.verify_first:
            try:
                found = self._find_posted(job, client)
            except SlackApiError as exc:
                # Not knowing is not "not posted": look again later instead of risking a twin.
                return self._api_error(job, exc, verify_first=True, method="conversations.history")
            if found is not None:
                logger.info("outbox message %d was already posted (ts %s)", job.id, found)
                return Sent(job_id=job.id, ts=found, at=delivery.now_utc())
        joined, join_refused = False, None
        if job.kind == OutboxKind.ANNOUNCEMENT:
            # Reaction votes arrive only from channels the bot is in (SPEC: platform facts).
            joined, join_refused = self._ensure_member(job, client)
        while True:
            if not self._renew(job):
                return None  # another process took the message over; it decides now
            try:
                response = client.chat_postMessage(
                    channel=job.channel_id,
                    thread_ts=job.thread_ts,
                    text=job.payload.get("text", ""),
                    blocks=job.payload.get("blocks"),
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=post_metadata(job_id=job.id, dedupe_key=job.dedupe_key),
                )
            except SlackApiError as exc:
                if exc.response.get("error") == "not_in_channel" and not joined:
                    joined = True
                    refused = self._join(job.workspace_id, job.channel_id, client)
                    if refused is None:
                        continue
                    return self._api_error(job, refused, verify_first=False, joining=True)
                if exc.response.get("error") == "not_in_channel" and join_refused is not None:
                    # Why the join before the post failed says what to do (wait, give up).
                    return self._api_error(job, join_refused, verify_first=False, joining=True)
                return self._api_error(job, exc, verify_first=False)
            except OSError as exc:  # timeouts, resets: the post may or may not have landed
                decision = decide_no_answer(method="chat.postMessage", attempts=job.attempts + 1)
                return _refusal(job, decision, f"network: {type(exc).__name__}")
            # Slack counts a channel's rate from when it accepted the post, which is before
            # the answer arrived: pacing from the answer can't be early. The database pace
            # (for every process) starts from the same instant, not from when it is written.
            at = delivery.now_utc()
            self._pace(job.channel_id, self.channel_interval_s)
            return Sent(
                job_id=job.id, ts=str(response["ts"]), at=at, pace_s=self.channel_interval_s
            )

    def _api_error(
        self,
        job: Job,
        exc: SlackApiError,
        *,
        verify_first: bool,
        method: str = "chat.postMessage",
        joining: bool = False,
    ) -> Outcome:
        """What Slack's refusal means for the message (domain.delivery decides it)."""
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        error = data.get("error")
        status = exc.response.status_code
        decision = decide_refusal(
            method=method,
            error=error,
            status=status,
            retry_after=retry_after_s(exc.response.headers),
            attempts=job.attempts + 1,
            verifying=verify_first,
            joining=joining,
        )
        if decision.rate_limited:
            # A 429 or a `rate_limited` body: hold the channel back, as Slack asks.
            self._pace(job.channel_id, decision.delay_s)
        return _refusal(job, decision, error or f"HTTP {status}")

    def _renew(self, job: Job) -> bool:
        if time.monotonic() - job.claimed_at < self.lock_s / 3:
            return True  # just claimed: the lock has plenty of time left
        with self.db() as session:
            return delivery.renew(
                session=session,
                job_id=job.id,
                worker_id=self.worker_id,
                now=delivery.now_utc(),
                lock_s=self.lock_s,
            )

    def _refresh(self, job: Job, client: WebClient) -> Outcome | None:
        """Update a posted announcement with what it should say now."""
        assert job.campaign_id is not None and job.thread_ts is not None
        with self.db() as session:
            rendered = launches.render_announcement(session=session, campaign_id=job.campaign_id)
        if rendered is None or not self._renew(job):
            return None
        try:
            client.chat_update(
                channel=job.channel_id,
                ts=job.thread_ts,
                text=rendered.get("text", ""),
                blocks=rendered.get("blocks"),
            )
        except SlackApiError as exc:
            return self._api_error(job, exc, verify_first=False, method="chat.update")
        except OSError as exc:
            # An update is idempotent: just try again.
            decision = decide_no_answer(method="chat.update", attempts=job.attempts + 1)
            return _refusal(job, decision, f"network: {type(exc).__name__}")
        # Refreshes aren't posts: no pacing.
        return Sent(job_id=job.id, ts=job.thread_ts, at=delivery.now_utc())

    def _pace(self, channel_id: str, seconds: float) -> None:
        with self._lock:
            self._next_allowed[channel_id] = max(
                self._next_allowed.get(channel_id, 0.0), time.monotonic() + seconds
            )

    def _ensure_member(self, job: Job, client: WebClient) -> tuple[bool, SlackApiError | None]:
        """Join a public channel the bot is not in yet: whether a join was attempted, and
        Slack's refusal if it failed."""
        workspace, channel_id = job.workspace_id, job.channel_id
        with self._lock:
            fresh = self._members_fresh(workspace)
            known = channel_id in self._members.get(workspace, ())
        if fresh and known:
            return False, None
        if not fresh:
            # One listing at a time: a fan-out's first announcements all get here at once.
            with self._members_loading:
                with self._lock:
                    fresh = self._members_fresh(workspace)
                if not fresh:
                    self._load_memberships(workspace, client)
            with self._lock:
                if channel_id in self._members.get(workspace, ()):
                    return False, None
        return True, self._join(workspace, channel_id, client)

    def _members_fresh(self, workspace: int) -> bool:
        loaded = self._members_loaded_at.get(workspace, -MEMBERSHIP_TTL_S)
        return time.monotonic() - loaded < MEMBERSHIP_TTL_S

    def _load_memberships(self, workspace: int, client: WebClient) -> None:
        members: set[str] = set()
        try:
            for page in client.users_conversations(
                types="public_channel,private_channel", exclude_archived=True, limit=999
            ):
                members |= {str(c["id"]) for c in page.get("channels", [])}
        except SlackApiError as exc:
            logger.info("could not list the bot's channels: %s", exc.response.get("error"))
            return
        with self._lock:
            self._members[workspace] = members
            self._members_loaded_at[workspace] = time.monotonic()

    def _join(self, workspace: int, channel_id: str, client: WebClient) -> SlackApiError | None:
        """Join a channel; None when joined, else Slack's refusal."""
        try:
            client.conversations_join(channel=channel_id)
            with self._lock:
                self._members.setdefault(workspace, set()).add(channel_id)
            return None
        except SlackApiError as exc:
            logger.info("could not join %s: %s", channel_id, exc.response.get("error"))
            return exc

    def _find_posted(self, job: Job, client: WebClient) -> str | None:
        """The ts of this job's message if an earlier attempt did post it (raises if unsure)."""
        if job.kind in NOT_LOOKED_FOR:
            return None
        if job.thread_ts:
            pages = client.conversations_replies(
                channel=job.channel_id, ts=job.thread_ts, include_all_metadata=True, limit=200
            )
        else:
            pages = client.conversations_history(
                channel=job.channel_id,
                oldest=history_oldest(job.created_at),
                include_all_metadata=True,
                limit=200,
            )
        for page in pages:
            found = find_post(page.get("messages", []), job_id=job.id, dedupe_key=job.dedupe_key)
            if found is not None:
                return found
        return None


def _refusal(job: Job, decision: Decision, error: str) -> Outcome:
    """The outcome of a message Slack did not take (being told to wait uses no attempt)."""
    if decision.action is Action.FAIL:
        return Failed(job_id=job.id, reason=decision.reason)
    return Retry(
        job_id=job.id,
        delay_s=decision.delay_s,
        error=error,
        counts=not decision.rate_limited,
        verify_first=decision.verify_first,
    )
