"""oauth: installations (tokens encrypted) and one-time states

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 16:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_installation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=True),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_name", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("bot_id", sa.String(length=32), nullable=True),
        sa.Column("bot_user_id", sa.String(length=32), nullable=True),
        sa.Column("bot_scopes", sa.Text(), nullable=True),
        sa.Column("bot_token", sa.Text(), nullable=True),
        sa.Column("bot_refresh_token", sa.Text(), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("user_scopes", sa.Text(), nullable=True),
        sa.Column("user_token", sa.Text(), nullable=True),
        sa.Column("user_refresh_token", sa.Text(), nullable=True),
        sa.Column("user_token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_type", sa.String(length=32), nullable=True),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "enterprise_id", "team_id"),
    )
    op.create_index(
        op.f("ix_slack_installation_team_id"), "slack_installation", ["team_id"], unique=False
    )
    op.create_table(
        "oauth_state",
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )
    op.create_index(op.f("ix_oauth_state_expires_at"), "oauth_state", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_oauth_state_expires_at"), table_name="oauth_state")
    op.drop_table("oauth_state")
    op.drop_index(op.f("ix_slack_installation_team_id"), table_name="slack_installation")
    op.drop_table("slack_installation")
