"""The delivery worker: sends outbox messages to Slack, paced per channel, resuming after crashes.

One dispatcher thread claims due messages (at most one per channel at a time, so thread
replies keep their order) and a small pool posts them. A channel is paced at Slack's one
message per second; a 429 puts the message back until its Retry-After has passed while
other channels go on.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.db import SessionScope
from domain.delivery import CHANNEL_INTERVAL_S, Action, decide
from services import delivery, launches
from services.delivery import METADATA_EVENT, Job

logger = logging.getLogger(__name__)

SWEEP_EVERY_S = 30.0
PREPARE_GRACE_S = 120.0  # a submission still PREPARING after this was interrupted
MEMBERSHIP_TTL_S = 600.0  # how long the bot's channel list is trusted
HISTORY_SLACK_S = 120  # look this far before a row's creation when checking what was posted


class DeliveryWorker:
    """Sends queued messages until stopped; safe to run in several processes at once."""

    def __init__(
        self,
        *,
        db: SessionScope,
        client: WebClient,
        lock_s: float,
        threads: int = 16,
        poll_s: float = 1.0,
        channel_interval_s: float = CHANNEL_INTERVAL_S,
    ) -> None:
        self.db, self.client, self.lock_s = db, client, lock_s
        self.threads, self.poll_s = threads, poll_s
        self.channel_interval_s = channel_interval_s
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._in_flight: set[str] = set()
        self._next_allowed: dict[str, float] = {}
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="delivery")
        self._thread: threading.Thread | None = None
        self._last_sweep = 0.0
        self._members: set[str] = set()
        self._members_loaded_at = -MEMBERSHIP_TTL_S

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
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + timeout
        while self._busy() and time.monotonic() < deadline:
            time.sleep(0.05)

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
            try:
                claimed = self.dispatch_once()
            except Exception:
                logger.exception("delivery dispatch failed; retrying shortly")
                claimed = 0
            if claimed:
                continue
            self._wake.wait(self._sleep_s())
            self._wake.clear()

    def _sleep_s(self) -> float:
        """Until the next message comes due, a paced channel frees up, or the poll interval."""
        now = delivery.now_utc()
        try:
            with self.db() as session:
                due = delivery.next_due(session=session, after=now)
        except Exception:
            return self.poll_s
        waits = [self.poll_s]
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
            free = self.threads - len(self._in_flight)
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
            try:
                self._pool.submit(self._send_and_release, job)
            except RuntimeError:  # shutting down: the claim expires and another run resumes it
                with self._lock:
                    self._in_flight.discard(job.channel_id)
        return len(jobs)

    def _start_due_campaigns(self) -> None:
        """Sweep: interrupted submissions, due scheduled launches, unsent summaries."""
        now = delivery.now_utc()
        with self.db() as session:
            stuck = launches.preparing_campaign_ids(
                session=session, older_than=now - timedelta(seconds=PREPARE_GRACE_S)
            )
        for campaign_id in stuck:
            # The submitting process died while reading page titles: go on without them.
            with self.db() as session:
                launches.prepare_campaign(
                    session=session, campaign_id=campaign_id, titles={}, now=now
                )
        with self.db() as session:
            due = launches.due_campaign_ids(session=session, now=now)
        for campaign_id in due:
            with self.db() as session:
                launches.start_due_campaign(session=session, campaign_id=campaign_id, now=now)
        with self.db() as session:
            delivery.finish_stragglers(session=session, now=now)

    def _send_and_release(self, job: Job) -> None:
        try:
            self.send(job)
        except Exception:
            logger.exception("sending outbox message %d failed unexpectedly", job.id)
            with self.db() as session:
                delivery.retry_later(
                    session=session,
                    job_id=job.id,
                    worker_id=self.worker_id,
                    delay_s=5,
                    error="internal error",
                    now=delivery.now_utc(),
                    counts=True,
                    verify_first=True,
                )
        finally:
            with self._lock:
                self._in_flight.discard(job.channel_id)
            self._wake.set()

    # ------------------------------------------------------------------ sending

    def send(self, job: Job) -> None:
        """Post one message (unless it is already there) and record the outcome."""
        if job.kind == launches.REFRESH:
            self._refresh(job)
            return
        if job.verify_first:
            try:
                found = self._find_posted(job)
            except SlackApiError as exc:
                # Not knowing is not "not posted": look again later instead of risking a twin.
                self._record_api_error(job, exc, verify_first=True)
                return
            if found is not None:
                logger.info("outbox message %d was already posted (ts %s)", job.id, found)
                self._record_sent(job, found)
                return
        joined = False
        if job.kind == launches.ANNOUNCEMENT:
            # Reaction votes arrive only from channels the bot is in (SPEC: platform facts).
            joined = self._ensure_member(job.channel_id)
        while True:
            if not self._renew(job):
                return  # another process took the message over; it decides now
            try:
                response = self.client.chat_postMessage(
                    channel=job.channel_id,
                    thread_ts=job.thread_ts,
                    text=job.payload.get("text", ""),
                    blocks=job.payload.get("blocks"),
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata={
                        "event_type": METADATA_EVENT,
                        "event_payload": {"id": job.id, "key": job.dedupe_key},
                    },
                )
            except SlackApiError as exc:
                if exc.response.get("error") == "not_in_channel" and not joined:
                    joined = True
                    if self._join(job.channel_id):
                        continue
                    self._record_refusal(
                        job,
                        decide(error="channel_not_found", status=200, retry_after=None, attempts=1),
                        "not_in_channel",
                        False,
                    )
                    return
                self._record_api_error(job, exc, verify_first=False)
                return
            except OSError as exc:  # timeouts, resets: the post may or may not have landed
                decision = decide(
                    error=None, status=None, retry_after=None, attempts=job.attempts + 1
                )
                self._record_refusal(job, decision, f"network: {type(exc).__name__}", False)
                return
            # Slack counts a channel's rate from when it accepted the post, which is before
            # the answer arrived: pacing from the answer can't be early.
            self._pace(job.channel_id, self.channel_interval_s)
            self._record_sent(job, str(response["ts"]), posted=True)
            return

    def _record_api_error(self, job: Job, exc: SlackApiError, *, verify_first: bool) -> None:
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        error = data.get("error")
        status = exc.response.status_code
        retry_after = _retry_after(exc.response.headers)
        if status == 429:
            self._pace(job.channel_id, retry_after or 1.0)
        decision = decide(
            error=error, status=status, retry_after=retry_after, attempts=job.attempts + 1
        )
        if verify_first and decision.action is not Action.RETRY:
            # The check itself failed for good: the message can't be confirmed either way.
            decision = decide(error=None, status=None, retry_after=None, attempts=job.attempts + 1)
        if decision.action is Action.JOIN_THEN_RETRY:
            decision = decide(error="channel_not_found", status=200, retry_after=None, attempts=1)
        if verify_first and decision.action is Action.RETRY:
            decision = replace(decision, verify_first=True)
        self._record_refusal(job, decision, error or f"HTTP {status}", status == 429)

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

    def _refresh(self, job: Job) -> None:
        """Update a posted announcement with what it should say now."""
        assert job.campaign_id is not None and job.thread_ts is not None
        with self.db() as session:
            rendered = launches.render_announcement(session=session, campaign_id=job.campaign_id)
        if rendered is None or not self._renew(job):
            return
        try:
            self.client.chat_update(
                channel=job.channel_id,
                ts=job.thread_ts,
                text=rendered.get("text", ""),
                blocks=rendered.get("blocks"),
            )
        except SlackApiError as exc:
            self._record_api_error(job, exc, verify_first=False)
            return
        except OSError as exc:
            # An update is idempotent: just try again.
            decision = decide(
                error="network", status=None, retry_after=None, attempts=job.attempts + 1
            )
            self._record_refusal(job, decision, f"network: {type(exc).__name__}", False)
            return
        self._record_sent(job, job.thread_ts)

    def _pace(self, channel_id: str, seconds: float) -> None:
        with self._lock:
            self._next_allowed[channel_id] = max(
                self._next_allowed.get(channel_id, 0.0), time.monotonic() + seconds
            )

    def _ensure_member(self, channel_id: str) -> bool:
        """Join a public channel the bot is not in yet; True when a join was attempted."""
        with self._lock:
            fresh = time.monotonic() - self._members_loaded_at < MEMBERSHIP_TTL_S
            known = channel_id in self._members
        if fresh and known:
            return False
        if not fresh:
            self._load_memberships()
            with self._lock:
                if channel_id in self._members:
                    return False
        return self._join(channel_id) or True

    def _load_memberships(self) -> None:
        members: set[str] = set()
        try:
            for page in self.client.users_conversations(
                types="public_channel,private_channel", exclude_archived=True, limit=999
            ):
                members |= {str(c["id"]) for c in page.get("channels", [])}
        except SlackApiError as exc:
            logger.info("could not list the bot's channels: %s", exc.response.get("error"))
            return
        with self._lock:
            self._members = members
            self._members_loaded_at = time.monotonic()

    def _join(self, channel_id: str) -> bool:
        try:
            self.client.conversations_join(channel=channel_id)
            with self._lock:
                self._members.add(channel_id)
            return True
        except SlackApiError as exc:
            logger.info("could not join %s: %s", channel_id, exc.response.get("error"))
            return False

    def _record_sent(self, job: Job, ts: str, *, posted: bool = False) -> None:
        now = delivery.now_utc()
        pace_s = self.channel_interval_s if posted else 0.0  # refreshes aren't posts
        with self.db() as session:
            delivery.complete(
                session=session,
                job_id=job.id,
                worker_id=self.worker_id,
                ts=ts,
                now=now,
                pace_s=pace_s,
            )
        self._wake.set()

    def _record_refusal(self, job: Job, decision: Any, error: str, rate_limited: bool) -> None:
        now = delivery.now_utc()
        with self.db() as session:
            if decision.action is Action.FAIL:
                delivery.fail(
                    session=session,
                    job_id=job.id,
                    worker_id=self.worker_id,
                    reason=decision.reason,
                    now=now,
                )
            else:
                delivery.retry_later(
                    session=session,
                    job_id=job.id,
                    worker_id=self.worker_id,
                    delay_s=decision.delay_s,
                    error=error,
                    now=now,
                    counts=not rate_limited,
                    verify_first=decision.verify_first,
                )
        self._wake.set()

    def _find_posted(self, job: Job) -> str | None:
        """The ts of this job's message if an earlier attempt did post it (raises if unsure)."""
        if job.kind == launches.SUMMARY:
            return None  # a private note: sending it twice is better than not at all
        oldest = (job.created_at - timedelta(seconds=HISTORY_SLACK_S)).timestamp()
        if job.thread_ts:
            pages = self.client.conversations_replies(
                channel=job.channel_id, ts=job.thread_ts, include_all_metadata=True, limit=200
            )
        else:
            pages = self.client.conversations_history(
                channel=job.channel_id,
                oldest=f"{oldest:.6f}",
                include_all_metadata=True,
                limit=200,
            )
        for page in pages:
            for message in page.get("messages", []):
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if (
                    meta.get("event_type") == METADATA_EVENT
                    and payload.get("id") == job.id
                    and payload.get("key") == job.dedupe_key
                ):
                    return str(message["ts"])
        return None


def _retry_after(headers: Any) -> float | None:
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return float(value) if value is not None else None
    except (TypeError, ValueError, AttributeError):
        return None
