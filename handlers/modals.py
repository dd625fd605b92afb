"""Modals open first: Slack's trigger_id lives 3 seconds, so `views.open` (or `views.push`)
is the first call after a click, with a "Loading…" view; the lookups come after it, and
`views.update` replaces the loading view with the real one, or with what went wrong."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.loading import build_loading_modal, build_notice_modal
from core.slack import patient_copy
from handlers.errors import reply_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenModal:
    """A modal showing "Loading…"; `client` waits out rate limits longer than a listener's."""

    client: WebClient
    view_id: str
    title: str

    def show(self, view: dict[str, Any]) -> None:
        """Replace what the modal shows (its callback_id and private_metadata included)."""
        try:
            self.client.views_update(view_id=self.view_id, view=view)
        except SlackApiError as error:
            if error.response.get("error") != "not_found":
                raise
            # The person closed the loading modal: nothing is waiting for this view.
            logger.info("the modal %s was closed before it was filled", self.view_id)

    def tell(self, text: str) -> None:
        """Replace the modal with a short message (a refusal, an error)."""
        self.show(build_notice_modal(self.title, text))


@contextmanager
def modal_first(
    client: WebClient, *, trigger_id: str, title: str, push: bool = False
) -> Iterator[OpenModal]:
    """Open a loading modal now; errors in the block are shown in it, not lost."""
    opener = client.views_push if push else client.views_open
    opened = opener(trigger_id=trigger_id, view=build_loading_modal(title))
    modal = OpenModal(client=patient_copy(client), view_id=str(opened["view"]["id"]), title=title)
    try:
        yield modal
    except Exception as error:
        text = reply_for(error)  # logs unexpected errors with a reference
        try:
            modal.tell(text)
        except Exception:
            # The modal was closed, or Slack refuses: the listener's own reporting takes over.
            logger.warning("could not show an error in the modal", exc_info=True)
            raise error from None
