"""Connections' metadata (secrets stay in the keyring) and the map from a Make export's
numeric connection ids to local connections.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "connection",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("app", sa.String(), nullable=False),
        sa.Column("component", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("fields", sa.String(), nullable=False),
        sa.Column("data", sa.String(), nullable=False),
        sa.Column("secret_fields", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=True),
        sa.Column("base_url_override", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "connection_import",
        sa.Column("make_id", sa.String(), nullable=False),
        sa.Column("connection_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connection.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("make_id"),
    )
    with op.batch_alter_table("connection_import", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connection_import_connection_id"), ["connection_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("connection_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connection_import_connection_id"))
    op.drop_table("connection_import")
    op.drop_table("connection")
