"""The loading modal and its notice replacement, checked by slack_sdk's own models."""

from __future__ import annotations

from blocks.ids import Ids
from blocks.loading import MAX_TITLE, build_loading_modal, build_notice_modal
from tests.support.factories import message_text


def test_the_loading_modal_has_no_submit_and_a_short_title() -> None:
    view = build_loading_modal("Reword your comment, please now")
    assert view["type"] == "modal" and view["callback_id"] == Ids.LOADING_MODAL
    assert "submit" not in view
    assert len(view["title"]["text"]) <= MAX_TITLE
    assert "Loading" in message_text(view)


def test_the_notice_says_what_went_wrong_in_one_section() -> None:
    view = build_notice_modal("Launch a campaign", "Launching is limited. " + "x" * 5000)
    assert view["callback_id"] == Ids.NOTICE_MODAL and "submit" not in view
    [section] = view["blocks"]
    assert section["text"]["text"].startswith("Launching is limited.")
    assert len(section["text"]["text"]) <= 3000
