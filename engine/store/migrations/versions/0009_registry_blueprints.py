"""The scenario registry keeps each blueprint's text: serve nodes on other machines, which
share the database but not the folder the file is in, run the copy.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blueprint", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("blueprint_sha256", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.drop_column("blueprint_sha256")
        batch_op.drop_column("blueprint")
