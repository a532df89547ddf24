"""The first history.db schema: executions, their operations, blueprint versions, blobs.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "blueprint_version",
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("scenario", sa.String(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "history_meta",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "execution",
        sa.Column("num", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("scenario", sa.String(), nullable=False),
        sa.Column("blueprint_sha256", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("trigger", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("operations", sa.Integer(), nullable=False),
        sa.Column("data_transfer", sa.Integer(), nullable=False),
        sa.Column("incomplete_executions", sa.Integer(), nullable=False),
        sa.Column("check_run", sa.Boolean(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("resumed_from", sa.String(), nullable=True),
        sa.Column("error", sa.LargeBinary(), nullable=True),
        sa.Column("summary", sa.LargeBinary(), nullable=True),
        sa.Column("stored_bytes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["blueprint_sha256"], ["blueprint_version.sha256"]),
        sa.PrimaryKeyConstraint("num"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_execution_scenario_started", "execution", ["scenario", "started_at"])
    op.create_index("ix_execution_started_at", "execution", ["started_at"])
    op.create_table(
        "execution_blob",
        sa.Column("execution_num", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["execution_num"], ["execution.num"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("execution_num", "sha256"),
    )
    op.create_table(
        "operation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("execution_num", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("filter_passed", sa.Boolean(), nullable=True),
        sa.Column("output_count", sa.Integer(), nullable=False),
        sa.Column("error", sa.LargeBinary(), nullable=True),
        sa.Column("input", sa.LargeBinary(), nullable=True),
        sa.Column("outputs", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["execution_num"], ["execution.num"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_operation_execution_seq", "operation", ["execution_num", "seq"], unique=True
    )


def downgrade() -> None:
    op.drop_table("operation")
    op.drop_table("execution_blob")
    op.drop_table("execution")
    op.drop_table("history_meta")
    op.drop_table("blueprint_version")
