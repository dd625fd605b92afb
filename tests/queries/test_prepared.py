"""The per-dialect statement cache: built once per dialect, the same object after that."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import InboxEvent
from queries.prepared import Prepared, column_length, dialect_of


def test_a_statement_is_built_once_per_dialect(engine: Engine) -> None:
    built: list[str] = []

    def build(dialect: str) -> sa.Select[int]:
        built.append(dialect)
        return sa.select(sa.bindparam("b_n", type_=sa.Integer))

    prepared = Prepared(build)
    with Session(engine) as session:
        first = prepared.on(session)
        assert prepared.on(session) is first
        assert session.execute(first, {"b_n": 7}).scalar_one() == 7
        assert built == [dialect_of(session)] == [engine.dialect.name]


def test_column_length_reads_the_declared_length() -> None:
    table: sa.Table = InboxEvent.__table__  # type: ignore[attr-defined]
    assert column_length(table.c.event_id) == 64
    with pytest.raises(TypeError):
        column_length(table.c.payload)  # Text: no length
