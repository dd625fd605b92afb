"""The HTTP face of the app: POST /slack/events, GET /healthz and GET /metrics, for uvicorn."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING, BaseScheduler
from prometheus_client import generate_latest
from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.request.internals import build_context
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.gauges import app_registry, oldest_due_seconds
from core.fairness import PERSON, PersonGate, person_of
from core.logs import REQUEST_ID, current_request_id, new_request_id
from core.metrics import (
    CONTENT_TYPE,
    HTTP_REQUESTS,
    SLACK_ACK_SECONDS,
    SLACK_REQUESTS,
    SLACK_UNVERIFIED,
    slack_request_kind,
)
from core.verify import Refusal, Signature, check_headers
from models import utcnow

logger = logging.getLogger(__name__)

# Slack's own payloads are far smaller; anything bigger is not from Slack.
MAX_BODY_BYTES = 1_000_000
# Slack sends a whole request at once and wants its answer within 3 s: a body still
# arriving after this long is not Slack's, and its connection is closed.
BODY_DEADLINE_S = 5.0
# Bytes received but not yet verified, over every connection at once. Someone who cannot
# sign can make a process hold this much at most (it is freed when each request ends).
UNVERIFIED_BUDGET_BYTES = 16 * 1024 * 1024
FORM = "application/x-www-form-urlencoded"
REQUEST_ID_HEADER = "X-Request-Id"

# Answers some verified JSON bodies before Bolt: the status to send, or None (Bolt's).
Intake = Callable[[Mapping[str, Any]], Awaitable[int | None]]
# Only a body with one of these in it is offered to the intake (the rest skip a JSON parse).
INTAKE_MARKERS = ('"reaction_added"', '"reaction_removed"')


class MalformedRequest(ValueError):
    """A body that is neither a Slack form nor a Slack JSON object."""


def to_bolt_request(
    body: str, *, query: str, headers: dict[str, str | Sequence[str]]
) -> BoltRequest:
    """Build Bolt's request, keeping slash commands whose text mentions "payload".

    slack-bolt's parse_body treats any form body containing the text "payload" as an
    interactivity payload, so `/feedback PD-3 down payload section is wrong` would arrive
    empty and be dropped. A real interactivity body has a `payload` field; a command never does.
    """
    try:
        # A logger from the start: Bolt logs through the context's while building it (a view
        # submission with several response URLs), before App.dispatch sets one.
        request = BoltRequest(body=body, query=query, headers=headers, context=_context())
    except (ValueError, TypeError, AttributeError, LookupError, RecursionError) as exc:
        # RecursionError: JSON nested past Python's recursion limit (json.loads gives up).
        raise MalformedRequest(type(exc).__name__) from None
    if not isinstance(request.body, dict):
        raise MalformedRequest("body is not an object")
    if not _readable(request.body):
        raise MalformedRequest("body lacks the parts its type needs")
    if "payload" in body and (request.content_type or "").startswith(FORM):
        form = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" not in form:
            request.body = form
            request.context = build_context(BoltContext(_context()), form)
    return request


# The part each kind of Slack body cannot do without, and its type. Bolt indexes these
# without checking; signed bodies without them (only a forger or a fuzzer sends those)
# would end as a traceback in the log instead of a plain 400.
_NEEDS: dict[str, tuple[str, type]] = {
    "block_actions": ("actions", list),
    "view_submission": ("view", dict),
    "view_closed": ("view", dict),
    "event_callback": ("event", dict),
    "shortcut": ("callback_id", str),
    "message_action": ("callback_id", str),
}


def _readable(body: dict[str, Any]) -> bool:
    """False for a Slack body missing the part its type is read by."""
    need = _NEEDS.get(str(body.get("type")))
    if need is None:
        return True
    key, kind = need
    value = body.get(key)
    if not isinstance(value, kind):
        return False
    if isinstance(value, list):  # actions: at least one, each an object
        return bool(value) and all(isinstance(action, dict) for action in value)
    return True


def _context() -> dict[str, Any]:
    return {"logger": logging.getLogger("liaison.bolt")}


def describe(body: dict[str, Any]) -> dict[str, str]:
    """What a Slack request is, for the log: kind, command/event/ids, never what anyone typed."""
    kind = slack_request_kind(body)
    event = body.get("event") if isinstance(body.get("event"), dict) else None
    view = body.get("view") if isinstance(body.get("view"), dict) else None
    actions = body.get("actions") if isinstance(body.get("actions"), list) else None
    first = actions[0] if actions and isinstance(actions[0], dict) else {}
    fields: dict[str, Any] = {"kind": kind}
    if kind == "command":
        fields["command"] = body.get("command")
    elif kind == "event":
        fields["event"] = (event or {}).get("type") or body.get("type")
        fields["event_id"] = body.get("event_id")
    elif kind == "action":
        fields["action_id"] = first.get("action_id")
        fields["callback_id"] = body.get("callback_id")
    elif kind == "view":
        fields["callback_id"] = (view or {}).get("callback_id")
    elif kind == "options":
        fields["action_id"] = body.get("action_id")
        fields["callback_id"] = body.get("callback_id")
    elif kind == "shortcut":
        fields["callback_id"] = body.get("callback_id")
    return {k: str(v)[:80] for k, v in fields.items() if isinstance(v, str | int) and v != ""}


def _to_response(bolt: BoltResponse) -> Response:
    headers = {k: v[0] for k, v in bolt.headers.items() if v and k.lower() != "content-length"}
    body = bolt.body
    if bolt.status >= 400:
        # Bolt's refusals are JSON objects ({"error": "invalid request"}): add our reference.
        try:
            refusal = json.loads(body)
        except ValueError:
            refusal = None
        if isinstance(refusal, dict):
            body = json.dumps({**refusal, "ref": current_request_id()})
    return Response(content=body, status_code=bolt.status, headers=headers)


def _refuse(text: str, status: int, *, close: bool = False) -> Response:
    """A 4xx/5xx whose body names the request id, to find its log lines.

    `close`: the body was not read, so the connection cannot carry another request.
    """
    logger.info("refused a request: %s", text, extra={"status": status})
    headers = {"Connection": "close"} if close else None
    return PlainTextResponse(
        f"{text} (ref {current_request_id()})", status_code=status, headers=headers
    )


async def _offer(intake: Intake, body: str, request: Request) -> tuple[dict[str, Any], int] | None:
    """The intake's answer to a verified body it may take (with the body read), or None."""
    if not any(marker in body for marker in INTAKE_MARKERS):
        return None
    if not request.headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None  # Bolt's reading refuses it with a 400, as any other
    if not isinstance(parsed, dict):
        return None
    status = await intake(parsed)
    return None if status is None else (parsed, status)


class _Budget:
    """Bytes held for requests not yet verified; used from the event loop only."""

    def __init__(self, limit: int) -> None:
        self.limit, self.held = limit, 0

    def take(self, amount: int) -> bool:
        if self.held + amount > self.limit:
            return False
        self.held += amount
        return True

    def give(self, amount: int) -> None:
        self.held -= amount


def _unverified(reason: str, text: str, status: int = 401) -> Response:
    """Refuse a request Slack did not (or could not be shown to) sign: one INFO line, cheap."""
    SLACK_UNVERIFIED.labels(reason=reason).inc()
    return _refuse(text, status, close=True)


async def _read_signed_body(
    request: Request, *, secret: str | None, budget: _Budget
) -> bytes | Response:
    """The raw body, once its signature is shown to be Slack's; else the refusal to send.

    In order: the declared size, both signature headers (form and five-minute window),
    then the body, read within BODY_DEADLINE_S and a shared memory budget, hashed as it
    comes. Nothing here parses the body or logs what it says.
    """
    if not secret:
        return _unverified("signature", Refusal.NO_SECRET)
    declared = request.headers.getlist("content-length")
    if len(declared) != 1 or not declared[0].isascii() or not declared[0].isdigit():
        return _unverified("size", "a single Content-Length is required", 411)
    length = int(declared[0]) if len(declared[0]) <= 12 else MAX_BODY_BYTES + 1
    if length > MAX_BODY_BYTES:
        return _unverified("size", "request body too large", 413)
    timestamps = request.headers.getlist("x-slack-request-timestamp")
    signatures = request.headers.getlist("x-slack-signature")
    refusal = check_headers(timestamps, signatures, now=time.time())
    if refusal is not None:
        reason = "timestamp" if refusal in (Refusal.BAD_TIMESTAMP, Refusal.STALE) else "signature"
        return _unverified(reason, f"invalid request: {refusal}")
    signed = Signature(secret, timestamps[0])
    raw = bytearray()
    try:
        async with asyncio.timeout(BODY_DEADLINE_S):
            async for chunk in request.stream():
                if len(raw) + len(chunk) > length:
                    return _unverified("size", "body longer than its Content-Length", 400)
                # What is held is what arrived: a sender that trickles holds next to nothing.
                if not budget.take(len(chunk)):
                    return _unverified("busy", "too many requests in progress, try again", 503)
                raw += chunk
                signed.update(chunk)
    except TimeoutError:
        return _unverified("slow", "request body too slow", 408)
    except ClientDisconnect:
        return _unverified("size", "client went away", 400)
    finally:
        budget.give(len(raw))
    if len(raw) != length:
        return _unverified("size", "body shorter than its Content-Length", 400)
    if not signed.matches(signatures[0]):
        return _unverified("signature", f"invalid request: {Refusal.MISMATCH}")
    return bytes(raw)


class RequestContext:
    """ASGI middleware: a request id per request (context, logs, `X-Request-Id`), counted.

    An error nothing else caught becomes a 500 naming the request id, logged once.
    """

    def __init__(self, app: ASGIApp, *, paths: frozenset[str]) -> None:
        self.app, self.paths = app, paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        token = REQUEST_ID.set(request_id)
        path = str(scope.get("path", ""))
        route = path if path in self.paths else "other"
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
                # Counted before the answer goes out, so a scrape right after it sees it.
                HTTP_REQUESTS.labels(route=route, status=str(message["status"])).inc()
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled error serving %s", route)
            if started:
                raise  # the answer has begun: nothing more can be said over HTTP
            await _refuse("internal error", 500)(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


def scheduler_state(scheduler: BaseScheduler | None) -> str | None:
    """`running`, `paused` or `stopped` (None: this server runs no scheduler)."""
    if scheduler is None:
        return None
    state = scheduler.state
    return "running" if state == STATE_RUNNING else "paused" if state == STATE_PAUSED else "stopped"


def check_database(engine: Engine, *, now: datetime | None = None) -> tuple[bool, float | None]:
    """Whether the database answers, and how long the oldest due outbox message has waited."""
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            return True, oldest_due_seconds(connection, now=now or utcnow())
    except sa.exc.SQLAlchemyError:
        return False, None


def create_asgi(
    app: App,
    *,
    engine: Engine,
    scheduler: BaseScheduler | None = None,
    signing_secret: str | None,
    routes: Sequence[BaseRoute] = (),
    metrics_token: str | None = None,
    metrics_port: int | None = None,
    per_person: int = 4,
    intake: Intake | None = None,
) -> ASGIApp:
    """The ASGI application serving one Bolt app, its health checks and its metrics.

    `signing_secret`: every POST /slack/events is verified with it before anything else
    (None: every one is refused).
    `scheduler`: reported by /readyz and /metrics (a stopped one fails /readyz).
    `metrics_port`: requests that arrive on this local port (a loopback listener) see
    /metrics and nothing else. On the public port, /metrics needs `metrics_token` as
    `Authorization: Bearer <token>`, and without a token it is not served there at all.
    `routes`: more routes (e.g. OAuth install and redirect), served and counted alike.
    `per_person`: how many of one person's Slack requests are dispatched at once; the rest
    of theirs wait on the event loop (no thread held), so others' requests go first.
    `intake`: offered verified Events API bodies that may be reactions, before Bolt; what
    it answers goes back as is (handlers.events.reactions.ReactionIntake).
    """

    budget = _Budget(UNVERIFIED_BUDGET_BYTES)
    gate = PersonGate(per_person)

    async def slack_events(request: Request) -> Response:
        started = time.perf_counter()
        # Verified before anything (SPEC): the headers first, then the raw bytes as they
        # arrive; nothing reads, parses or acts on a body that Slack did not sign.
        raw = await _read_signed_body(request, secret=signing_secret, budget=budget)
        if isinstance(raw, Response):
            return raw
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _refuse("request body is not UTF-8", 400)
        taken = await _offer(intake, body, request) if intake is not None else None
        if taken is not None:
            parsed, status = taken
            about = describe(parsed)
            response = Response(status_code=status)
        else:
            headers: dict[str, str | Sequence[str]] = dict(request.headers.items())
            try:
                bolt_request = to_bolt_request(body, query=request.url.query, headers=headers)
            except MalformedRequest:
                return _refuse("malformed request body", 400)
            about = describe(bolt_request.body)
            response = await dispatch(bolt_request, about)
        retry = request.headers.get("x-slack-retry-num")
        if retry and retry.isdigit():
            about["retry_num"] = retry
        elapsed = time.perf_counter() - started
        SLACK_REQUESTS.labels(kind=about["kind"], status=str(response.status_code)).inc()
        SLACK_ACK_SECONDS.labels(kind=about["kind"]).observe(elapsed)
        names = [v for k, v in about.items() if k not in ("kind", "event_id", "retry_num")]
        logger.info(
            "slack %s %s: %d in %.0f ms",
            about["kind"],
            names[0] if names else "-",
            response.status_code,
            elapsed * 1000,
            extra={**about, "status": response.status_code, "ms": round(elapsed * 1000, 1)},
        )
        return response

    async def dispatch(bolt_request: BoltRequest, about: dict[str, str]) -> Response:
        person = person_of(bolt_request.body)
        # Bolt's listener pool reads the person from the context (core/fairness.py).
        PERSON.set(person)
        try:
            async with gate.admit(person):
                # Bolt's dispatch blocks (DB, Slack calls before ack): keep it off the event
                # loop. The thread runs in a copy of this context, request id included.
                bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        except Exception:
            # Bolt itself choked on the payload's shape (listener errors never get here).
            logger.exception("could not dispatch a Slack request", extra=about)
            return _refuse("malformed request", 400)
        return _to_response(bolt_response)

    async def livez(_: Request) -> Response:
        # The process is up and its event loop answers: nothing else is asked.
        return JSONResponse({"ok": True})

    async def readyz(_: Request) -> Response:
        database_ok, oldest_due_s = await run_in_threadpool(check_database, engine)
        schedule = scheduler_state(scheduler)
        healthy = database_ok and schedule in (None, "running")
        body: dict[str, Any] = {"ok": healthy, "database": "ok" if database_ok else "down"}
        if schedule is not None:
            body["scheduler"] = schedule
        if database_ok:
            body["outbox_oldest_due_s"] = round(oldest_due_s, 1) if oldest_due_s else 0.0
        return JSONResponse(body, 200 if healthy else 503)

    async def public_metrics(request: Request) -> Response:
        if metrics_token is None:
            return _refuse("metrics are served on the loopback port (LIAISON_METRICS_PORT)", 404)
        if not hmac.compare_digest(
            request.headers.get("authorization", "").encode("latin-1", "replace"),
            f"Bearer {metrics_token}".encode(),
        ):
            return _refuse("metrics need the bearer token (LIAISON_METRICS_TOKEN)", 401)
        return await metrics(request)

    def scheduler_running() -> bool | None:
        schedule = scheduler_state(scheduler)
        return None if schedule is None else schedule == "running"

    registry = app_registry(engine, scheduler_running)

    async def metrics(_: Request) -> Response:
        # Collecting reads the database: off the event loop.
        body = await run_in_threadpool(generate_latest, registry)
        return Response(body, headers={"content-type": CONTENT_TYPE})

    every = [
        Route("/slack/events", slack_events, methods=["POST"]),
        Route("/livez", livez, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        # Kept for the load balancers and scripts that know it: readiness, as /readyz.
        Route("/healthz", readyz, methods=["GET", "HEAD"]),
        Route("/metrics", public_metrics, methods=["GET"]),
        *routes,
    ]
    paths = frozenset(str(getattr(r, "path", "")) for r in every) - {""}
    public = Starlette(routes=every, middleware=[Middleware(RequestContext, paths=paths)])
    if metrics_port is None:
        return public
    private = Starlette(
        routes=[Route("/metrics", metrics, methods=["GET"])],
        middleware=[Middleware(RequestContext, paths=frozenset({"/metrics"}))],
    )
    return _ByLocalPort(public, private=private, port=metrics_port)


class _ByLocalPort:
    """Send requests that arrived on one local port (the metrics listener) to their own app."""

    def __init__(self, public: ASGIApp, *, private: ASGIApp, port: int) -> None:
        self.public, self.private, self.port = public, private, port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server") if scope["type"] == "http" else None
        local_port = server[1] if isinstance(server, tuple | list) and len(server) == 2 else None
        app = self.private if local_port == self.port else self.public
        await app(scope, receive, send)
