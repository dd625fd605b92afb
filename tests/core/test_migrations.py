"""The migrations build exactly the schema the models describe (on SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)

# APScheduler's job store lives in our database but is APScheduler's table, not a model.
NOT_MODELS = {"apscheduler_jobs"}


def _table_of(diff: tuple[object, ...]) -> str | None:
    for part in diff[1:]:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if isinstance(name, str):
            return name
    return None


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, SQLModel.metadata)
    flat = [d for d in diffs if isinstance(d, tuple)] + [
        d for group in diffs if isinstance(group, list) for d in group
    ]
    assert [d for d in flat if _table_of(d) not in NOT_MODELS] == []
    assert {"slack_installation", "oauth_state"} <= set(SQLModel.metadata.tables)
