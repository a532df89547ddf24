"""The webhook queue: every accepted request, stored before it is answered, until a run
has consumed it (engine.runtime.webhook_queue).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hook", sa.String(), nullable=False),
        sa.Column("scenario", sa.String(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("headers", sa.LargeBinary(), nullable=False),
        sa.Column("query", sa.LargeBinary(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("body_codec", sa.String(), nullable=False),
        sa.Column("options", sa.LargeBinary(), nullable=True),
        sa.Column("respond", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("execution_id", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_request_scenario_status", ["scenario", "status", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_request", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_request_scenario_status")
    op.drop_table("webhook_request")
