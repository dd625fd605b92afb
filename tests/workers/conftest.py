"""Fixtures for the workers' tests."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from tests.support.inbox import add_tracked_asset


@pytest.fixture
def asset_id(engine: Engine) -> int:
    """An asset whose thread reply (CHANNEL, TS) is tracked for votes."""
    return add_tracked_asset(engine)
