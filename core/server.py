"""The HTTP face of the app: POST /slack/events and GET /healthz, as an ASGI app for uvicorn."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.request.internals import build_context
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from core.db import ping

logger = logging.getLogger(__name__)

# Slack's own payloads are far smaller; anything bigger is not from Slack.
MAX_BODY_BYTES = 1_000_000
FORM = "application/x-www-form-urlencoded"


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
        request = BoltRequest(body=body, query=query, headers=headers)
    except (ValueError, TypeError, AttributeError) as exc:
        raise MalformedRequest(str(exc)[:200]) from None
    if not isinstance(request.body, dict):
        raise MalformedRequest("body is not an object")
    if "payload" in body and (request.content_type or "").startswith(FORM):
        form = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" not in form:
            request.body = form
            request.context = build_context(BoltContext(), form)
    return request


def _to_response(bolt: BoltResponse) -> Response:
    headers = {k: v[0] for k, v in bolt.headers.items() if v and k.lower() != "content-length"}
    return Response(content=bolt.body, status_code=bolt.status, headers=headers)


def create_asgi(app: App, *, engine: Engine) -> Starlette:
    """The ASGI application serving one Bolt app."""

    async def slack_events(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and not declared.isdigit():
            return PlainTextResponse("invalid Content-Length", status_code=400)
        if declared is not None and int(declared) > MAX_BODY_BYTES:
            return PlainTextResponse("request body too large", status_code=413)
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                return PlainTextResponse("request body too large", status_code=413)
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return PlainTextResponse("request body is not UTF-8", status_code=400)
        headers: dict[str, str | Sequence[str]] = dict(request.headers.items())
        try:
            bolt_request = to_bolt_request(body, query=request.url.query, headers=headers)
        except MalformedRequest:
            return PlainTextResponse("malformed request body", status_code=400)
        try:
            # Bolt's dispatch blocks (DB, Slack calls before ack): keep it off the event loop.
            bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        except Exception:
            # Bolt itself choked on the payload's shape (listener errors never get here).
            ref = uuid.uuid4().hex[:8]
            logger.exception("could not dispatch a request ref=%s", ref)
            return PlainTextResponse(f"malformed request (ref {ref})", status_code=400)
        return _to_response(bolt_response)

    async def healthz(_: Request) -> Response:
        healthy = await run_in_threadpool(ping, engine)
        status = 200 if healthy else 503
        return JSONResponse({"ok": healthy, "database": "ok" if healthy else "down"}, status)

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET", "HEAD"]),
        ]
    )
