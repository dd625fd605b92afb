"""Collateral services under concurrency, on SQLite and PostgreSQL (no Slack needed)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine

from core.db import session_scope_for
from services.collateral import add_asset, find_asset, search_assets, top_assets
from tests.support.factories import assets
from tests.support.workspaces import workspace_ref


def test_concurrent_adds_get_distinct_consecutive_handles(engine: Engine) -> None:
    scope = session_scope_for(engine)

    def add(i: int) -> str:
        with scope() as session:
            added = add_asset(
                session=session,
                workspace=workspace_ref(session, "T1"),
                url=f"https://e.com/{i}",
                title=f"Deck {i}",
                user_id="U1",
            )
            return added.asset.handle

    with ThreadPoolExecutor(max_workers=8) as pool:
        handles = list(pool.map(add, range(24)))
    assert len(set(handles)) == 24
    assert sorted(a.number for a in assets(engine)) == list(range(1, 25))


def test_concurrent_adds_of_one_link_make_one_asset(engine: Engine) -> None:
    scope = session_scope_for(engine)

    def add(_: int) -> tuple[str, bool]:
        with scope() as session:
            added = add_asset(
                session=session,
                workspace=workspace_ref(session, "T1"),
                url="https://e.com/same",
                title="Same deck",
                user_id="U1",
            )
            return added.asset.handle, added.existed

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(add, range(16)))
    assert {handle for handle, _ in results} == {"SD-1"}
    assert sum(1 for _, existed in results if not existed) == 1
    assert len(assets(engine)) == 1


def test_workspaces_never_see_each_others_assets(engine: Engine) -> None:
    scope = session_scope_for(engine)
    with scope() as session:
        add_asset(
            session=session,
            workspace=workspace_ref(session, "TA"),
            url="https://a.com/x",
            title="Pricing deck",
            user_id="U1",
        )
        added = add_asset(
            session=session,
            workspace=workspace_ref(session, "TB"),
            url="https://a.com/x",
            title="Pricing deck",
            user_id="U2",
        )
        # Same link, other workspace: its own asset, numbered from 1 there too.
        assert (added.existed, added.asset.handle) == (False, "PD-1")
        add_asset(
            session=session,
            workspace=workspace_ref(session, "TB"),
            url="https://b.com/y",
            title="Battlecard",
            user_id="U2",
        )
        assert [
            s.handle
            for s in search_assets(
                session=session, workspace=workspace_ref(session, "TA"), query="battlecard"
            )
        ] == []
        assert (
            find_asset(session=session, workspace=workspace_ref(session, "TA"), name="BA-2").match
            is None
        )
        assert [
            s.handle for s in top_assets(session=session, workspace=workspace_ref(session, "TA"))
        ] == ["PD-1"]
        assert len(top_assets(session=session, workspace=workspace_ref(session, "TB"))) == 2
