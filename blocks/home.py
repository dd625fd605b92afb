"""The App Home tab."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from blocks.limits import MAX_HOME_BLOCKS, fit_blocks


def build_home_welcome() -> dict[str, Any]:
    """The home tab that explains the loop in three lines, with the commands to try."""
    blocks = [
        HeaderBlock(text=PlainTextObject(text="Welcome to Liaison 👋")),
        SectionBlock(
            text=MarkdownTextObject(
                text=(
                    "*1. Launch.* Marketers announce campaigns where reps already are: "
                    "`/launch`.\n"
                    "*2. Vote.* Reps rate each asset with 👍 / 👎 / 🎯 or `/feedback`, "
                    "in seconds.\n"
                    "*3. Digest.* Every week team leads read one blame-free digest of what lands."
                )
            )
        ),
        DividerBlock(),
        SectionBlock(
            text=MarkdownTextObject(
                text=(
                    "*Try it:* `/collateral` for the top assets · "
                    "`/collateral add <url> [title]` to register one · "
                    "`/collateral search <words>` · `/liaison help`"
                )
            )
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Feedback is about assets and campaigns, never about people."
                )
            ]
        ),
    ]
    view = View(
        type="home", blocks=fit_blocks([b.to_dict() for b in blocks], limit=MAX_HOME_BLOCKS)
    )
    return view.to_dict()
