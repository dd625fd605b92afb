from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import Settings, SettingsError, load_settings
from sandbox import SlackSandbox

ROOT = Path(__file__).resolve().parents[2]


def test_defaults() -> None:
    settings = load_settings()
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///./liaison.db"
    assert settings.port == 3000
    assert not settings.socket_mode and not settings.oauth_enabled
    assert settings.liaison_allow_private_urls is False
    assert settings.liaison_inbox_lease_seconds == 30
    assert settings.liaison_inbox_write_timeout_seconds == 2.0


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_is_normalised(given: str, normalised: str) -> None:
    assert Settings(database_url=given).database_url == normalised


def test_api_url_gets_its_trailing_slash() -> None:
    assert (
        Settings(slack_api_url="http://127.0.0.1:9/api").slack_api_url == "http://127.0.0.1:9/api/"
    )


def test_env_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_SIGNING_SECRET=from-dotenv\nPORT=4000\n")
    monkeypatch.setenv("PORT", "5000")
    settings = load_settings()
    assert settings.slack_signing_secret == "from-dotenv"
    assert settings.port == 5000  # the environment wins over .env


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN is invalid: must be a bot token"),
        ("SLACK_APP_TOKEN", "xoxb-not-app", "SLACK_APP_TOKEN is invalid"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL is invalid"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL is invalid"),
        ("PORT", "eighty", "PORT is invalid"),
        ("PORT", "70000", "PORT is invalid"),
        ("SLACK_SIGNING_SECRET", "has spaces in it", "SLACK_SIGNING_SECRET is invalid"),
        # An event must be stored (or refused) before Slack's 3 seconds run out.
        (
            "LIAISON_INBOX_WRITE_TIMEOUT_SECONDS",
            "3",
            "LIAISON_INBOX_WRITE_TIMEOUT_SECONDS is invalid",
        ),
        ("LIAISON_INBOX_LEASE_SECONDS", "0", "LIAISON_INBOX_LEASE_SECONDS is invalid"),
        ("LIAISON_INBOX_MAX_ATTEMPTS", "0", "LIAISON_INBOX_MAX_ATTEMPTS is invalid"),
    ],
)
def test_malformed_values_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(says)
    assert "manifest.yml" in message and "\n" not in message
    if "TOKEN" in name or "SECRET" in name:
        assert value not in message  # never echo a secret back


def test_serving_requires_token_and_secret() -> None:
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN is not set"):
        Settings().require_for_serving()
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is not set"):
        Settings(slack_bot_token="xoxb-1").require_for_serving()
    Settings(slack_bot_token="xoxb-1", slack_signing_secret="s").require_for_serving()
    # Socket Mode needs no signing secret.
    Settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1").require_for_serving()
    with pytest.raises(SettingsError, match="SLACK_CLIENT_SECRET is missing"):
        Settings(slack_signing_secret="s", slack_client_id="123.456").require_for_serving()
    oauth = {
        "slack_signing_secret": "s",
        "slack_client_id": "123.456",
        "slack_client_secret": "c",
        "slack_state_secret": "t",
    }
    with pytest.raises(SettingsError, match="LIAISON_TOKEN_KEYS is not set"):
        Settings(**oauth).require_for_serving()  # type: ignore[arg-type]
    keys = "k" * 40
    Settings(**oauth, liaison_token_keys=keys).require_for_serving()  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="needs HTTP mode"):
        Settings(**oauth, liaison_token_keys=keys, slack_app_token="xapp-1").require_for_serving()  # type: ignore[arg-type]


def _bot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": "not-a-token"}, "SLACK_BOT_TOKEN is invalid"),
        ({"PORT": "-1", "SLACK_BOT_TOKEN": "xoxb-1"}, "PORT is invalid"),
        ({"DATABASE_URL": "oracle://x"}, "DATABASE_URL is invalid"),
    ],
)
def test_serve_with_bad_settings_prints_one_line_and_exits_2(
    tmp_path: Path, env: dict[str, str], says: str
) -> None:
    base = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    result = _bot("serve", env={**base, **env}, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and says in lines[0], result.stderr


def test_serve_with_an_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }
    result = _bot("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "DATABASE_URL could not be used" in result.stderr


@pytest.mark.parametrize(
    "database_url",
    ["postgresql://nobody@127.0.0.1:1/none", "sqlite:////nonexistent-dir/sub/x.db"],
)
def test_migrate_with_an_unusable_database_is_one_clear_line(
    tmp_path: Path, database_url: str
) -> None:
    result = _bot(
        "migrate", env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "DATABASE_URL could not be used" in lines[0], result.stderr


def test_migrate_then_migrate_again_is_a_no_op(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/m.db"}
    for _ in range(2):
        result = _bot("migrate", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "database is up to date" in result.stdout


def test_serve_rejects_a_bad_port_argument(tmp_path: Path) -> None:
    result = _bot("serve", "--port", "99999", env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert result.returncode == 2 and "not a port number" in result.stderr


def test_bolt_sees_none_of_its_environment_variables(
    monkeypatch: pytest.MonkeyPatch, sandbox: SlackSandbox, database_url: str
) -> None:
    from app.assembly import BOLT_ENVIRONMENT, create_app, create_runtime
    from core.db import make_engine
    from tests.support.serving import SIGNING_SECRET, make_settings

    settings = make_settings(sandbox, database_url)  # ours, read before the shell's
    for name in BOLT_ENVIRONMENT:
        monkeypatch.setenv(name, f"from-the-shell-{name.lower()}")
    engine = make_engine(database_url)
    runtime = create_runtime(settings, engine)
    try:
        app = create_app(runtime)
        # No OAuth flow of Bolt's own (it builds one when it sees SLACK_CLIENT_ID/SECRET),
        # our signing secret, our token.
        assert app.oauth_flow is None
        assert app._signing_secret == SIGNING_SECRET
        assert app.client.token == sandbox.BOT_TOKEN
        # The variables are back for anything else in the process.
        assert os.environ["SLACK_CLIENT_ID"] == "from-the-shell-slack_client_id"
    finally:
        runtime.executor.shutdown(wait=False)
        runtime.http.close()
        engine.dispose()
