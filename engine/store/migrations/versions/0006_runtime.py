"""The background runtime's state: registered scenarios (active, schedule, next run), the
workspace's webhooks, the runtime's settings, and polling triggers' cursors (which lived in
`app-triggers.json` before; that file is still read until a trigger writes its next cursor).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "scenario",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("file", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("schedule", sa.String(), nullable=True),
        sa.Column("catch_up", sa.String(), nullable=False),
        sa.Column("next_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("start_from", sa.String(), nullable=True),
        sa.Column("deactivated_reason", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "webhook",
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("scenario", sa.String(), nullable=True),
        sa.Column("make_id", sa.String(), nullable=True),
        sa.Column("options", sa.String(), nullable=False),
        sa.Column("api_keys_ref", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token"),
    )
    with op.batch_alter_table("webhook", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_scenario", ["scenario"], unique=False)
    op.create_table(
        "setting",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "trigger_cursor",
        sa.Column("scenario", sa.String(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scenario", "module_id"),
    )


def downgrade() -> None:
    op.drop_table("trigger_cursor")
    op.drop_table("setting")
    with op.batch_alter_table("webhook", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_scenario")
    op.drop_table("webhook")
    op.drop_table("scenario")
