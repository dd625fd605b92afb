"""questions: closed when their post failed for good, with the reason

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("question") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("error", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("question") as batch:
        batch.drop_column("error")
        batch.drop_column("closed_at")
