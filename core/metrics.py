"""Prometheus metrics: the counters and histograms of what this process saw.

Counters and histograms count what this process saw (HTTP requests, Slack acks, Slack Web
API responses). The outbox, digest and inbox gauges are read from the database at scrape
time (app/gauges.py, which also builds each app's registry). Labels are fixed vocabularies
(routes, request kinds, API method names, statuses): never a team, user or channel.
prometheus_client keeps the counts and writes the exposition.
"""

from __future__ import annotations

import re
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

# The text format /metrics has always served; the library's newest (1.0.0) would make
# scrapers that pin 0.0.4 fall back.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
_METHOD = re.compile(r"^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$")

# No `_created` gauge beside every counter and histogram: the exposed names stay the ones
# the README lists, and Prometheus' text format has no use for them.
disable_created_metrics()  # type: ignore[no-untyped-call]

# ---------------------------------------------------------------- this process's metrics

# Registered in no registry here: each app's registry (app_registry, app/gauges.py) takes
# them, so every app built in one process (tests) shows the same process-wide counts
# without clashing.
HTTP_REQUESTS = Counter(
    "liaison_http_requests_total",
    "HTTP requests received, by route and status.",
    ("route", "status"),
    registry=None,
)
SLACK_REQUESTS = Counter(
    "liaison_slack_requests_total",
    "Requests from Slack answered (acknowledged or refused), by kind and HTTP status.",
    ("kind", "status"),
    registry=None,
)
SLACK_ACK_SECONDS = Histogram(
    "liaison_slack_ack_seconds",
    "Time from receiving a Slack request to answering it (Slack allows 3 s), by kind.",
    ("kind",),
    buckets=ACK_BUCKETS,
    registry=None,
)
SLACK_API_REQUESTS = Counter(
    "liaison_slack_api_requests_total",
    "Slack Web API HTTP requests made (each retry counts), by method and outcome "
    "(ok, error, rate_limited, server_error, http_error, network).",
    ("method", "outcome"),
    registry=None,
)
SLACK_API_RATE_LIMITED = Counter(
    "liaison_slack_api_rate_limited_total",
    "HTTP 429 responses received from the Slack Web API, by method.",
    ("method",),
    registry=None,
)
SLACK_UNVERIFIED = Counter(
    "liaison_slack_unverified_total",
    "Requests to /slack/events refused before their body was read or parsed, by reason "
    "(signature, timestamp, size, slow, busy).",
    ("reason",),
    registry=None,
)
PROCESS_METRICS = (
    HTTP_REQUESTS,
    SLACK_REQUESTS,
    SLACK_UNVERIFIED,
    SLACK_ACK_SECONDS,
    SLACK_API_REQUESTS,
    SLACK_API_RATE_LIMITED,
    # process_* (CPU, memory, open files, start time: read from /proc, so on Linux only)
    ProcessCollector(registry=None),
    # python_info
    PlatformCollector(registry=None),
)


def api_method(url: str) -> str:
    """The Web API method a request URL names (`chat.postMessage`), else `other`."""
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return name if len(name) <= 64 and _METHOD.match(name) else "other"


# Slack's documented `rate_limited` error arrives as an HTTP 200 body (`ratelimited` too).
RATE_LIMITED_ERRORS = frozenset({"rate_limited", "ratelimited"})


def record_slack_api_response(
    *, url: str, status: int | None, ok: bool | None, error: str | None = None
) -> None:
    """Count one Slack Web API response (status None: the connection failed; `error` the
    body's error code)."""
    method = api_method(url)
    if status is None:
        outcome = "network"
    elif status == 429:
        outcome = "rate_limited"
        SLACK_API_RATE_LIMITED.labels(method=method).inc()
    elif ok is False and error in RATE_LIMITED_ERRORS:
        outcome = "rate_limited"
    elif status >= 500:
        outcome = "server_error"
    elif status >= 400:
        outcome = "http_error"
    else:
        outcome = "error" if ok is False else "ok"
    SLACK_API_REQUESTS.labels(method=method, outcome=outcome).inc()


def slack_request_kind(body: Any) -> str:
    """What a parsed Slack request body is: command, event, action, view, options, shortcut."""
    if not isinstance(body, dict):
        return "other"
    if "command" in body:
        return "command"
    kind = body.get("type")
    if kind in ("event_callback", "url_verification", "app_rate_limited"):
        return "event"
    if kind in ("block_actions", "interactive_message"):
        return "action"
    if kind in ("view_submission", "view_closed"):
        return "view"
    if kind in ("block_suggestion", "dialog_suggestion"):
        return "options"
    if kind in ("shortcut", "message_action"):
        return "shortcut"
    return "other"
