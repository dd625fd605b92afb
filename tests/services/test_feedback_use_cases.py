"""Feedback, collateral and home use cases without Bolt: each owns its transactions."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import session_scope_for
from domain.assets import Lookup
from domain.feedback import FeedbackForm, QuickFeedback
from domain.votes import Verdict
from models import Comment, Usage, Vote, VoteValue
from services.collateral import (
    add_asset,
    add_collateral,
    list_top_collateral,
    search_collateral,
    use_collateral,
)
from services.errors import UserError
from services.feedback import (
    GONE,
    give_quick_feedback,
    list_asset_choices,
    open_reword,
    submit_feedback,
    submit_reword,
)
from services.home import open_home
from services.launches import get_message_workspace_key
from services.votes import Feedback
from tests.support.workspaces import workspace_ref

TEAM = "T1"
OWNER = "UOWNER"
REP = "UREP"
ACCUSATION = "Marketing never listens to us, whose fault is that?"


class Homes:
    """Records the App Home refreshes a use case asks for."""

    def __init__(self) -> None:
        self.refreshed: list[tuple[str, str]] = []

    def refresh(self, team_id: str, user_id: str) -> None:
        self.refreshed.append((team_id, user_id))


def asset_id(engine: Engine, title: str = "Pricing deck") -> int:
    with session_scope_for(engine)() as session:
        added = add_asset(
            session=session,
            workspace=workspace_ref(session, TEAM),
            url="https://e.com/pricing",
            title=title,
            user_id=OWNER,
        )
    assert added.asset.id is not None
    return added.asset.id


def feedback(engine: Engine, homes: Homes, target: int, comment: str) -> Feedback | None:
    return submit_feedback(
        db=session_scope_for(engine),
        homes=homes,
        reviewer=None,
        workspace=workspace_ref(engine, TEAM),
        author_id=REP,
        form=FeedbackForm(
            asset_id=target, verdict=Verdict.USEFUL, comment=comment, followup_ok=True
        ),
        campaign_id=None,
    )


def test_modal_feedback_is_stored_and_the_owner_refreshed(engine: Engine) -> None:
    homes = Homes()
    saved = feedback(engine, homes, asset_id(engine), "Closed a deal with it")
    assert saved is not None and saved.value == VoteValue.USEFUL and saved.comment_id
    with Session(engine) as session:
        assert [(v.user_id, v.value) for v in session.exec(select(Vote)).all()] == [
            (REP, VoteValue.USEFUL)
        ]
        assert [c.text for c in session.exec(select(Comment)).all()] == ["Closed a deal with it"]
    assert homes.refreshed == [(TEAM, OWNER)]


def test_feedback_on_a_missing_asset_stores_nothing(engine: Engine) -> None:
    homes = Homes()
    assert feedback(engine, homes, 999, "Hello") is None
    assert homes.refreshed == []


def test_quick_feedback_finds_the_asset_or_offers_candidates(engine: Engine) -> None:
    homes = Homes()
    target = asset_id(engine)
    scope = session_scope_for(engine)
    reader = session_scope_for(engine, read_only=True)

    def quick(name: str) -> Feedback | Lookup | None:
        return give_quick_feedback(
            db=scope,
            read=reader,
            homes=homes,
            reviewer=None,
            workspace=workspace_ref(engine, TEAM),
            user_id=REP,
            command=QuickFeedback(asset=name, verdict=Verdict.NEEDS_WORK, comment=""),
        )

    missing = quick("Roadmap")
    assert isinstance(missing, Lookup) and missing.match is None
    assert homes.refreshed == []
    saved = quick("PD-1")
    assert isinstance(saved, Feedback) and saved.asset.id == target
    assert saved.value == VoteValue.NEEDS_WORK
    assert homes.refreshed == [(TEAM, OWNER)]


def test_a_flagged_comment_is_offered_a_rewording_and_kept_until_reworded(
    engine: Engine,
) -> None:
    homes = Homes()
    saved = feedback(engine, homes, asset_id(engine), ACCUSATION)
    assert saved is not None and saved.comment_id is not None
    homes.refreshed.clear()
    scope = session_scope_for(engine)
    form = open_reword(
        db=scope, workspace=workspace_ref(engine, TEAM), user_id=REP, comment_id=saved.comment_id
    )
    assert form.comment.flagged and form.rewording != ACCUSATION
    kwargs = {
        "db": scope,
        "homes": homes,
        "reviewer": None,
        "workspace": workspace_ref(engine, TEAM),
        "user_id": REP,
    }
    still = submit_reword(**kwargs, comment_id=saved.comment_id, text=ACCUSATION)  # type: ignore[arg-type]
    assert not still.saved and still.nudge is not None
    assert homes.refreshed == []
    calm = "The pricing slide was out of date for this customer."
    done = submit_reword(**kwargs, comment_id=saved.comment_id, text=calm)  # type: ignore[arg-type]
    assert done.saved
    with Session(engine) as session:
        assert [c.text for c in session.exec(select(Comment)).all()] == [calm]
    assert homes.refreshed == [(TEAM, OWNER)]


def test_someone_elses_comment_cannot_be_reworded(engine: Engine) -> None:
    saved = feedback(engine, Homes(), asset_id(engine), "Fine")
    assert saved is not None and saved.comment_id is not None
    with pytest.raises(UserError, match=GONE):
        open_reword(
            db=session_scope_for(engine),
            workspace=workspace_ref(engine, TEAM),
            user_id="UOTHER",
            comment_id=saved.comment_id,
        )


def test_asset_choices_match_what_was_typed(engine: Engine) -> None:
    target = asset_id(engine)
    reader = session_scope_for(engine, read_only=True)
    found = list_asset_choices(
        read=reader, workspace=workspace_ref(engine, TEAM), query="pricing", campaign_id=None
    )
    assert [r.id for r in found] == [target]
    assert (
        list_asset_choices(
            read=reader, workspace=workspace_ref(engine, "T2"), query="pricing", campaign_id=None
        )
        == []
    )


def test_collateral_commands_each_own_their_transaction(engine: Engine) -> None:
    scope = session_scope_for(engine)
    reader = session_scope_for(engine, read_only=True)
    with httpx.Client() as http:
        added = add_collateral(
            db=scope,
            http=http,
            workspace=workspace_ref(engine, TEAM),
            url="https://e.com/battlecard",
            title="Battlecard",
            user_id=OWNER,
            allow_private=False,
        )
    assert not added.existed and added.asset.handle == "BA-1"
    assert [
        r.handle
        for r in search_collateral(
            read=reader, workspace=workspace_ref(engine, TEAM), query="battle"
        )
    ] == ["BA-1"]
    used = use_collateral(db=scope, workspace=workspace_ref(engine, TEAM), name="BA-1", user_id=REP)
    assert used.asset is not None and used.count == 1
    with Session(engine) as session:
        assert len(session.exec(select(Usage)).all()) == 1
    assert [
        r.handle for r in list_top_collateral(read=reader, workspace=workspace_ref(engine, TEAM))
    ] == ["BA-1"]


def test_opening_the_home_notes_the_first_visit_only(engine: Engine) -> None:
    scope = session_scope_for(engine)
    reader = session_scope_for(engine, read_only=True)
    now = datetime.now(UTC)
    first = open_home(
        db=scope, read=reader, workspace=workspace_ref(engine, TEAM), user_id=REP, now=now
    )
    again = open_home(
        db=scope, read=reader, workspace=workspace_ref(engine, TEAM), user_id=REP, now=now
    )
    assert (first.user_id, first.first_visit, again.first_visit) == (REP, True, False)


def test_an_unknown_message_belongs_to_no_workspace(engine: Engine) -> None:
    reader = session_scope_for(engine, read_only=True)
    assert get_message_workspace_key(db=reader, channel_id="C1", ts="1.000100") is None
