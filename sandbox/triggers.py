"""Trigger ids as Slack treats them: issued with an interaction, good for 3 seconds, once.

A trigger id carries when it was issued and a signature (``<ms>.<random>.<hex>``, shaped
like Slack's ``digits.digits.hex``), so the sandbox knows its age without having issued the
payload itself (tests build payloads with ``sandbox.payloads``, sometimes in another
process). ``views.open`` and ``views.push`` answer ``invalid_trigger_id`` for an id the
sandbox did not issue, ``expired_trigger_id`` once it is older than 3 seconds, and
``exchanged_trigger_id`` when it was already used.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

TTL_S = 3.0
_KEY = b"liaison-sandbox-trigger"


def _sign(stem: str) -> str:
    return hmac.new(_KEY, stem.encode(), hashlib.sha256).hexdigest()[:32]


def issue(issued_at: float | None = None) -> str:
    """A fresh trigger id, issued now (or at `issued_at`, a Unix time, to make an old one)."""
    millis = int((time.time() if issued_at is None else issued_at) * 1000)
    stem = f"{millis:013d}.{secrets.randbelow(10**12):012d}"
    return f"{stem}.{_sign(stem)}"


def refusal(trigger_id: str, *, now: float | None = None) -> str | None:
    """Slack's error for using `trigger_id` now, or None while it is valid (use aside)."""
    stem, _, signature = trigger_id.rpartition(".")
    millis, _, _ = stem.partition(".")
    if not (millis.isdigit() and hmac.compare_digest(signature, _sign(stem))):
        return "invalid_trigger_id"
    age = (time.time() if now is None else now) - int(millis) / 1000
    return "expired_trigger_id" if age > TTL_S else None
