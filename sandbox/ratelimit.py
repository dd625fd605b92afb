"""Slack-like rate limiting of ``chat.postMessage`` for the sandbox (off unless enabled).

Slack documents chat.postMessage under a "special" tier: generally one message per second
per channel, short bursts above that allowed, plus a workspace-wide limit. The sandbox
models that as:

* a token bucket per channel: ``per_channel_per_second`` tokens a second, holding at most
  ``1 + burst`` tokens (full at first), one token per posted message;
* optionally, a sliding 60 s window over the whole workspace holding at most
  ``workspace_per_minute`` posted messages.

A post over either limit is refused with HTTP 429, ``{"ok": false, "error": "ratelimited"}``
and ``Retry-After`` set to the whole seconds (rounded up, at least 1) until it would pass.

Only chat.postMessage is limited. Slack documents chat.update (Tier 3, 50+ per minute) and
chat.postEphemeral (Tier 4, 100+ per minute) under per-method tiers, not under the
per-channel posting rule, and those tiers are generous enough that a launch announcement
never meets them; the sandbox leaves them (and every other method) unlimited.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RateLimitConfig:
    """How hard chat.postMessage is limited."""

    per_channel_per_second: float = 1.0
    burst: int = 0
    workspace_per_minute: int | None = None

    def __post_init__(self) -> None:
        if not self.per_channel_per_second > 0:
            raise ValueError("per_channel_per_second must be positive")
        if self.burst < 0:
            raise ValueError("burst must be zero or positive")
        if self.workspace_per_minute is not None and self.workspace_per_minute < 1:
            raise ValueError("workspace_per_minute must be at least 1 (or None)")

    @property
    def capacity(self) -> float:
        """Tokens a channel bucket holds when full: one message plus the burst allowance."""
        return 1.0 + self.burst


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class PostRateLimiter:
    """Per-channel token buckets plus an optional workspace window; times are monotonic."""

    config: RateLimitConfig
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _window: deque[float] = field(default_factory=deque)

    def _tokens(self, channel: str, now: float) -> float:
        bucket = self._buckets.get(channel)
        if bucket is None:
            return self.config.capacity
        refill = max(0.0, now - bucket.stamp) * self.config.per_channel_per_second
        return min(self.config.capacity, bucket.tokens + refill)

    def _prune(self, now: float) -> None:
        while self._window and self._window[0] <= now - WINDOW_SECONDS:
            self._window.popleft()

    def retry_after(self, channel: str, now: float) -> int | None:
        """Return the Retry-After seconds for a post now, or None when it may go through."""
        wait = 0.0
        tokens = self._tokens(channel, now)
        if tokens < 1.0:
            wait = (1.0 - tokens) / self.config.per_channel_per_second
        limit = self.config.workspace_per_minute
        if limit is not None:
            self._prune(now)
            if len(self._window) >= limit:
                wait = max(wait, self._window[len(self._window) - limit] + WINDOW_SECONDS - now)
        if wait <= 0.0:
            return None
        return max(1, math.ceil(wait))

    def consume(self, channel: str, now: float) -> None:
        """Account for one accepted post in ``channel``."""
        self._buckets[channel] = _Bucket(self._tokens(channel, now) - 1.0, now)
        if self.config.workspace_per_minute is not None:
            self._window.append(now)
