"""Operations stored in batches (one row per about 2,000) rather than one row each.

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
        "operation_batch",
        sa.Column("execution_num", sa.Integer(), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["execution_num"], ["execution.num"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("execution_num", "first_seq"),
    )


def downgrade() -> None:
    op.drop_table("operation_batch")
