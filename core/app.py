"""create_app(): the one Bolt app both modes (HTTP and Socket Mode) serve."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App, BoltContext
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

import handlers
from core.db import SessionScope, session_scope_for
from core.errors import handle_error
from core.fetch import make_http_client
from core.scheduler import make_scheduler
from core.settings import Settings
from core.slack import make_client
from jobs.context import install
from jobs.delivery import DeliveryWorker
from jobs.digest import restore_digest_jobs
from jobs.home import HomeRefresher
from jobs.launches import restore_launch_jobs
from jobs.maintenance import schedule_maintenance
from jobs.votes import VoteRecorder

logger = logging.getLogger(__name__)

LISTENER_THREADS = 16


@dataclass
class Runtime:
    """What listeners get besides Bolt's own arguments, injected by name through the context."""

    settings: Settings
    engine: Engine
    db: SessionScope
    http: httpx.Client
    client: WebClient
    # Bolt runs listeners here after the ack; shutdown drains it (SPEC: SIGTERM within 15 s).
    executor: ThreadPoolExecutor
    worker: DeliveryWorker
    scheduler: BackgroundScheduler
    homes: HomeRefresher
    votes: VoteRecorder

    def start_background(self) -> None:
        """Start delivering queued messages and firing scheduled jobs (serve, tests, demo)."""
        install(self)
        self.worker.start()
        self.homes.start()
        if not self.scheduler.running:
            self.scheduler.start()
        restore_launch_jobs(self.scheduler)
        restore_digest_jobs(self.scheduler)
        schedule_maintenance(self.scheduler)
        self.worker.wake()

    def stop_background(self, timeout: float = 5.0) -> None:
        """Stop firing jobs and let messages in flight finish."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.votes.stop(timeout)
        self.homes.stop(timeout)
        self.worker.stop(timeout)


def create_runtime(settings: Settings, engine: Engine) -> Runtime:
    """Build the shared, long-lived parts: session scopes, clients, worker and scheduler."""
    db = session_scope_for(engine)
    worker = DeliveryWorker(
        db=db,
        client=make_client(
            token=settings.slack_bot_token, base_url=settings.slack_api_url, retry=False
        ),
        lock_s=settings.liaison_delivery_lock_seconds,
    )
    client = make_client(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    homes = HomeRefresher(db=db, client=client)
    return Runtime(
        settings=settings,
        engine=engine,
        db=db,
        http=make_http_client(),
        client=client,
        executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener"),
        worker=worker,
        scheduler=make_scheduler(engine),
        homes=homes,
        votes=VoteRecorder(db=db, homes=homes),
    )


class _SkipClientTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it does."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def create_app(runtime: Runtime, *, verify_token: bool = True) -> App:
    """Build the Bolt app and register every listener package."""
    settings = runtime.settings
    bolt_logger = logging.getLogger("liaison.bolt")
    if not any(isinstance(f, _SkipClientTokenWarning) for f in bolt_logger.filters):
        bolt_logger.addFilter(_SkipClientTokenWarning())
    app = App(
        # The client carries the token, SLACK_API_URL and our retry handlers.
        client=runtime.client,
        signing_secret=settings.slack_signing_secret or "",
        # Socket Mode requests carry no signature; HTTP ones are always verified.
        request_verification_enabled=not settings.socket_mode,
        # Verify the token once here rather than on the first request of each worker.
        token_verification_enabled=verify_token,
        ignoring_self_events_enabled=True,
        logger=bolt_logger,
        listener_executor=runtime.executor,
    )

    def inject(context: BoltContext, next: Any) -> BoltResponse | None:
        # Bolt runs the listener after this returns, so a `with` here could not span it:
        # we inject the session *scope* and each listener opens exactly one.
        context["db"] = runtime.db
        context["http"] = runtime.http
        context["settings"] = settings
        context["worker"] = runtime.worker
        context["scheduler"] = runtime.scheduler
        context["homes"] = runtime.homes
        context["votes"] = runtime.votes
        return next()  # type: ignore[no-any-return]

    app.use(inject)
    app.error(handle_error)
    handlers.register(app)
    return app
