"""Events API listeners; every event here is declared in manifest.yml (a test checks)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from handlers.events.home import handle_app_home_opened
from handlers.events.lifecycle import handle_app_uninstalled, handle_tokens_revoked
from handlers.events.reactions import handle_reaction, store_reaction

# Reactions first: Bolt matches listeners in this order, and reactions come by the
# thousand (handlers/__init__.py).
EVENTS: dict[str, Callable[..., Any]] = {
    "reaction_added": handle_reaction,
    "reaction_removed": handle_reaction,
    "app_home_opened": handle_app_home_opened,
    "app_uninstalled": handle_app_uninstalled,
    "tokens_revoked": handle_tokens_revoked,
}
logger = logging.getLogger(__name__)


def done_before_ack(listener: Callable[..., object]) -> Callable[..., BoltResponse]:
    """Run `listener` before Slack hears 200 (as the listener's middleware, which answers).

    For rare events whose whole effect is a few idempotent statements: a crash or an
    error before the answer leaves Slack to send the event again.
    """

    @functools.wraps(listener)  # Bolt injects arguments by the listener's own names
    def middleware(**kwargs: Any) -> BoltResponse:
        try:
            listener(**kwargs)
        except Exception:
            logger.exception("%s failed: not acknowledged, Slack retries", listener.__name__)
            return BoltResponse(status=500, body="")
        return BoltResponse(status=200, body="")

    return middleware


# Events that change data are durable before they are acknowledged. Reactions are stored
# in the inbox (group commit) and recorded by its workers; uninstalls and revoked tokens
# are applied before the answer. app_home_opened is not: it only notes the visit and
# publishes the tab, and the next opening of the tab does both again.
BEFORE_ACK: dict[str, Callable[..., BoltResponse]] = {
    "reaction_added": store_reaction,
    "reaction_removed": store_reaction,
    "app_uninstalled": done_before_ack(handle_app_uninstalled),
    "tokens_revoked": done_before_ack(handle_tokens_revoked),
}


def register(app: App) -> None:
    """Register every event listener."""
    for name, listener in EVENTS.items():
        first = BEFORE_ACK.get(name)
        app.event(name, middleware=[first] if first else None)(listener)
