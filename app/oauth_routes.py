"""GET /slack/install and /slack/oauth_redirect: Bolt's OAuth flow behind our ASGI server.

Bolt does the work (a one-time `state` in our database plus a browser cookie, the code
exchanged at oauth.v2.access, the install saved encrypted); these routes only carry the
browser's request in and Bolt's answer out, cookies included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from slack_bolt import App, BoltRequest, BoltResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MAX_QUERY_CHARS = 4096  # a real callback's query (code and state) is a few hundred


def oauth_routes(app: App) -> list[Route]:
    """The two OAuth routes when the app has an OAuth flow, else none."""
    flow = app.oauth_flow
    if flow is None:
        return []

    def route(handle: Callable[[BoltRequest], BoltResponse]) -> Callable[..., object]:
        async def endpoint(request: Request) -> Response:
            query = request.url.query
            if len(query) > MAX_QUERY_CHARS:
                return Response("request too long", status_code=414, media_type="text/plain")
            headers: dict[str, str | Sequence[str]] = dict(request.headers.items())
            bolt_request = BoltRequest(body="", query=query, headers=headers)
            return _to_response(await run_in_threadpool(handle, bolt_request))

        return endpoint

    return [
        Route(flow.install_path, route(flow.handle_installation), methods=["GET"]),
        Route(flow.redirect_uri_path, route(flow.handle_callback), methods=["GET"]),
    ]


def _to_response(bolt: BoltResponse) -> Response:
    response = Response(content=bolt.body, status_code=bolt.status)
    for name, values in bolt.headers.items():
        if name.lower() == "content-length":
            continue
        for value in values:
            # Set-Cookie may come more than once (the state cookie, and its deletion).
            response.raw_headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    return response
