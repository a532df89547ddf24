"""Counters of `util:FunctionIncrement` set to reset "Never", kept between runs.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "increment_counter",
        sa.Column("scenario", sa.String(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scenario", "module_id"),
    )


def downgrade() -> None:
    op.drop_table("increment_counter")
