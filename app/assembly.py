"""create_app(): the one Bolt app both modes (HTTP and Socket Mode) serve."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App, BoltContext
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

import handlers
from app.scheduler import make_scheduler
from core.db import SessionScope, session_scope_for
from core.fairness import PERSON, FairExecutor, person_of
from core.fetch import make_http_client
from core.settings import Settings
from core.slack import make_client
from handlers.errors import handle_error
from handlers.middleware import attribute_to_token, before_authorize, resolve_request_workspace
from jobs.deps import JobDeps, bind
from jobs.digest import restore_digest_jobs
from jobs.launches import restore_launch_jobs
from jobs.maintenance import retention, schedule_maintenance
from services.installations import DbInstallationStore, DbStateStore
from services.reviewer import CommentReviewer, make_reviewer, prepare_rules
from services.slack_clients import ROTATE_BEFORE_MIN, SlackClients, installation_store
from workers.delivery import DeliveryWorker
from workers.home import HomeRefresher
from workers.inbox import InboxWorker, InboxWriter, WriteTurn
from workers.launches import SubmissionResumer

logger = logging.getLogger(__name__)

LISTENER_THREADS = 16
# What the OAuth install asks for: manifest.yml's bot scopes (a test keeps them equal).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:join",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "reactions:read",
    "users:read",
    "usergroups:read",
    "im:write",
    "files:write",
)
NOT_INSTALLED = (
    "Liaison isn't installed in this workspace (or was removed). "
    "A workspace admin can install it again from the app's install page."
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


@dataclass
class Runtime:
    """What listeners get besides Bolt's own arguments, injected by name through the context."""

    settings: Settings
    engine: Engine
    db: SessionScope
    # Sessions for paths that only read: never queued behind a writer (core/db.py).
    read: SessionScope
    http: httpx.Client
    # The client Bolt copies for each request (with OAuth it carries no token: Bolt sets
    # the request's workspace token on its copy).
    client: WebClient
    # Clients for background work, per workspace (SlackClients.for_team / for_workspace).
    clients: SlackClients
    # The OAuth installation store (None for a single workspace with SLACK_BOT_TOKEN).
    installations: DbInstallationStore | None
    # Bolt runs listeners here, fairly per person; shutdown drains it (SPEC: SIGTERM within 15 s).
    executor: FairExecutor
    worker: DeliveryWorker
    scheduler: BackgroundScheduler
    homes: HomeRefresher
    # Finishes launch submissions a dead process acknowledged but did not finish.
    resumer: SubmissionResumer
    # Reactions are committed here before their ack (group commit) ...
    inbox: InboxWriter
    # ... and applied from the database by these threads, exactly once.
    inbox_worker: InboxWorker
    # The optional model reviewer of comments (None: the rules alone, the default).
    reviewer: CommentReviewer | None = None

    def start_background(self) -> None:
        """Start delivering queued messages and firing scheduled jobs (serve, tests, demo)."""
        # Before any request: compiled on the first comment, the rules stalled every request.
        prepare_rules()
        # Before the scheduler starts: its jobs carry ids only and find the rest here.
        bind(
            JobDeps(
                db=self.db,
                http=self.http,
                clients=self.clients,
                wake=self.worker.wake,
                allow_private=self.settings.liaison_allow_private_urls,
                retention=retention(self.settings),
            )
        )
        self.worker.start()
        self.homes.start()
        self.inbox_worker.start()
        if not self.scheduler.running:
            self.scheduler.start()
        restore_launch_jobs(self.scheduler, db=self.db)
        self.resumer.start()
        restore_digest_jobs(self.scheduler, db=self.db)
        schedule_maintenance(self.scheduler)
        self.worker.wake()

    def stop_background(self, timeout: float = 5.0) -> None:
        """Stop firing jobs and let messages in flight finish."""
        self.resumer.stop(timeout)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        # Events still being stored are committed; stored ones wait for the next start.
        self.inbox.stop(timeout)
        self.inbox_worker.stop(timeout)
        self.homes.stop(timeout)
        self.worker.stop(timeout)


def create_runtime(settings: Settings, engine: Engine) -> Runtime:
    """Build the shared, long-lived parts: session scopes, clients, worker and scheduler."""
    db = session_scope_for(engine)
    read = session_scope_for(engine, read_only=True)
    store = installation_store(settings, db, read)
    worker = DeliveryWorker(
        db=db,
        # The worker sees every refusal itself (a retried post might land twice).
        clients=SlackClients(settings=settings, db=db, store=store, retry=False),
        lock_s=settings.liaison_delivery_lock_seconds,
    )
    clients = SlackClients(settings=settings, db=db, store=store)
    homes = HomeRefresher(db=read, clients=clients)
    http = make_http_client()
    scheduler = make_scheduler(engine)
    resumer = SubmissionResumer(
        db=db,
        clients=clients,
        http=http,
        scheduler=scheduler,
        worker=worker,
        allow_private=settings.liaison_allow_private_urls,
        grace_s=settings.liaison_delivery_lock_seconds,
    )
    # SQLite has one write lock, and a transaction waiting for it sleeps in steps of up to
    # 100 ms: the inbox's writer and workers take turns in-process instead, so an
    # acknowledgement never sleeps behind a vote being recorded.
    sqlite = engine.dialect.name == "sqlite"
    turn = WriteTurn() if sqlite else None
    inbox = InboxWriter(
        db=db, timeout_s=settings.liaison_inbox_write_timeout_seconds, write_turn=turn
    )
    inbox_worker = InboxWorker(
        db=db,
        homes=homes,
        lease_s=settings.liaison_inbox_lease_seconds,
        max_attempts=settings.liaison_inbox_max_attempts,
        poll_s=settings.liaison_inbox_poll_seconds,
        acks_idle_s=inbox.idle_s,
        write_turn=turn,
        # PostgreSQL applies votes in parallel (a lock per person and asset); SQLite has
        # one write lock, which more threads would only queue on.
        threads=2 if sqlite else 4,
    )
    inbox.on_commit = inbox_worker.wake
    return Runtime(
        settings=settings,
        engine=engine,
        db=db,
        read=read,
        http=http,
        # Bolt's: rate limits are waited out only briefly (a person waits for the answer).
        client=make_client(
            token=settings.slack_bot_token if store is None else None,
            base_url=settings.slack_api_url,
            listener=True,
        ),
        clients=clients,
        installations=store,
        # Listeners run in the request's context (their logs carry its id), a few per person
        # at once so that one person's flood never holds every thread.
        executor=FairExecutor(
            LISTENER_THREADS,
            per_person=settings.liaison_listeners_per_person,
            thread_name_prefix="listener",
        ),
        worker=worker,
        scheduler=scheduler,
        homes=homes,
        resumer=resumer,
        inbox=inbox,
        inbox_worker=inbox_worker,
        reviewer=make_reviewer(
            url=settings.liaison_llm_url,
            model=settings.liaison_llm_model,
            api_key=settings.liaison_llm_api_key,
            timeout_s=settings.liaison_llm_timeout_seconds,
        ),
    )


def oauth_settings(runtime: Runtime) -> OAuthSettings | None:
    """Bolt's OAuth flow over our own stores, or None for a single workspace."""
    settings = runtime.settings
    if runtime.installations is None:
        return None
    oauth = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.slack_redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        # /slack/install sends the browser straight on to Slack's consent screen.
        install_page_rendering_enabled=False,
        authorization_url=authorize_url(settings.slack_api_url),
        installation_store=runtime.installations,
        installation_store_bot_only=True,
        state_store=DbStateStore(db=runtime.db, secret=settings.slack_state_secret or ""),
        callback_options=CallbackOptions(success=_installed(runtime), failure=_install_failed),
        # Rotating tokens: refreshed this long before they expire (jobs do the same).
        token_rotation_expiration_minutes=ROTATE_BEFORE_MIN,
    )
    # Bolt's own authorize would refresh rotating tokens at slack.com whatever
    # SLACK_API_URL says: give it our client (base URL and retry handlers).
    oauth.authorize = InstallationStoreAuthorize(
        logger=logging.getLogger("liaison.bolt"),
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        token_rotation_expiration_minutes=ROTATE_BEFORE_MIN,
        installation_store=runtime.installations,
        bot_only=True,
        client=runtime.client,
    )
    return oauth


def _installed(runtime: Runtime) -> Callable[[SuccessArgs], BoltResponse]:
    """On a workspace's install (or reinstall): give it back its scheduled digest, if any."""

    def installed(args: SuccessArgs) -> BoltResponse:
        team = args.installation.team_id or args.installation.enterprise_id
        logger.info("installed in %s", team)
        restore_digest_jobs(runtime.scheduler, db=runtime.db)
        return args.default.success(args)

    return installed


# Why Bolt refuses an install. Anything else is the `error` value Slack's consent screen
# put in the redirect: anyone can send that URL, so it is never written to the log.
INSTALL_FAILURES = frozenset(
    {"invalid_browser", "invalid_state", "missing_code", "invalid_code", "storage_error"}
)


def _install_failed(args: FailureArgs) -> BoltResponse:
    reason = args.reason if args.reason in INSTALL_FAILURES else "an error from the consent screen"
    logger.info("install refused: %s", reason)
    return args.default.failure(args)


def authorize_url(api_url: str) -> str:
    """Slack's consent screen next to its Web API (https://slack.com/oauth/v2/authorize)."""
    return urljoin(api_url, "/oauth/v2/authorize")


# What Bolt (App and OAuthSettings) reads from the environment by itself whenever an
# argument is left out. With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET exported, Bolt even
# builds an OAuth flow of its own, with a file store, and drops the bot token. Our Settings
# read every setting once; Bolt is built where it sees none of these.
BOLT_ENVIRONMENT = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_VERIFICATION_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_SCOPES",
    "SLACK_USER_SCOPES",
    "SLACK_REDIRECT_URI",
    "SLACK_INSTALL_PATH",
    "SLACK_REDIRECT_URI_PATH",
)
_ENVIRONMENT_LOCK = threading.Lock()


@contextmanager
def _hidden_from_bolt() -> Iterator[None]:
    """Take Bolt's environment variables away while Bolt's objects are built."""
    with _ENVIRONMENT_LOCK:
        saved = {name: os.environ.pop(name) for name in BOLT_ENVIRONMENT if name in os.environ}
        try:
            yield
        finally:
            os.environ.update(saved)


def create_app(runtime: Runtime, *, verify_token: bool = True) -> App:
    """Build the Bolt app and register every listener package."""
    settings = runtime.settings
    bolt_logger = logging.getLogger("liaison.bolt")
    with _hidden_from_bolt():
        app = App(
            # The client carries the token, SLACK_API_URL and our retry handlers.
            client=runtime.client,
            signing_secret=settings.slack_signing_secret or "",
            # app/server.py verifies every HTTP request on its raw bytes before Bolt sees
            # it; Bolt checks again (Socket Mode requests carry no signature).
            request_verification_enabled=not settings.socket_mode,
            # Verify the token once here rather than on the first request of each worker.
            token_verification_enabled=verify_token,
            ignoring_self_events_enabled=True,
            logger=bolt_logger,
            listener_executor=runtime.executor,
            oauth_settings=oauth_settings(runtime),
            user_facing_authorize_error_message=NOT_INSTALLED,
            # Which installation a request is for, and where its replies may go.
            before_authorize=before_authorize(
                api_url=settings.slack_api_url,
                installations=runtime.installations,
                db=runtime.read,  # a look-up on every request: never behind a writer
            ),
        )
    single_workspace = runtime.installations is None

    # One global middleware rather than three: Bolt works out each middleware's arguments
    # from its signature on every request, about 0.1 ms each (bench/events.py).
    def prepare(context: BoltContext, body: dict[str, Any], next: Any) -> BoltResponse | None:
        if single_workspace:
            attribute_to_token(context, body)
        # Once the team is final: the workspace, resolved once and injected as `workspace`.
        resolve_request_workspace(context, body, db=runtime.db, read=runtime.read)
        # The person of this request, for the listener pool (Socket Mode too); set on
        # every request, so a reused dispatch thread never keeps the previous person.
        PERSON.set(person_of(body))
        # Bolt runs the listener after this returns, so a `with` here could not span it:
        # we inject the session *scope* and each listener opens exactly one.
        context["db"] = runtime.db
        context["read"] = runtime.read
        context["http"] = runtime.http
        context["settings"] = settings
        context["worker"] = runtime.worker
        context["scheduler"] = runtime.scheduler
        context["homes"] = runtime.homes
        context["inbox"] = runtime.inbox
        context["reviewer"] = runtime.reviewer
        context["clients"] = runtime.clients
        context["installations"] = runtime.installations
        return next()  # type: ignore[no-any-return]

    app.use(prepare)
    app.error(handle_error)
    handlers.register(app)
    return app
