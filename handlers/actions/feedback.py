"""The "Reword" button under a nudge: opens the person's comment, reworded, to edit."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from blocks.feedback import REWORD_TITLE, build_reword_modal
from core.db import SessionScope
from domain.payloads import action_value, db_id, mapping, text, user_of
from handlers.errors import after_ack
from handlers.modals import modal_first
from models import WorkspaceRef
from services.errors import UserError
from services.feedback import RewordForm, open_reword


def _reword_modal(form: RewordForm) -> dict[str, Any]:
    """The Reword form, prefilled with the suggested wording."""
    own = form.comment
    return build_reword_modal(
        comment_id=own.comment_id,
        handle=own.asset_handle,
        title=own.asset_title,
        rewording=form.rewording,
    )


@after_ack
def handle_reword_button(
    ack: Ack,
    body: dict[str, Any],
    workspace: WorkspaceRef | None,
    client: WebClient,
    respond: Respond,
    db: SessionScope,
) -> None:
    """Open the Reword form prefilled with a rewording of the person's own comment."""
    ack()
    user_id = user_of(body)
    comment_id, trigger_id = db_id(action_value(body)), text(body, "trigger_id")
    if not (workspace and user_id and comment_id and trigger_id):
        raise UserError("That button is out of date.")
    # The trigger_id stays valid for 3 s: the form opens first, the comment is read after.
    on_modal = bool(mapping(body.get("view")).get("id"))  # stack the form on that modal
    with modal_first(client, trigger_id=trigger_id, title=REWORD_TITLE, push=on_modal) as modal:
        form = open_reword(db=db, workspace=workspace, user_id=user_id, comment_id=comment_id)
        modal.show(_reword_modal(form))
