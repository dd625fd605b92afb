"""Slack's v0 request signing, so tests can drive the app exactly as Slack does.

See https://docs.slack.dev/authentication/verifying-requests-from-slack/: the signature
is ``v0=`` + hex HMAC-SHA256 of ``"v0:{timestamp}:{body}"`` keyed with the signing secret.
"""

from __future__ import annotations

import hashlib
import hmac
import time


def signature(signing_secret: str, body: str | bytes, timestamp: int | str) -> str:
    """Return the ``X-Slack-Signature`` value for a body sent at ``timestamp``."""
    raw = body if isinstance(body, bytes) else body.encode("utf-8")
    base = f"v0:{timestamp}:".encode() + raw
    digest = hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def sign_request(
    signing_secret: str, body: str | bytes, timestamp: int | None = None
) -> dict[str, str]:
    """Return Slack's timestamp and signature headers for a request body (now by default)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(signing_secret, body, ts),
    }
