"""The feedback modal, its asset picker's options, and the replies to feedback."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
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
from domain.nudge import OPENING, Nudge
from domain.text import escape_mrkdwn, one_line, shorten
from domain.votes import Verdict

MAX_OPTIONS = 100  # Slack shows at most 100 options in a select
MAX_OPTION_TEXT = 75  # an option's plain_text limit
VERDICT_LABELS = {Verdict.USEFUL: "👍 Useful", Verdict.NEEDS_WORK: "👎 Needs work"}


FEEDBACK_TITLE = "Give feedback"
REWORD_TITLE = "Reword your comment"


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
        title=FEEDBACK_TITLE,
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


REWORD_LABEL = "Reword"
MAX_REWORDING_SHOWN = 600


def nudge_text(nudge: Nudge) -> str:
    """The private nudge: why the comment won't be quoted, and a rewording of it."""
    rewording = escape_mrkdwn(shorten(nudge.rewording, MAX_REWORDING_SHOWN))
    quoted = "\n".join(f"> {line}" if line else ">" for line in rewording.splitlines())
    return (
        f"{OPENING} It won't be quoted as written, because {escape_mrkdwn(nudge.why)}. "
        f"A wording that keeps your point about the asset:\n{quoted}\n"
        f"Press *{REWORD_LABEL}* to edit it and replace your comment; your vote stays as it is."
    )


def feedback_text(
    *, handle: str, title: str, value: str | None, comment: bool, nudge: Nudge | None
) -> str:
    """What the author reads after giving feedback, with the private nudge if any."""
    parts = []
    if value is not None:
        parts.append(VERDICT_LABELS[Verdict(value)].lower())
    if comment:
        parts.append("your comment")
    what = " and ".join(parts) or "your feedback"
    asset = f"`{escape_mrkdwn(handle)}` {escape_mrkdwn(shorten(one_line(title), 150))}"
    if nudge is not None:
        return fit_text(f"Recorded {what} for {asset}.\n\n{nudge_text(nudge)}")
    return fit_text(
        f"Thanks! Recorded {what} for {asset}. "
        "You can change your vote any time: the latest one counts."
    )


def _reword_button(comment_id: int) -> ActionsBlock:
    return ActionsBlock(
        elements=[
            ButtonElement(
                action_id=Ids.REWORD,
                text=REWORD_LABEL,
                value=str(comment_id),
                style="primary",
            )
        ]
    )


def _saved_blocks(text: str, *, comment_id: int | None, nudge: Nudge | None) -> list[Any]:
    blocks: list[Any] = [SectionBlock(text=MarkdownTextObject(text=text))]
    if nudge is not None and comment_id is not None:
        blocks.append(_reword_button(comment_id))
    return blocks


def build_feedback_saved(
    *,
    handle: str,
    title: str,
    value: str | None,
    comment: bool,
    nudge: Nudge | None,
    comment_id: int | None = None,
) -> Payload:
    """The ephemeral reply to `/feedback <asset> <up|down> [comment]`, with Reword if nudged."""
    text = feedback_text(handle=handle, title=title, value=value, comment=comment, nudge=nudge)
    blocks = _saved_blocks(text, comment_id=comment_id, nudge=nudge)
    return {
        "response_type": "ephemeral",
        "text": text,
        "blocks": [block.to_dict() for block in blocks],
    }


def build_feedback_done_view(
    *,
    handle: str,
    title: str,
    value: str | None,
    comment: bool,
    nudge: Nudge | None,
    comment_id: int | None = None,
) -> Payload:
    """The modal's last screen after a successful submission (response_action: update)."""
    text = feedback_text(handle=handle, title=title, value=value, comment=comment, nudge=nudge)
    view = View(
        type="modal",
        title="Feedback sent",
        close="Done",
        blocks=_saved_blocks(text, comment_id=comment_id, nudge=nudge),
    )
    return view.to_dict()


def build_reword_modal(*, comment_id: int, handle: str, title: str, rewording: str) -> Payload:
    """The Reword form: the suggested wording, prefilled and editable."""
    about = (
        f"Your comment on `{escape_mrkdwn(handle)}` {escape_mrkdwn(shorten(one_line(title), 120))}"
    )
    view = View(
        type="modal",
        callback_id=Ids.REWORD_MODAL,
        title=REWORD_TITLE,
        submit="Replace",
        close="Cancel",
        private_metadata=str(comment_id),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=about)),
            InputBlock(
                block_id=Ids.REWORD_TEXT,
                label="New wording",
                element=PlainTextInputElement(
                    action_id=Ids.REWORD_TEXT,
                    multiline=True,
                    max_length=MAX_COMMENT,
                    initial_value=shorten(rewording, MAX_COMMENT) or None,
                ),
            ),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="It replaces your comment; your vote stays as it is. "
                        "Feedback is about assets, never about people."
                    )
                ]
            ),
        ],
    )
    return view.to_dict()


def build_reword_done_view(*, handle: str, text: str) -> Payload:
    """The Reword form's last screen: the comment now reads …"""
    shown = escape_mrkdwn(shorten(one_line(text), 600))
    view = View(
        type="modal",
        title="Comment replaced",
        close="Done",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"Thanks! Your comment on `{escape_mrkdwn(handle)}` now reads:\n> {shown}"
                )
            )
        ],
    )
    return view.to_dict()


def build_reword_gone() -> Payload:
    """The reply when the comment to reword is not (or no longer) the person's own."""
    return build_message("That comment can't be reworded any more: it was removed.")


def build_feedback_help() -> Payload:
    """`/feedback help`."""
    return build_message("*`/feedback`* tells marketing how an asset lands:\n" + feedback_usage())
