"""launches: schedule, outbox links, job store

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 12:02:27.521496
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOBS_TABLE = "apscheduler_jobs"


def upgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), nullable=False, server_default="UTC")
        )
        batch_op.add_column(sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("summary_sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pending_collateral", sa.Text(), nullable=True))

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("asset_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("verify_first", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_outbox_message_campaign_id", ["campaign_id"], unique=False)
        batch_op.create_index("ix_outbox_channel_queue", ["channel_id", "id"], unique=False)
        batch_op.create_foreign_key(
            "fk_outbox_message_asset_id_asset", "asset", ["asset_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_foreign_key(
            "fk_outbox_message_campaign_id_campaign",
            "campaign",
            ["campaign_id"],
            ["id"],
            ondelete="CASCADE",
        )

    op.create_table(
        "campaign_asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "asset_id"),
    )

    # APScheduler's SQLAlchemyJobStore table, created here so the schema has one owner;
    # the job store's own create_all then finds it and does nothing.
    op.create_table(
        JOBS_TABLE,
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), index=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table(JOBS_TABLE)
    op.drop_table("campaign_asset")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint("fk_outbox_message_campaign_id_campaign", type_="foreignkey")
        batch_op.drop_constraint("fk_outbox_message_asset_id_asset", type_="foreignkey")
        batch_op.drop_index("ix_outbox_channel_queue")
        batch_op.drop_index("ix_outbox_message_campaign_id")
        batch_op.drop_column("verify_first")
        batch_op.drop_column("asset_id")
        batch_op.drop_column("campaign_id")

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("pending_collateral")
        batch_op.drop_column("summary_sent_at")
        batch_op.drop_column("scheduled_for")
        batch_op.drop_column("timezone")
