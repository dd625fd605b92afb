"""Test databases: reading a table whole, and emptying a migrated PostgreSQL database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import make_engine


def truncate_postgres(url: str) -> None:
    """Empty every table of a migrated PostgreSQL database, keeping its schema."""
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        if tables:
            quoted = ", ".join(f'"{t}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    engine.dispose()


def rows(engine: Engine, model: type) -> list[Any]:
    """Every row of a model's table."""
    with Session(engine) as session:
        return list(session.exec(select(model)).all())
