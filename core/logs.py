"""Logging: one JSON object per line, the request id on every record, no secret ever written.

Every record goes through one handler on the root logger. Its filter stamps the current
request id (a context variable the HTTP server sets per request), then rewrites the record
so that what reaches any handler has no Slack token, no configured secret, no request or
response body (Bolt logs whole bodies, with the text people typed, when a signature is
refused) and no SQL parameters (SQLAlchemy puts the values, comments included, in its
error messages).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import IO, Any, ParamSpec, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

P = ParamSpec("P")
T = TypeVar("T")

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "liaison_request_id", default=None
)
REDACTED = "[REDACTED]"
OMITTED = "[omitted]"
# Values shorter than this are no secret worth the name, and redacting them would mangle logs.
MIN_SECRET_LEN = 6
# Settings whose values must never appear in a log (and any added later with such a name).
SECRET_FIELD = re.compile(r"token|secret|password|(^|_)key($|_)")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Bot, user, app-level, refresh and rotating tokens: xoxb-, xoxp-, xapp-, xoxe-, xoxe.xoxb-
    (re.compile(r"(xox[a-z]|xapp)((?:\.xox[a-z])?-)[A-Za-z0-9-]+"), rf"\1\2{REDACTED}"),
    (re.compile(r"\b(Bearer|Basic) [A-Za-z0-9+/=._~-]+"), rf"\1 {REDACTED}"),
    # Socket Mode's connection URL carries a one-time ticket.
    (re.compile(r"(ticket=)[^&\s'\"]+"), rf"\1{REDACTED}"),
    # SQLAlchemy errors quote the statement's parameters: people's comments among them.
    (re.compile(r"\[parameters: [^\n]*\]"), f"[parameters: {OMITTED}]"),
    # Response URLs and incoming webhooks are credentials in their own right.
    (re.compile(r"(https://hooks\.slack\.com/)[^\s'\",]+"), rf"\1{REDACTED}"),
    # Bolt: "Invalid request signature detected (signature: ..., body: ...)"; Bolt's and
    # slack_sdk's DEBUG logs say "body: ..." too, and slack_sdk's "Sending a request - url:
    # ..., query_params: ..., body_params: ..., json_body: ...". Cut to the end of the message.
    (
        re.compile(r"(\b(?:body|query_params|body_params|json_body): ).*", re.DOTALL),
        rf"\1{OMITTED}",
    ),
    # Bolt: "A global middleware (...) skipped calling next() ... for the request (<body>)".
    (re.compile(r"(for the request \().*", re.DOTALL), rf"\1{OMITTED})"),
    # Bolt's OAuth callback failure (DEBUG) quotes the unauthenticated query string.
    (re.compile(r"(OAuth callback failure ).*", re.DOTALL), rf"\1{OMITTED}"),
    # slack_sdk Socket Mode: "Received an unsupported data frame (..., payload: ...)".
    (re.compile(r"(\bpayload: ).*", re.DOTALL), rf"\1{OMITTED}"),
)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


def new_request_id() -> str:
    """A fresh id for one incoming request."""
    return uuid.uuid4().hex[:16]


def current_request_id() -> str | None:
    """The id of the request being served in this context, if any."""
    return REQUEST_ID.get()


def secret_values(settings: BaseModel) -> list[str]:
    """The values of every secret-looking setting, and the database URL's password."""
    values: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name, None)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str) and SECRET_FIELD.search(name):
            values.append(value)
    database_url = getattr(settings, "database_url", None)
    if isinstance(database_url, str):
        try:
            password = make_url(database_url).password
        except ArgumentError:
            password = None
        if password:
            values.append(str(password))
    return values


class Redactor(logging.Filter):
    """Rewrites each record without secrets, bodies or SQL parameters; stamps the request id."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        literal = {s for s in secrets if s and len(s) >= MIN_SECRET_LEN}
        literal |= {quote(s, safe="") for s in literal}  # as they appear in URLs and forms
        # Longest first, so a secret containing another is replaced whole.
        alternatives = sorted(literal, key=len, reverse=True)
        self._secrets = (
            re.compile("|".join(re.escape(s) for s in alternatives)) if alternatives else None
        )

    def redact(self, text: str) -> str:
        """The text with every secret, token, body and SQL parameter list replaced."""
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        if self._secrets is not None:
            text = self._secrets.sub(REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place (other handlers see the clean one too); keep it."""
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        if getattr(record, "_liaison_clean", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the record
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.redact(value))
        record._liaison_clean = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


class _LiaisonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler configure_logging installed, so calling it again replaces it."""


# Chatty at INFO, and nothing an operator needs: httpx logs each URL (links users typed).
QUIET = {
    "alembic": logging.WARNING,
    "apscheduler": logging.WARNING,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
}


def configure_logging(
    level: str | int = "INFO", *, secrets: Iterable[str] = (), stream: IO[str] | None = None
) -> logging.Handler:
    """Send every record, as JSON lines without secrets, to `stream` (stderr by default)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _LiaisonHandler)]:
        root.removeHandler(handler)
        handler.close()
    handler = _LiaisonHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(Redactor(secrets))
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)
    return handler


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in a copy of the submitter's context (its request id).

    Bolt runs listeners in a pool after the ack; with this pool their log records carry
    the id of the request that started them.
    """

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Schedule `fn` to run in a copy of the current context."""
        context = contextvars.copy_context()

        def run() -> T:
            return context.run(fn, *args, **kwargs)

        return super().submit(run)
