"""OAuth installs in our own database: Bolt's installation and state stores, tokens encrypted.

slack_sdk ships SQLAlchemy stores, but they keep tokens in plain text (SPEC: platform facts)
and their own tables outside our migrations. These keep one row per workspace (or org) with
every token encrypted by `core.crypto.TokenCipher`, and one-time `state` values that any
instance can consume exactly once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from datetime import UTC, datetime, timedelta
from logging import Logger
from typing import Any

import sqlalchemy as sa
from slack_sdk.oauth.installation_store import Bot, InstallationStore
from slack_sdk.oauth.installation_store import Installation as SlackInstallation
from slack_sdk.oauth.state_store import OAuthStateStore
from sqlmodel import Session, col, select

from core.crypto import TokenCipher
from core.db import SessionScope, conflict_insert, unit_of_work, writing
from models import Installation, OAuthState, as_utc, utcnow

logger = logging.getLogger(__name__)

STATE_TTL_S = 600  # an install started more than ten minutes ago must start again
_STATE: sa.Table = OAuthState.__table__  # type: ignore[attr-defined]


def _key(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
) -> tuple[str, str]:
    """The (enterprise, team) a row is stored under: an org-wide install has no team."""
    return enterprise_id or "", "" if is_enterprise_install else (team_id or "")


def _moment(epoch: int | float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(as_utc(moment).timestamp())


# Slack-keyed throughout: installations and tokens are Slack's, by team or enterprise id.
class DbInstallationStore(InstallationStore):
    """Bolt's installation store on the `slack_installation` table."""

    def __init__(
        self,
        *,
        db: SessionScope,
        cipher: TokenCipher,
        client_id: str,
        read: SessionScope | None = None,
    ) -> None:
        self._db = db
        # Look-ups run on every request (Bolt's authorize): never behind a writer.
        self._read = read or db
        self._cipher = cipher
        self.client_id = client_id

    @property
    def logger(self) -> Logger:
        return logger

    # ------------------------------------------------------------ writing

    def save(self, installation: SlackInstallation) -> None:
        """Store the latest install of a workspace (or org), replacing the one before."""
        enterprise, team = _key(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        with self._db() as session:
            row = self._row(session, enterprise, team, for_update=True) or Installation(
                client_id=self.client_id, enterprise_id=enterprise, team_id=team
            )
            row.app_id = installation.app_id
            row.enterprise_name = installation.enterprise_name
            row.team_name = installation.team_name
            row.is_enterprise_install = bool(installation.is_enterprise_install)
            row.token_type = installation.token_type
            if installation.bot_token:
                self._set_bot(row, installation.to_bot())
            row.user_id = installation.user_id
            row.user_scopes = ",".join(installation.user_scopes or [])
            row.user_token = self._seal(installation.user_token)
            row.user_refresh_token = self._seal(installation.user_refresh_token)
            row.user_token_expires_at = _moment(installation.user_token_expires_at)
            row.updated_at = utcnow()
            self._commit(session, row)

    def save_bot(self, bot: Bot) -> None:
        """Store a workspace's bot token (a new install, or a rotated token)."""
        enterprise, team = _key(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        with self._db() as session:
            row = self._row(session, enterprise, team, for_update=True) or Installation(
                client_id=self.client_id,
                enterprise_id=enterprise,
                team_id=team,
                app_id=bot.app_id,
                team_name=bot.team_name,
                enterprise_name=bot.enterprise_name,
                is_enterprise_install=bool(bot.is_enterprise_install),
            )
            self._set_bot(row, bot)
            row.updated_at = utcnow()
            self._commit(session, row)

    def _set_bot(self, row: Installation, bot: Bot) -> None:
        row.bot_id = bot.bot_id
        row.bot_user_id = bot.bot_user_id
        row.bot_scopes = ",".join(bot.bot_scopes or [])
        row.bot_token = self._seal(bot.bot_token)
        row.bot_refresh_token = self._seal(bot.bot_refresh_token)
        row.bot_token_expires_at = _moment(bot.bot_token_expires_at)

    def _commit(self, session: Session, row: Installation) -> None:
        try:
            with writing(session):
                session.add(row)
        except sa.exc.IntegrityError:
            # Another instance stored the same workspace's first install at the same moment:
            # ours is as new as theirs, so write it over theirs (the step rolled ours back).
            with writing(session):
                existing = self._row(session, row.enterprise_id, row.team_id, for_update=True)
                if existing is None:
                    raise
                for name in Installation.model_fields:
                    if name not in ("id", "installed_at"):
                        setattr(existing, name, getattr(row, name))
                session.add(existing)

    # ------------------------------------------------------------ reading

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The bot install for a workspace (or org), tokens decrypted."""
        enterprise, team = _key(enterprise_id, team_id, is_enterprise_install)
        with self._read() as session:
            row = self._row(session, enterprise, team)
        if row is None or row.bot_token is None:
            return None
        return self._bot(row)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> SlackInstallation | None:
        """The workspace's (or org's) install; with a user id, only that installer's."""
        enterprise, team = _key(enterprise_id, team_id, is_enterprise_install)
        with self._read() as session:
            row = self._row(session, enterprise, team)
        if row is None or (user_id is not None and row.user_id != user_id):
            return None
        return SlackInstallation(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id or None,
            enterprise_name=row.enterprise_name,
            team_id=row.team_id or None,
            team_name=row.team_name,
            bot_token=self._open(row.bot_token),
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=row.bot_scopes or "",
            bot_refresh_token=self._open(row.bot_refresh_token),
            bot_token_expires_at=_epoch(row.bot_token_expires_at),
            user_id=row.user_id or "",
            user_token=self._open(row.user_token),
            user_scopes=row.user_scopes or "",
            user_refresh_token=self._open(row.user_refresh_token),
            user_token_expires_at=_epoch(row.user_token_expires_at),
            is_enterprise_install=row.is_enterprise_install,
            token_type=row.token_type,
            installed_at=as_utc(row.installed_at).timestamp(),
        )

    def find_team_bot(self, team_id: str) -> Bot | None:
        """The bot install of a Liaison workspace, by its key alone (jobs know nothing else).

        The key is a team id, or for an org-wide install the organisation's enterprise id
        (domain.receiver: an org-wide install is one Liaison workspace).
        """
        with self._read() as session:
            row = session.exec(
                self._by_key(team_id).where(col(Installation.bot_token).is_not(None))
            ).first()
        return None if row is None else self._bot(row)

    def installed(self, team_id: str) -> bool:
        """True when this team has an install of its own (not through an org-wide one)."""
        with self._read() as session:
            found = session.exec(
                select(Installation.id).where(
                    Installation.client_id == self.client_id,
                    Installation.team_id == team_id,
                    col(Installation.is_enterprise_install).is_(False),
                )
            ).first()
        return found is not None

    def _by_key(self, key: str) -> Any:
        return (
            select(Installation)
            .where(
                Installation.client_id == self.client_id,
                sa.or_(
                    sa.and_(
                        col(Installation.team_id) == key,
                        col(Installation.is_enterprise_install).is_(False),
                    ),
                    sa.and_(
                        col(Installation.enterprise_id) == key,
                        col(Installation.is_enterprise_install).is_(True),
                    ),
                ),
            )
            .order_by(col(Installation.updated_at).desc())
        )

    def reencrypt(self) -> int:
        """Re-encrypt every stored token with the first key; returns the rows rewritten.

        Run after listing a new key first in LIAISON_TOKEN_KEYS; the old key can then go.
        """
        fields = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
        with unit_of_work(self._db) as session:
            rows = session.exec(
                select(Installation).where(Installation.client_id == self.client_id)
            ).all()
            for row in rows:
                for name in fields:
                    stored = getattr(row, name)
                    if stored is not None:
                        setattr(row, name, self._cipher.rotate(stored))
                session.add(row)
        return len(rows)

    def _bot(self, row: Installation) -> Bot:
        token = self._open(row.bot_token)
        assert token is not None
        return Bot(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id or None,
            enterprise_name=row.enterprise_name,
            team_id=row.team_id or None,
            team_name=row.team_name,
            bot_token=token,
            bot_id=row.bot_id or "",
            bot_user_id=row.bot_user_id or "",
            bot_scopes=row.bot_scopes or "",
            bot_refresh_token=self._open(row.bot_refresh_token),
            bot_token_expires_at=_epoch(row.bot_token_expires_at),
            is_enterprise_install=row.is_enterprise_install,
            installed_at=as_utc(row.installed_at).timestamp(),
        )

    # ------------------------------------------------------------ deleting

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget a workspace's bot token (it was revoked)."""
        self._delete(enterprise_id, team_id, bot=True, user_id=None)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Forget the installer's user token (one user's, when a user id is given)."""
        self._delete(enterprise_id, team_id, bot=False, user_id=user_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget everything stored for a workspace (the app was uninstalled)."""
        with unit_of_work(self._db) as session:
            session.execute(
                sa.delete(Installation).where(
                    col(Installation.client_id) == self.client_id,
                    col(Installation.team_id) == (team_id or ""),
                    col(Installation.enterprise_id) == (enterprise_id or ""),
                )
            )

    def _delete(
        self, enterprise_id: str | None, team_id: str | None, *, bot: bool, user_id: str | None
    ) -> None:
        with unit_of_work(self._db) as session:
            row = self._row(session, enterprise_id or "", team_id or "", for_update=True)
            if row is None:
                return
            if bot:
                row.bot_token = row.bot_refresh_token = None
                row.bot_token_expires_at = None
            elif user_id is None or row.user_id == user_id:
                row.user_token = row.user_refresh_token = None
                row.user_token_expires_at = None
            if row.bot_token is None and row.user_token is None:
                session.delete(row)
            else:
                row.updated_at = utcnow()
                session.add(row)

    # ------------------------------------------------------------ helpers

    def _row(
        self, session: Session, enterprise: str, team: str, *, for_update: bool = False
    ) -> Installation | None:
        query = select(Installation).where(
            Installation.client_id == self.client_id,
            Installation.enterprise_id == enterprise,
            Installation.team_id == team,
        )
        if for_update:
            query = query.with_for_update()
        return session.exec(query).first()

    def _seal(self, token: str | None) -> str | None:
        return None if token is None else self._cipher.encrypt(token)

    def _open(self, stored: str | None) -> str | None:
        return None if stored is None else self._cipher.decrypt(stored)


class DbStateStore(OAuthStateStore):
    """One-time OAuth `state` values: signed when issued, recorded once when consumed.

    /slack/install is open to anyone, so issuing a state writes nothing: the state carries
    its own expiry and a random nonce, signed with SLACK_STATE_SECRET. Only a signed,
    unexpired state coming back from Slack's consent screen is written, as its nonce's
    row; a second use of it conflicts with that row, on any instance.
    """

    def __init__(self, *, db: SessionScope, secret: str, ttl_s: int = STATE_TTL_S) -> None:
        self._db = db
        self._key = hashlib.sha256(b"liaison-oauth-state:" + secret.encode()).digest()
        self._ttl = ttl_s

    @property
    def logger(self) -> Logger:
        return logger

    def issue(self, *args: Any, **kwargs: Any) -> str:
        """A new state: `<expiry>.<nonce>.<signature>`, valid for the TTL; nothing stored."""
        expires = int(time.time()) + self._ttl
        body = f"{expires}.{secrets.token_urlsafe(18)}"
        return f"{body}.{self._sign(body)}"

    def consume(self, state: str) -> bool:
        """True exactly once for a state this app issued that has not expired."""
        parts = state.split(".") if isinstance(state, str) and len(state) <= 128 else []
        if len(parts) != 3 or not parts[0].isascii() or not parts[0].isdigit():
            return False
        expires_at, nonce, signature = int(parts[0]), parts[1], parts[2]
        expected = self._sign(f"{parts[0]}.{nonce}")
        if not hmac.compare_digest(expected.encode(), signature.encode("ascii", "replace")):
            return False
        now = time.time()
        if not now <= expires_at <= now + self._ttl + 60:
            return False
        with unit_of_work(self._db) as session:
            swept = utcnow() - timedelta(seconds=60)
            session.execute(sa.delete(_STATE).where(_STATE.c.expires_at < swept))
            inserted = session.execute(
                conflict_insert(session.get_bind().dialect.name)(_STATE)
                .values(state=nonce, expires_at=datetime.fromtimestamp(expires_at, UTC))
                .on_conflict_do_nothing()
                .returning(_STATE.c.state)
            ).first()
        return inserted is not None

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]
