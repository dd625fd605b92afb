"""The Slack Web API client, at SLACK_API_URL, retrying 429s, 5xx and lost connections."""

from __future__ import annotations

import logging

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
            ok = response.body.get("ok") if response and response.body else None
            record_slack_api_response(
                url=request.url,
                status=response.status_code if response is not None else None,
                ok=ok if isinstance(ok, bool) else None,
            )
        except Exception:  # counting must never break a call to Slack
            logger.debug("could not count a Slack API response", exc_info=True)
        return False


def make_client(*, token: str | None, base_url: str, retry: bool = True) -> WebClient:
    """A WebClient whose 429s wait for Retry-After and whose 5xx and drops retry.

    `retry=False` is for the delivery worker: a retried post might land twice, so it sees
    every refusal itself and checks before posting again.
    """
    retries: list[RetryHandler] = [
        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
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
