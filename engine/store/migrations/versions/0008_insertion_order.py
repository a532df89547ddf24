"""Insertion order where there is no rowid: data store records and incomplete executions get
`added`, numbered by a sequence on PostgreSQL (rows are listed oldest first, and a retry of
"all" takes the oldest first). SQLite keeps ordering by rowid and leaves the column empty.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("data_store_record", "incomplete_execution")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        if postgres:
            op.execute(f"CREATE SEQUENCE {table}_added")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(
                "added", sa.BigInteger(), nullable=True,
                server_default=sa.text(f"nextval('{table}_added')") if postgres else None))
        if postgres:
            op.execute(f"ALTER SEQUENCE {table}_added OWNED BY {table}.added")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("added")
