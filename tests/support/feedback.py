"""The feedback modal as Slack sends it: its state values and its submission."""

from __future__ import annotations

from typing import Any

from blocks.ids import Ids
from domain.feedback import FOLLOWUP_VALUE, FeedbackField
from sandbox import SlackDriver, view_submission


def modal_state(
    *,
    asset: str | None = None,
    verdict: str | None = None,
    comment: str | None = None,
    followup: bool = False,
) -> dict[str, Any]:
    """The feedback modal's state.values as Slack sends them."""
    return {
        FeedbackField.ASSET: {
            FeedbackField.ASSET: {
                "type": "external_select",
                "selected_option": {"value": asset, "text": {"type": "plain_text", "text": "x"}}
                if asset is not None
                else None,
            }
        },
        FeedbackField.VERDICT: {
            FeedbackField.VERDICT: {
                "type": "radio_buttons",
                "selected_option": {"value": verdict} if verdict is not None else None,
            }
        },
        FeedbackField.COMMENT: {
            FeedbackField.COMMENT: {"type": "plain_text_input", "value": comment}
        },
        FeedbackField.FOLLOWUP: {
            FeedbackField.FOLLOWUP: {
                "type": "checkboxes",
                "selected_options": [{"value": FOLLOWUP_VALUE}] if followup else [],
            }
        },
    }


def submit_feedback(
    slack: SlackDriver, values: dict[str, Any], *, user: str = "U0REP2", metadata: str = ""
) -> dict[str, Any]:
    """Submit the feedback modal with these state values; returns the answer's JSON, if any."""
    response = slack.interactive(
        view_submission(
            user_id=user,
            callback_id=Ids.FEEDBACK_MODAL,
            state_values=values,
            private_metadata=metadata,
        )
    )
    assert response.status_code == 200, response.text
    return response.json() if response.content else {}
