"""security: the digest in shared channels only when allowed; find a message's workspace

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspace") as batch:
        batch.add_column(
            sa.Column(
                "digest_shared_allowed", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    # A click on one of our messages, by someone of another organisation, is attributed by
    # the message's place (channel, ts).
    op.create_index("ix_announcement_post_message", "announcement_post", ["channel_id", "ts"])
    op.create_index("ix_question_message", "question", ["channel_id", "ts"])


def downgrade() -> None:
    op.drop_index("ix_question_message", table_name="question")
    op.drop_index("ix_announcement_post_message", table_name="announcement_post")
    with op.batch_alter_table("workspace") as batch:
        batch.drop_column("digest_shared_allowed")
