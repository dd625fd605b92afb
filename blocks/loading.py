"""The modal shown while Liaison looks things up, and the one that says why it could not."""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from blocks.ids import Ids
from blocks.limits import fit_text
from blocks.replies import Payload
from domain.text import shorten

# Slack caps a modal's title at 24 characters.
MAX_TITLE = 24


def build_loading_modal(title: str) -> Payload:
    """A modal opened as soon as the person clicks, replaced once its content is ready."""
    view = View(
        type="modal",
        callback_id=Ids.LOADING_MODAL,
        title=shorten(title, MAX_TITLE),
        close="Cancel",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=":hourglass_flowing_sand: Loading…")),
            ContextBlock(elements=[MarkdownTextObject(text="This takes a moment.")]),
        ],
    )
    return dict(view.to_dict())


def build_notice_modal(title: str, text: str) -> Payload:
    """The loading modal's replacement when its content could not be shown (`text`: why)."""
    view = View(
        type="modal",
        callback_id=Ids.NOTICE_MODAL,
        title=shorten(title, MAX_TITLE),
        close="Close",
        blocks=[SectionBlock(text=MarkdownTextObject(text=fit_text(text)))],
    )
    return dict(view.to_dict())
