"""`bot.py reencrypt-tokens`: key rotation for stored OAuth tokens, as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from slack_sdk.oauth.installation_store import Installation as SlackInstallation

from core.crypto import TokenCipher, new_key
from core.db import make_engine, migrate, session_scope_for
from services.installations import DbInstallationStore

ROOT = Path(__file__).resolve().parent.parent
OLD = "the-old-token-key-0123456789abcdefghijkl"


def _bot_py(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "reencrypt-tokens"],
        env={"PATH": os.environ.get("PATH", ""), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_tokens_move_to_the_new_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'liaison.db'}"
    migrate(url)
    engine = make_engine(url)
    db = session_scope_for(engine)
    DbInstallationStore(db=db, cipher=TokenCipher([OLD]), client_id="1.2").save(
        SlackInstallation(
            team_id="T1",
            bot_token="xoxb-keep-me",
            bot_id="B",
            bot_user_id="U",
            user_id="U1",
            installed_at=time.time(),
        )
    )
    new = new_key()
    oauth = {
        "DATABASE_URL": url,
        "SLACK_CLIENT_ID": "1.2",
        "SLACK_CLIENT_SECRET": "secret",
        "SLACK_STATE_SECRET": "state",
    }
    missing_old = _bot_py(tmp_path, **oauth, LIAISON_TOKEN_KEYS=new)
    assert missing_old.returncode == 1
    assert "keep the old key" in missing_old.stderr and "xoxb" not in missing_old.stderr
    done = _bot_py(tmp_path, **oauth, LIAISON_TOKEN_KEYS=f"{new},{OLD}")
    assert done.returncode == 0, done.stderr
    assert "1 installs re-encrypted" in done.stdout
    only_new = DbInstallationStore(db=db, cipher=TokenCipher([new]), client_id="1.2")
    assert only_new.find_team_bot("T1").bot_token == "xoxb-keep-me"  # type: ignore[union-attr]
    engine.dispose()
    without_oauth = _bot_py(tmp_path, DATABASE_URL=url)
    assert without_oauth.returncode == 2 and "LIAISON_TOKEN_KEYS" in without_oauth.stderr
