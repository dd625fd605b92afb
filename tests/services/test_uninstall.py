"""Uninstalls and revoked tokens as use cases: tokens, jobs and data, without a listener."""

from __future__ import annotations

import time
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk.oauth.installation_store import Installation as SlackInstallation
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.crypto import TokenCipher
from core.db import session_scope_for
from models import OutboxKind, OutboxMessage, OutboxStatus, Workspace
from sandbox import SlackSandbox
from services.installations import DbInstallationStore
from services.scheduling import POST_DIGEST, digest_job_id
from services.slack_clients import NotInstalled, SlackClients
from services.uninstall import revoke_tokens, uninstall_workspace
from tests.support.serving import make_settings

KEY = "an-uninstall-test-key-0123456789abcdef"


@pytest.fixture
def store(engine: Engine) -> DbInstallationStore:
    return DbInstallationStore(
        db=session_scope_for(engine), cipher=TokenCipher([KEY]), client_id="C1"
    )


@pytest.fixture
def clients(
    sandbox: SlackSandbox, database_url: str, engine: Engine, store: DbInstallationStore
) -> SlackClients:
    settings = make_settings(sandbox, database_url)
    return SlackClients(settings=settings, db=session_scope_for(engine), store=store)


@pytest.fixture
def scheduler() -> BackgroundScheduler:
    return BackgroundScheduler()  # never started: jobs wait in its pending list


def install(store: DbInstallationStore, team_id: str, *, user_token: str | None = None) -> None:
    store.save(
        SlackInstallation(
            app_id="A1",
            enterprise_id=None,
            team_id=team_id,
            team_name="Team",
            bot_token=f"xoxb-{team_id}",
            bot_id="B1",
            bot_user_id="UBOT",
            bot_scopes="commands,chat:write",
            user_id="UADMIN",
            user_token=user_token,
            installed_at=time.time(),
        )
    )


def workspace_with_queued_message(engine: Engine, team_id: str) -> int:
    with Session(engine) as session:
        workspace = Workspace(team_id=team_id, name=team_id, digest_channel_id="C0LEADS")
        session.add(workspace)
        session.flush()
        assert workspace.id is not None
        session.add(
            OutboxMessage(
                workspace_id=workspace.id,
                dedupe_key=f"test:{team_id}",
                kind=OutboxKind.NOTICE,
                channel_id="C0SALES",
                payload="{}",
            )
        )
        session.commit()
        return workspace.id


def schedule_jobs(scheduler: BackgroundScheduler, workspace_id: int) -> list[str]:
    ids = [digest_job_id(workspace_id), f"digest-catch-up-{workspace_id}"]
    for job_id in ids:
        scheduler.add_job(POST_DIGEST, "interval", days=7, args=[workspace_id], id=job_id)
    return ids


@pytest.mark.parametrize("purge", [False, True])
def test_an_uninstall_forgets_tokens_and_jobs_and_keeps_or_purges_data(
    engine: Engine,
    store: DbInstallationStore,
    clients: SlackClients,
    scheduler: BackgroundScheduler,
    purge: bool,
) -> None:
    install(store, "T1")
    install(store, "T2")
    workspace_id = workspace_with_queued_message(engine, "T1")
    other_id = workspace_with_queued_message(engine, "T2")
    jobs = schedule_jobs(scheduler, workspace_id)
    others = schedule_jobs(scheduler, other_id)
    assert clients.for_team("T1").token == "xoxb-T1"  # now cached
    forgotten = uninstall_workspace(
        db=session_scope_for(engine),
        team_id="T1",
        enterprise_id=None,
        org_install=False,
        purge=purge,
        installations=store,
        clients=clients,
        scheduler=scheduler,
    )
    assert (forgotten.workspace_id, forgotten.cancelled, forgotten.purged) == (
        workspace_id,
        1,
        purge,
    )
    assert store.find_team_bot("T1") is None and store.find_team_bot("T2") is not None
    with pytest.raises(NotInstalled):
        clients.for_team("T1")
    assert store.find_installation(enterprise_id=None, team_id="T1") is None
    assert [scheduler.get_job(j) for j in jobs] == [None, None]
    assert all(scheduler.get_job(j) is not None for j in others)
    with Session(engine) as session:
        teams = set(session.exec(select(Workspace.team_id)).all())
        statuses = {m.workspace_id: m.status for m in session.exec(select(OutboxMessage)).all()}
    assert teams == ({"T2"} if purge else {"T1", "T2"})
    expected = {other_id: OutboxStatus.PENDING}
    if not purge:
        expected[workspace_id] = OutboxStatus.FAILED
    assert statuses == expected
    # Slack may deliver the event again: nothing more happens.
    again = uninstall_workspace(
        db=session_scope_for(engine),
        team_id="T1",
        enterprise_id=None,
        org_install=False,
        purge=purge,
        installations=store,
        clients=clients,
        scheduler=scheduler,
    )
    assert again.cancelled == 0


def test_revoked_tokens_are_forgotten_the_bots_and_the_installers(
    engine: Engine, store: DbInstallationStore, clients: SlackClients
) -> None:
    install(store, "T1", user_token="xoxp-installer")
    ask: dict[str, Any] = {"team_id": "T1", "enterprise_id": None, "org_install": False}
    revoke_tokens(**ask, bot_ids=[], user_ids=["UADMIN"], installations=store, clients=clients)
    found = store.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.user_token is None and found.bot_token == "xoxb-T1"
    assert clients.for_team("T1").token == "xoxb-T1"  # the bot's token still works
    revoke_tokens(**ask, bot_ids=["UBOT"], user_ids=[], installations=store, clients=clients)
    assert store.find_bot(enterprise_id=None, team_id="T1") is None
    with pytest.raises(NotInstalled):
        clients.for_team("T1")
    assert store.find_installation(enterprise_id=None, team_id="T1") is None
