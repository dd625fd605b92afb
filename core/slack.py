"""The Slack Web API client, at SLACK_API_URL, retrying 429s, 5xx and lost connections."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

# slack_sdk retries only connection errors unless told otherwise (SPEC: platform facts).
RATE_LIMIT_RETRIES = 5
SERVER_ERROR_RETRIES = 2
CONNECTION_RETRIES = 2
TIMEOUT_S = 10


def make_client(*, token: str | None, base_url: str, retry: bool = True) -> WebClient:
    """A WebClient whose 429s wait for Retry-After and whose 5xx and drops retry.

    `retry=False` is for the delivery worker: a retried post might land twice, so it sees
    every refusal itself and checks before posting again.
    """
    handlers = [
        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
    ]
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=TIMEOUT_S,
        # An empty list, not None: None would get slack_sdk's default connection retries.
        retry_handlers=handlers if retry else [],
    )
