"""Incomplete executions, their blueprint versions, scenario health (maxErrors), and the
data store write journal that lets a crashed run"s unfinished cycle be undone.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "data_store_journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("execution_id", sa.String(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("previous", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("data_store_journal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_store_journal_execution_id"), ["execution_id"], unique=False
        )

    op.create_table(
        "incomplete_blueprint",
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "scenario_health",
        sa.Column("scenario", sa.String(), nullable=False),
        sa.Column("consecutive_errors", sa.Integer(), nullable=False),
        sa.Column("deactivated", sa.Boolean(), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scenario"),
    )
    op.create_table(
        "incomplete_execution",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("scenario", sa.String(), nullable=False),
        sa.Column("blueprint_sha256", sa.String(), nullable=False),
        sa.Column("execution_id", sa.String(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("bundles", sa.String(), nullable=False),
        sa.Column("execution_vars", sa.String(), nullable=False),
        sa.Column("trigger", sa.String(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("retry", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_execution_id", sa.String(), nullable=True),
        sa.Column("resolved_by", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["blueprint_sha256"],
            ["incomplete_blueprint.sha256"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incomplete_execution", schema=None) as batch_op:
        batch_op.create_index("ix_incomplete_scenario_status", ["scenario", "status"], unique=False)
        batch_op.create_index(
            "ix_incomplete_status_next_retry", ["status", "next_retry_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incomplete_execution", schema=None) as batch_op:
        batch_op.drop_index("ix_incomplete_status_next_retry")
        batch_op.drop_index("ix_incomplete_scenario_status")

    op.drop_table("incomplete_execution")
    op.drop_table("scenario_health")
    op.drop_table("incomplete_blueprint")
    with op.batch_alter_table("data_store_journal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_store_journal_execution_id"))

    op.drop_table("data_store_journal")
