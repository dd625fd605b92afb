"""The digest on demand as a use case: real sandbox over HTTP, real database, no listener."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from blocks.digest import build_digest_message
from core.db import session_scope_for
from core.fetch import make_http_client
from domain.configuration import Result
from models import Campaign, Comment, Source, VoteValue, Workspace
from sandbox import SlackSandbox
from sandbox.constants import TEAM_ID
from services.digest_access import one_digest_at_a_time
from services.digest_now import DigestNowResult, post_digest_now, preview_digest
from tests.support.workspaces import gone_workspace, workspace_ref

LEADS = "C0LEADS"
COMMENTS = (
    "The pricing tiers answer the budget question customers ask first",
    "Customers liked the discount table, it closed the pricing talk fast",
    "Clear on price per seat, the tiers made renewals easy",
)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    client = make_http_client()
    yield client
    client.close()


@pytest.fixture
def client(sandbox: SlackSandbox) -> WebClient:
    return WebClient(token=sandbox.BOT_TOKEN, base_url=sandbox.api_url)


def seed(engine: Engine, *, channel: str | None = LEADS) -> None:
    """A workspace with a campaign and three comments on it this week (no links to check)."""
    with Session(engine) as session:
        workspace = Workspace(team_id=TEAM_ID, name="Sandbox", digest_channel_id=channel)
        session.add(workspace)
        session.flush()
        assert workspace.id is not None
        campaign = Campaign(
            workspace_id=workspace.id,
            marketer_id="U0MKT1",
            name="Spring launch",
            launch_date=(datetime.now(UTC) - timedelta(days=2)).date(),
        )
        session.add(campaign)
        session.flush()
        for i, text in enumerate(COMMENTS):
            session.add(
                Comment(
                    workspace_id=workspace.id,
                    campaign_id=campaign.id,
                    user_id=f"U0REP{i + 1}",
                    text=text,
                    value=VoteValue.USEFUL,
                    source=Source.MODAL,
                    created_at=datetime.now(UTC) - timedelta(hours=i + 1),
                )
            )
        session.commit()


def test_the_operator_posts_into_the_digest_channel(
    engine: Engine, sandbox: SlackSandbox, client: WebClient, http: httpx.Client
) -> None:
    seed(engine)
    done = post_digest_now(
        db=session_scope_for(engine),
        client=client,
        http=http,
        workspace=workspace_ref(engine, TEAM_ID),
        now=datetime.now(UTC),
        allow_private=False,
    )
    assert done.result is DigestNowResult.POSTED and done.channel_id == LEADS
    assert done.digest is not None and not done.digest.empty
    [posted] = sandbox.messages(LEADS)
    assert posted["text"] == build_digest_message(done.digest)["text"]
    assert "Sandbox" in posted["text"]


def test_a_person_posts_where_they_asked_once_allowed(
    engine: Engine, sandbox: SlackSandbox, client: WebClient, http: httpx.Client
) -> None:
    seed(engine)
    scope = session_scope_for(engine)
    ask: dict[str, Any] = {
        "db": scope,
        "client": client,
        "http": http,
        "workspace": workspace_ref(engine, TEAM_ID),
    }
    now = datetime.now(UTC)
    refused = post_digest_now(
        **ask, now=now, allow_private=False, user_id="U0REP1", channel_id="C0SALES"
    )
    assert refused.result is DigestNowResult.REFUSED and refused.digest is None
    assert refused.refusal is not None and refused.refusal.result is Result.DIGEST_REFUSED
    assert sandbox.messages("C0SALES") == []
    done = post_digest_now(
        **ask, now=now, allow_private=False, user_id="UADMIN", channel_id="C0SALES"
    )
    assert done.result is DigestNowResult.POSTED and done.channel_id == "C0SALES"
    assert len(sandbox.messages("C0SALES")) == 1 and sandbox.messages(LEADS) == []


def test_a_preview_is_made_not_posted_and_one_at_a_time(
    engine: Engine, sandbox: SlackSandbox, client: WebClient, http: httpx.Client
) -> None:
    seed(engine)
    scope = session_scope_for(engine)
    ask: dict[str, Any] = {
        "db": scope,
        "client": client,
        "http": http,
        "workspace": workspace_ref(engine, TEAM_ID),
    }
    now = datetime.now(UTC)
    with one_digest_at_a_time(workspace_ref(engine, TEAM_ID), "UADMIN"):
        busy = preview_digest(**ask, now=now, allow_private=False, user_id="UADMIN")
    assert busy.result is DigestNowResult.REFUSED
    assert busy.refusal is not None and busy.refusal.result is Result.DIGEST_BUSY
    done = preview_digest(**ask, now=now, allow_private=False, user_id="UADMIN")
    assert done.result is DigestNowResult.MADE and done.digest is not None
    assert [(t.label, t.count) for t in done.digest.themes] == [("Pricing", 3)]
    assert sandbox.calls("chat.postMessage") == []


def test_without_a_client_the_preview_quotes_nobody(engine: Engine, http: httpx.Client) -> None:
    seed(engine)
    done = preview_digest(
        db=session_scope_for(engine),
        client=None,
        http=http,
        workspace=workspace_ref(engine, TEAM_ID),
        now=datetime.now(UTC),
        allow_private=False,
    )
    assert done.result is DigestNowResult.MADE and done.digest is not None
    # People can't be listed: nothing is quoted, but the themes are complete.
    assert [(t.label, t.count, t.quotes) for t in done.digest.themes] == [("Pricing", 3, ())]
    assert "budget question" not in str(build_digest_message(done.digest))


def test_the_operator_is_told_what_is_missing(
    engine: Engine, sandbox: SlackSandbox, client: WebClient, http: httpx.Client
) -> None:
    scope = session_scope_for(engine)
    ask: dict[str, Any] = {"db": scope, "client": client, "http": http, "now": datetime.now(UTC)}
    unknown = post_digest_now(**ask, workspace=gone_workspace("T0NOBODY"), allow_private=False)
    assert unknown.result is DigestNowResult.NO_WORKSPACE and unknown.digest is None
    assert preview_digest(
        **ask, workspace=gone_workspace("T0NOBODY"), allow_private=False
    ).result is (DigestNowResult.NO_WORKSPACE)
    with Session(engine) as session:
        assert session.exec(select(Workspace)).all() == []  # the operator creates nothing
    seed(engine, channel=None)
    assert post_digest_now(
        **ask, workspace=workspace_ref(engine, TEAM_ID), allow_private=False
    ).result is (DigestNowResult.NO_CHANNEL)
    assert preview_digest(
        **ask, workspace=workspace_ref(engine, TEAM_ID), allow_private=False
    ).result is (DigestNowResult.MADE)
    assert sandbox.calls("chat.postMessage") == []


def test_a_shared_channel_is_refused_and_a_failed_post_says_why(
    engine: Engine, sandbox: SlackSandbox, client: WebClient, http: httpx.Client
) -> None:
    seed(engine)
    scope = session_scope_for(engine)
    ask: dict[str, Any] = {
        "db": scope,
        "client": client,
        "http": http,
        "workspace": workspace_ref(engine, TEAM_ID),
    }
    sandbox.add_channel(
        LEADS, name="team-leads", members=("UADMIN",), bot_is_member=True, shared_with=("T0OTHER",)
    )
    shared = post_digest_now(**ask, now=datetime.now(UTC), allow_private=False)
    assert shared.result is DigestNowResult.REFUSED and shared.digest is not None
    assert shared.refusal is not None and shared.refusal.result is Result.DIGEST_SHARED_REFUSED
    assert sandbox.messages(LEADS) == []
    sandbox.add_channel(LEADS, name="team-leads", members=("UADMIN",), bot_is_member=True)
    sandbox.fail_next("chat.postMessage", error="not_in_channel")
    failed = post_digest_now(**ask, now=datetime.now(UTC), allow_private=False)
    assert failed.result is DigestNowResult.POST_FAILED and failed.error == "not_in_channel"
    assert failed.channel_id == LEADS and sandbox.messages(LEADS) == []
