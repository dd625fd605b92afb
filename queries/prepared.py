"""Statements built once per database dialect and reused with bind parameters.

Building a SQLAlchemy statement (and compiling it, which SQLAlchemy caches per statement
object) costs more than running it on a hot path: rebuilding the vote's statements per
event was most of a vote's CPU (bench/events.py). A `Prepared` builds its statement the
first time a dialect asks for it and hands back the same object after that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.db import conflict_insert

S = TypeVar("S", bound=sa.Executable)

# The INSERT of either dialect: both know ON CONFLICT, RETURNING and `excluded`.
Upsert = postgresql.Insert | sqlite.Insert


def dialect_of(session: Session) -> str:
    """The name of the dialect the session's bind speaks ("sqlite", "postgresql")."""
    return str(session.get_bind().dialect.name)


def upsert_into(dialect: str, table: sa.Table) -> Upsert:
    """An INSERT into `table` that knows ON CONFLICT, for this dialect."""
    insert: Callable[[sa.Table], Upsert] = conflict_insert(dialect)
    return insert(table)


def column_length(column: sa.ColumnElement[str]) -> int:
    """The most characters a string column holds."""
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):  # SQLModel's AutoString wraps a String
        kind = kind.impl_instance
    if not isinstance(kind, sa.String) or kind.length is None:
        raise TypeError(f"{column} has no length")
    return kind.length


class Prepared(Generic[S]):
    """One statement per dialect, built on first use by `build(dialect)`."""

    __slots__ = ("_build", "_built")

    def __init__(self, build: Callable[[str], S]) -> None:
        self._build = build
        self._built: dict[str, S] = {}

    def on(self, session: Session) -> S:
        """The statement for the dialect `session` speaks."""
        dialect = str(session.get_bind().dialect.name)
        built = self._built.get(dialect)
        if built is None:
            built = self._built[dialect] = self._build(dialect)
        return built
