"""The installation store on our own tables: round trips, replacement, deletion, key rotation."""

from __future__ import annotations

import threading
import time

from slack_sdk.oauth.installation_store import Installation as SlackInstallation
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.crypto import TokenCipher, new_key
from core.db import session_scope_for
from models import Installation
from services.installations import DbInstallationStore

KEY = "an-installation-test-key-0123456789abcdef"


def _store(engine: Engine, key: str = KEY, client_id: str = "C1") -> DbInstallationStore:
    return DbInstallationStore(
        db=session_scope_for(engine), cipher=TokenCipher(key.split(",")), client_id=client_id
    )


def _install(
    team: str = "T1",
    *,
    user_token: str | None = None,
    enterprise: str | None = None,
    org: bool = False,
    token: str = "xoxb-1",
) -> SlackInstallation:
    return SlackInstallation(
        app_id="A1",
        enterprise_id=enterprise,
        team_id=None if org else team,
        team_name="Team",
        bot_token=token,
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes="commands,chat:write",
        bot_refresh_token="xoxe-1-refresh",
        bot_token_expires_in=3600,
        user_id="UADMIN",
        user_token=user_token,
        is_enterprise_install=org,
        installed_at=time.time(),
    )


def test_an_install_round_trips_with_every_token_encrypted(engine: Engine) -> None:
    store = _store(engine)
    store.save(_install(user_token="xoxp-user"))
    bot = store.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-1"
    assert bot.bot_refresh_token == "xoxe-1-refresh" and bot.bot_scopes == [
        "commands",
        "chat:write",
    ]
    assert bot.bot_token_expires_at is not None and bot.bot_token_expires_at > time.time() + 3000
    found = store.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.user_token == "xoxp-user"
    assert store.find_installation(enterprise_id=None, team_id="T1", user_id="USOMEONE") is None
    with Session(engine) as session:
        [row] = session.exec(select(Installation)).all()
    stored = [row.bot_token, row.bot_refresh_token, row.user_token]
    assert all(v and not v.startswith(("xox", "xoxe")) for v in stored)


def test_a_reinstall_replaces_the_row_and_other_clients_see_nothing(engine: Engine) -> None:
    store = _store(engine)
    store.save(_install(token="xoxb-old"))
    store.save(_install(token="xoxb-new"))
    with Session(engine) as session:
        assert len(session.exec(select(Installation)).all()) == 1
    assert store.find_team_bot("T1").bot_token == "xoxb-new"  # type: ignore[union-attr]
    assert _store(engine, client_id="OTHER").find_bot(enterprise_id=None, team_id="T1") is None
    assert store.find_bot(enterprise_id=None, team_id="T2") is None


def test_org_installs_are_found_for_the_org_not_a_team(engine: Engine) -> None:
    store = _store(engine)
    store.save(_install(enterprise="E1", org=True))
    org_bot = store.find_bot(enterprise_id="E1", team_id="T9", is_enterprise_install=True)
    assert org_bot is not None and org_bot.is_enterprise_install
    assert store.find_bot(enterprise_id="E1", team_id="T9") is None


def test_revoking_the_bot_keeps_the_user_token_and_delete_all_forgets_everything(
    engine: Engine,
) -> None:
    store = _store(engine)
    store.save(_install(user_token="xoxp-user"))
    store.delete_bot(enterprise_id=None, team_id="T1")
    assert store.find_bot(enterprise_id=None, team_id="T1") is None
    found = store.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.user_token == "xoxp-user"
    store.delete_installation(enterprise_id=None, team_id="T1", user_id="UADMIN")
    with Session(engine) as session:
        assert session.exec(select(Installation)).all() == []  # nothing left: row gone
    store.save(_install())
    store.delete_all(enterprise_id=None, team_id="T1")
    store.delete_all(enterprise_id=None, team_id="T1")  # twice is fine
    assert store.find_installation(enterprise_id=None, team_id="T1") is None


def test_keys_rotate_without_losing_an_install(engine: Engine) -> None:
    _store(engine).save(_install())
    new = new_key()
    both = _store(engine, key=f"{new},{KEY}")
    assert both.find_team_bot("T1") is not None
    assert both.reencrypt() == 1
    only_new = _store(engine, key=new)
    assert only_new.find_team_bot("T1").bot_token == "xoxb-1"  # type: ignore[union-attr]


def test_two_instances_saving_the_first_install_at_once_keep_one_row(engine: Engine) -> None:
    stores = [_store(engine), _store(engine)]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def save(store: DbInstallationStore, token: str) -> None:
        try:
            start.wait()
            store.save(_install(token=token))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(s, f"xoxb-{n}")) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with Session(engine) as session:
        assert len(session.exec(select(Installation)).all()) == 1
    assert stores[0].find_team_bot("T1").bot_token in ("xoxb-0", "xoxb-1")  # type: ignore[union-attr]
