"""The feedback modal, its asset picker's options, and the replies to feedback."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ContextBlock,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from blocks.ids import Ids
from blocks.limits import fit_text
from blocks.replies import Payload, build_message
from domain.assets import AssetRef
from domain.feedback import (
    FOLLOWUP_VALUE,
    MAX_COMMENT,
    FeedbackField,
    campaign_metadata,
    feedback_usage,
)
from domain.text import escape_mrkdwn, one_line, shorten
from domain.votes import Verdict

MAX_OPTIONS = 100  # Slack shows at most 100 options in a select
MAX_OPTION_TEXT = 75  # an option's plain_text limit
VERDICT_LABELS = {Verdict.USEFUL: "👍 Useful", Verdict.NEEDS_WORK: "👎 Needs work"}


def asset_label(ref: AssetRef) -> str:
    """`PD-3 · Pricing deck`, cut to an option's 75 characters."""
    return shorten(f"{ref.handle} · {one_line(ref.title)}", MAX_OPTION_TEXT)


def _option(ref: AssetRef) -> Option:
    return Option(value=str(ref.id), label=asset_label(ref))


def build_asset_options(refs: list[AssetRef]) -> dict[str, Any]:
    """The options endpoint's answer for the asset picker."""
    return {"options": [_option(r).to_dict() for r in refs[:MAX_OPTIONS]]}


def build_feedback_modal(
    *,
    campaign_id: int | None = None,
    campaign_name: str | None = None,
    initial: AssetRef | None = None,
) -> Payload:
    """The feedback modal: asset, useful / needs work, comment, follow-up opt-in."""
    about = (
        f"Feedback on *{escape_mrkdwn(one_line(campaign_name))}*: pick one of its assets."
        if campaign_name
        else "Tell marketing how an asset lands with customers."
    )
    picker = ExternalDataSelectElement(
        action_id=FeedbackField.ASSET,
        placeholder="Type a few words of its title or its handle",
        min_query_length=0,
        initial_option=_option(initial) if initial is not None else None,
    )
    verdicts = [Option(value=v.value, label=label) for v, label in VERDICT_LABELS.items()]
    view = View(
        type="modal",
        callback_id=Ids.FEEDBACK_MODAL,
        title="Give feedback",
        submit="Send",
        close="Cancel",
        private_metadata=campaign_metadata(campaign_id),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=about)),
            InputBlock(block_id=FeedbackField.ASSET, label="Asset", element=picker),
            InputBlock(
                block_id=FeedbackField.VERDICT,
                label="How does it work with customers?",
                optional=True,
                element=RadioButtonsElement(action_id=FeedbackField.VERDICT, options=verdicts),
            ),
            InputBlock(
                block_id=FeedbackField.COMMENT,
                label="Comment",
                optional=True,
                element=PlainTextInputElement(
                    action_id=FeedbackField.COMMENT,
                    multiline=True,
                    max_length=MAX_COMMENT,
                    placeholder="What happened with the customer? What would make it better?",
                ),
            ),
            InputBlock(
                block_id=FeedbackField.FOLLOWUP,
                label="Follow-up",
                optional=True,
                element=CheckboxesElement(
                    action_id=FeedbackField.FOLLOWUP,
                    options=[
                        Option(
                            value=FOLLOWUP_VALUE,
                            label="I'm open to a follow-up chat",
                            description="Only the asset's marketer sees that it was you.",
                        )
                    ],
                ),
            ),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Feedback is anonymous in the digest and is about assets, "
                        "never about people."
                    )
                ]
            ),
        ],
    )
    return view.to_dict()


def feedback_text(
    *, handle: str, title: str, value: str | None, comment: bool, nudge: str | None
) -> str:
    """What the author reads after giving feedback, with the private nudge if any."""
    parts = []
    if value is not None:
        parts.append(VERDICT_LABELS[Verdict(value)].lower())
    if comment:
        parts.append("your comment")
    what = " and ".join(parts) or "your feedback"
    asset = f"`{escape_mrkdwn(handle)}` {escape_mrkdwn(shorten(one_line(title), 150))}"
    if nudge:
        # The nudge opens with its own thanks; one is enough.
        return fit_text(f"Recorded {what} for {asset}.\n\n{nudge}")
    return fit_text(
        f"Thanks! Recorded {what} for {asset}. "
        "You can change your vote any time: the latest one counts."
    )


def build_feedback_saved(
    *, handle: str, title: str, value: str | None, comment: bool, nudge: str | None
) -> Payload:
    """The ephemeral reply to `/feedback <asset> <up|down> [comment]`."""
    return build_message(
        feedback_text(handle=handle, title=title, value=value, comment=comment, nudge=nudge)
    )


def build_feedback_done_view(
    *, handle: str, title: str, value: str | None, comment: bool, nudge: str | None
) -> Payload:
    """The modal's last screen after a successful submission (response_action: update)."""
    view = View(
        type="modal",
        title="Feedback sent",
        close="Done",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=feedback_text(
                        handle=handle, title=title, value=value, comment=comment, nudge=nudge
                    )
                )
            )
        ],
    )
    return view.to_dict()


def build_feedback_help() -> Payload:
    """`/feedback help`."""
    return build_message("*`/feedback`* tells marketing how an asset lands:\n" + feedback_usage())
