"""The Slack Web API client, at SLACK_API_URL, retrying 429s, 5xx and lost connections."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookClient, WebhookResponse

from core.metrics import record_slack_api_response

logger = logging.getLogger(__name__)

# slack_sdk retries only connection errors unless told otherwise (SPEC: platform facts).
RATE_LIMIT_RETRIES = 5
SERVER_ERROR_RETRIES = 2
CONNECTION_RETRIES = 2
TIMEOUT_S = 10


class CountingHandler(RetryHandler):
    """Counts every Slack Web API response and lost connection for /metrics; never retries.

    slack_sdk asks its retry handlers about every response (success, HTTP error or
    exception) in turn until one retries, so a handler placed first sees every attempt,
    retries included. Handlers also travel: Bolt gives each request a fresh WebClient with
    a copy of the app client's handler list, so listeners' calls are counted too.
    """

    def __init__(self) -> None:
        super().__init__(max_retry_count=0)

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        """Record the attempt; False, always: the handlers after this one decide."""
        try:
            body = response.body if response and isinstance(response.body, dict) else {}
            ok, code = body.get("ok"), body.get("error")
            record_slack_api_response(
                url=request.url,
                status=response.status_code if response is not None else None,
                ok=ok if isinstance(ok, bool) else None,
                error=code if isinstance(code, str) else None,
            )
        except Exception:  # counting must never break a call to Slack
            logger.debug("could not count a Slack API response", exc_info=True)
        return False


# Listeners answer people, who wait for the answer: a 429 asking for longer than this is
# reported to the person rather than waited out on one of the few listener threads.
LISTENER_RATE_LIMIT_WAIT_S = 2


class BriefRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Waits out a 429 only when its Retry-After is short."""

    def __init__(self, *, max_wait_s: int, retries: int = 1) -> None:
        super().__init__(max_retry_count=retries)
        self.max_wait_s = max_wait_s

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        waits = [v for k, v in response.headers.items() if k.lower() == "retry-after"]
        first = waits[0][0] if waits and waits[0] else "1"
        return first.isdigit() and int(first) <= self.max_wait_s


def make_client(
    *, token: str | None, base_url: str, retry: bool = True, listener: bool = False
) -> WebClient:
    """A WebClient whose 429s wait for Retry-After and whose 5xx and drops retry.

    `retry=False` is for the delivery worker: a retried post might land twice, so it sees
    every refusal itself and checks before posting again. `listener=True` is for the
    client Bolt copies for each request: rate limits are waited out only briefly.
    """
    rate_limits: RetryHandler = (
        BriefRateLimitRetryHandler(max_wait_s=LISTENER_RATE_LIMIT_WAIT_S)
        if listener
        else RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
    )
    retries: list[RetryHandler] = [
        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        rate_limits,
        ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
    ]
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=TIMEOUT_S,
        # Never None (that would get slack_sdk's default connection retries): without
        # `retry` the list holds only the counter, which retries nothing.
        retry_handlers=[CountingHandler(), *(retries if retry else [])],
    )


# Behind a modal that is already open (its "Loading…" view) the person sees that Liaison is
# working, and views.update has no 3-second deadline: rate limits are waited out longer.
MODAL_RATE_LIMIT_WAIT_S = 10
MODAL_RATE_LIMIT_RETRIES = 3


def patient_copy(client: WebClient) -> WebClient:
    """The same client (token, URL, counting) waiting out longer rate limits, for the
    lookups done behind an open modal."""
    counting = [h for h in client.retry_handlers if isinstance(h, CountingHandler)]
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        # An org-wide install's client names the workspace it acts in.
        team_id=client.default_params.get("team_id"),
        logger=client.logger,
        retry_handlers=[
            *counting,
            ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
            BriefRateLimitRetryHandler(
                max_wait_s=MODAL_RATE_LIMIT_WAIT_S, retries=MODAL_RATE_LIMIT_RETRIES
            ),
            ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
        ],
    )


# A listener's reply through a response URL: Slack answers these at once, so a reply that
# takes longer is not coming; and however many are in flight, they hold at most this many
# listener threads (the rest are dropped, never queued behind a slow host).
RESPOND_TIMEOUT_S = 5
RESPOND_SLOTS = threading.BoundedSemaphore(8)
RESPOND_SLOT_WAIT_S = 2.0


class ReplyNotSent(RuntimeError):
    """A reply through a response URL was not attempted (none, or too many in flight)."""


class BoundedRespond(Respond):
    """Bolt's `respond()`, but bounded: a short timeout and a cap on replies in flight.

    The response URL it gets has already been checked (handlers.middleware): it is one of
    Slack's, or None when the request named none or one that is not Slack's. Without one,
    `fallback` (a private message to the person) delivers the reply, when given.
    """

    def __init__(
        self,
        *,
        response_url: str | None,
        fallback: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        super().__init__(response_url=response_url)
        self.fallback = fallback

    def __call__(  # type: ignore[override]
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[dict[str, Any] | Block] | None = None,
        attachments: Sequence[dict[str, Any] | Attachment] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse | None:
        """Send a message to the response URL (or privately, when there is none)."""
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(
                text=text,
                blocks=blocks,
                attachments=attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        if self.response_url is None:
            if self.fallback is None:
                raise ReplyNotSent("this request has no response URL of Slack's")
            self.fallback(message)
            return None
        if not RESPOND_SLOTS.acquire(timeout=RESPOND_SLOT_WAIT_S):
            raise ReplyNotSent("too many replies in flight")
        try:
            client = WebhookClient(url=self.response_url, timeout=RESPOND_TIMEOUT_S)
            return client.send_dict(message)
        finally:
            RESPOND_SLOTS.release()
