"""Data stores get a size limit (Make's "Data storage size", in MB; NULL: no limit).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("data_store", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_size_mb", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("data_store", schema=None) as batch_op:
        batch_op.drop_column("max_size_mb")
