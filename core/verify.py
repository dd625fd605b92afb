"""Slack's request signature, checked on the raw bytes before anything else reads them.

SPEC (Reliability promises, "Verified before anything"): a request whose signature or
timestamp is missing, malformed or stale gets 401 before its body is parsed. Slack signs
``v0:<timestamp>:<raw body>`` with HMAC-SHA256 under the app's signing secret and sends
``X-Slack-Request-Timestamp`` (Unix seconds) and ``X-Slack-Signature`` (``v0=`` + 64 hex).

slack_sdk's verifier calls ``int()`` on the timestamp, so ``abc`` raises and ``1e9`` or
400 digits are accepted as input; here both headers must match Slack's exact form first,
and the HMAC is fed chunk by chunk while the body arrives.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from enum import StrEnum

# Slack refuses (and so do we) a request signed more than five minutes from now.
WINDOW_S = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class Refusal(StrEnum):
    """Why a request was not verified: fixed words for the log, never the request's text."""

    NO_SECRET = "no signing secret is configured"
    NO_TIMESTAMP = "missing timestamp"
    BAD_TIMESTAMP = "malformed timestamp"
    STALE = "timestamp outside the five-minute window"
    NO_SIGNATURE = "missing signature"
    BAD_SIGNATURE = "malformed signature"
    DUPLICATE = "repeated signature headers"
    MISMATCH = "signature does not match"


def check_headers(
    timestamps: Sequence[str], signatures: Sequence[str], *, now: float
) -> Refusal | None:
    """None when both headers are present once, well-formed and fresh; else why not."""
    if len(timestamps) > 1 or len(signatures) > 1:
        return Refusal.DUPLICATE
    if not timestamps:
        return Refusal.NO_TIMESTAMP
    if not signatures:
        return Refusal.NO_SIGNATURE
    if not _TIMESTAMP.fullmatch(timestamps[0]):
        return Refusal.BAD_TIMESTAMP
    if not _SIGNATURE.fullmatch(signatures[0]):
        return Refusal.BAD_SIGNATURE
    if abs(now - int(timestamps[0])) > WINDOW_S:
        return Refusal.STALE
    return None


class Signature:
    """The HMAC of one request, fed as its body arrives; `matches` compares in constant time."""

    def __init__(self, secret: str, timestamp: str) -> None:
        self._mac = hmac.new(
            secret.encode("utf-8"), b"v0:" + timestamp.encode("ascii") + b":", hashlib.sha256
        )

    def update(self, chunk: bytes) -> None:
        """Feed the next part of the raw body."""
        self._mac.update(chunk)

    def matches(self, signature: str) -> bool:
        """True when `signature` (``v0=<hex>``) is the body's."""
        expected = "v0=" + self._mac.hexdigest()
        return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace"))
