"""Time a run waited at the debugger's breakpoints, so its duration leaves it out.

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
    with op.batch_alter_table("execution") as batch:
        batch.add_column(sa.Column("paused_s", sa.Float(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("execution") as batch:
        batch.drop_column("paused_s")
