"""Events the manifest subscribes to whose features land in later issues.

They are acknowledged (so Slack neither retries them nor disables the subscription)
and logged at DEBUG; votes from reactions and uninstall clean-up are not built yet.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def handle_event_acknowledged(event: dict[str, Any]) -> None:
    """Acknowledge an event Liaison does not act on yet."""
    logger.debug("acknowledged %s event", event.get("type"))
