"""One settings class for the whole app, from the environment and `.env` (SPEC: Configuration)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

HELP = "see manifest.yml and the README's 'Configuration' section"

# Where each setting comes from, used in the one-line start-up errors.
WHERE = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-...) under OAuth & Permissions",
    "SLACK_SIGNING_SECRET": "the Signing Secret under Basic Information",
    "SLACK_APP_TOKEN": "an app-level token (xapp-...) with connections:write "
    "under Basic Information",
    "SLACK_API_URL": "an http(s) URL such as https://slack.com/api/",
    "DATABASE_URL": "an SQLAlchemy URL such as sqlite:///./liaison.db or postgresql://user@host/db",
    "PORT": "a TCP port number between 1 and 65535",
    "SLACK_CLIENT_ID": "the Client ID under Basic Information",
    "SLACK_CLIENT_SECRET": "the Client Secret under Basic Information",
    "SLACK_STATE_SECRET": "any long random string you choose",
    "SLACK_REDIRECT_URI": "the https URL of /slack/oauth_redirect listed under OAuth & Permissions",
    "LIAISON_TOKEN_KEYS": "one or more comma-separated keys of at least 32 characters "
    "(`python -c 'import secrets; print(secrets.token_urlsafe(32))'` makes one); "
    "the first encrypts, all decrypt",
    "LIAISON_UNINSTALL_DATA": "keep or purge",
    "LIAISON_METRICS_PORT": "a TCP port number between 1 and 65535, or 0 for none",
    "LIAISON_METRICS_HOST": "an address to listen on, such as 127.0.0.1",
}


MIN_TOKEN_KEY_CHARS = 32


class SettingsError(Exception):
    """A missing or malformed setting, described in one line for the operator."""


class Settings(BaseSettings):
    """Everything Liaison reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_state_secret: str | None = None
    database_url: str = "sqlite:///./liaison.db"
    port: int = Field(default=3000, ge=1, le=65535)
    # Title fetches and link checks refuse private addresses; only the local sandbox turns this on.
    liaison_allow_private_urls: bool = False
    liaison_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # How long a claimed outgoing message stays locked before any instance may check
    # whether it reached Slack and send it again (more than the Slack client's timeout).
    liaison_delivery_lock_seconds: int = Field(default=30, ge=2, le=3600)
    # How many of one person's requests run at once (Slack requests in dispatch, and
    # listeners); the rest of theirs wait their turn, so one flood never delays others.
    liaison_listeners_per_person: int = Field(default=4, ge=1, le=16)
    # The inbox of acknowledged events (reactions): how long a worker's lease on a stored
    # event lasts before another process may take it over; how long an event may wait to
    # be stored before it is answered with an error (Slack retries it); how many attempts
    # before a failing event is parked; how often workers look for events stored by other
    # instances or left by a process that died.
    liaison_inbox_lease_seconds: float = Field(default=30, ge=1, le=3600)
    liaison_inbox_write_timeout_seconds: float = Field(default=2.0, gt=0, le=2.5)
    liaison_inbox_max_attempts: int = Field(default=5, ge=1, le=100)
    liaison_inbox_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    # OAuth: where Slack sends installers back (unset: the one set in the app's config).
    slack_redirect_uri: str | None = None
    # OAuth: keys that encrypt stored tokens; the first encrypts, every one decrypts
    # (list a new key first to rotate keys, drop the old one once re-encrypted).
    liaison_token_keys: str | None = None
    # What an uninstall does to the workspace's data (its tokens are always deleted).
    liaison_uninstall_data: Literal["keep", "purge"] = "keep"
    # When set, /metrics is also served on the public port, to requests bearing this token.
    liaison_metrics_token: str | None = None
    # /metrics has a listener of its own, on loopback by default (0: no such listener).
    liaison_metrics_port: int = Field(default=9464, ge=0, le=65535)
    liaison_metrics_host: str = "127.0.0.1"
    # The optional comment reviewer: an OpenAI-compatible chat completions endpoint and
    # model (both, or it stays off), its key, and how long a comment may wait for it.
    liaison_llm_url: str | None = None
    liaison_llm_model: str | None = None
    liaison_llm_api_key: str | None = None
    liaison_llm_timeout_seconds: float = Field(default=2.0, gt=0, le=10)
    # Retention, pruned hourly in batches: handled event ids (Slack retries for about an
    # hour, so at least 2), sent outbox rows, OAuth states after they expired.
    liaison_retain_events_hours: int = Field(default=24, ge=2, le=24 * 365)
    liaison_retain_sent_days: int = Field(default=30, ge=1, le=3650)
    liaison_retain_expired_states_hours: int = Field(default=1, ge=0, le=24 * 365)
    liaison_retain_batch: int = Field(default=1000, ge=10, le=100_000)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: str | None) -> str | None:
        value = _blank_to_none(value)
        if value is not None and not value.startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: str | None) -> str | None:
        value = _blank_to_none(value)
        if value is not None and not value.startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator(
        "slack_signing_secret",
        "slack_client_id",
        "slack_client_secret",
        "slack_state_secret",
        "liaison_metrics_token",
        "liaison_llm_model",
        "liaison_llm_api_key",
    )
    @classmethod
    def _optional_text(cls, value: str | None) -> str | None:
        value = _blank_to_none(value)
        if value is not None and re.search(r"\s", value):
            raise ValueError("must not contain spaces")
        return value

    @field_validator("slack_redirect_uri")
    @classmethod
    def _redirect_uri(cls, value: str | None) -> str | None:
        value = _blank_to_none(value)
        if value is not None and not re.match(r"^https?://[^\s/]+/\S*$", value):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("liaison_llm_url")
    @classmethod
    def _llm_url(cls, value: str | None) -> str | None:
        value = _blank_to_none(value)
        if value is not None and not re.match(r"^https?://[^\s/]+(?:/\S*)?$", value):
            raise ValueError("must be the http(s) URL of a chat completions endpoint")
        return value

    @field_validator("liaison_token_keys")
    @classmethod
    def _token_keys(cls, value: str | None) -> str | None:
        value = _blank_to_none(value)
        if value is None:
            return None
        keys = [k.strip() for k in value.split(",")]
        if any(len(k) < MIN_TOKEN_KEY_CHARS or re.search(r"\s", k) for k in keys):
            raise ValueError(
                f"every key must have at least {MIN_TOKEN_KEY_CHARS} characters and no spaces"
            )
        return ",".join(keys)

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip()
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        # Hosting providers hand out postgres:// URLs; SQLAlchemy wants a driver name.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        if not re.match(r"^(sqlite|postgresql\+psycopg)://", value):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @property
    def oauth_enabled(self) -> bool:
        """True when the multi-workspace OAuth settings are all present."""
        return bool(self.slack_client_id and self.slack_client_secret and self.slack_state_secret)

    @property
    def token_keys(self) -> list[str]:
        """The token encryption keys, the one that encrypts first."""
        return self.liaison_token_keys.split(",") if self.liaison_token_keys else []

    @property
    def socket_mode(self) -> bool:
        """True when an app-level token selects Socket Mode."""
        return self.slack_app_token is not None

    def require_for_serving(self) -> None:
        """Raise SettingsError unless the settings are enough to talk to Slack."""
        partial = ("slack_client_id", "slack_client_secret", "slack_state_secret")
        given = [n for n in partial if getattr(self, n)]
        if given and len(given) < len(partial):
            missing = next(n for n in partial if not getattr(self, n)).upper()
            raise SettingsError(
                f"{missing} is missing: OAuth needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and "
                f"SLACK_STATE_SECRET together ({missing}: {WHERE[missing]}; {HELP})."
            )
        if not self.oauth_enabled and not self.slack_bot_token:
            raise _missing("SLACK_BOT_TOKEN")
        if self.oauth_enabled and self.socket_mode:
            raise SettingsError(
                "SLACK_APP_TOKEN and the OAuth settings are both set: installing into many "
                "workspaces needs HTTP mode (/slack/install), so unset SLACK_APP_TOKEN, or "
                f"unset SLACK_CLIENT_ID/SECRET/STATE_SECRET for one workspace ({HELP})."
            )
        if self.oauth_enabled and not self.liaison_token_keys:
            raise SettingsError(
                "LIAISON_TOKEN_KEYS is not set: OAuth stores each workspace's tokens encrypted; "
                f"set it to {WHERE['LIAISON_TOKEN_KEYS']} ({HELP})."
            )
        if not self.socket_mode and not self.slack_signing_secret:
            raise _missing("SLACK_SIGNING_SECRET")


class ExplicitSettings(Settings):
    """Settings from the values given and nothing else: no environment, no `.env` file.

    For the demo, which runs against its own sandbox whatever the shell has exported.
    """

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the constructor's arguments."""
        return (init_settings,)


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _missing(name: str) -> SettingsError:
    return SettingsError(f"{name} is not set: set it to {WHERE[name]} ({HELP}).")


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning any validation error into one SettingsError line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "a setting"
        reason = str(first["msg"]).removeprefix("Value error, ")
        where = WHERE.get(name)
        hint = f"; expected {where}" if where else ""
        raise SettingsError(f"{name} is invalid: {reason}{hint} ({HELP}).") from None
