"""Several instances starting at once on one fresh PostgreSQL database all migrate cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("TEST_DATABASE_URL")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(URL is None, reason="PostgreSQL tests run when TEST_DATABASE_URL is set"),
]


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database of its own on the test server, dropped afterwards."""
    assert URL is not None
    name = f"liaison_race_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_four_instances_migrating_at_once_all_succeed(fresh_database: str, tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": fresh_database}
    processes = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "bot.py"), "migrate"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], outputs
    engine = sa.create_engine(fresh_database)
    with engine.connect() as connection:
        versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        tables = set(sa.inspect(connection).get_table_names())
    engine.dispose()
    assert len(versions) == 1
    assert {"workspace", "outbox_message", "slack_installation", "oauth_state"} <= tables
