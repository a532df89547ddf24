"""Byte and operation counts of a run are 64-bit on PostgreSQL (its INTEGER stops at 2 GB: a
run moving a 3 GB file could not record how it ended). SQLite's INTEGER is 64-bit already.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

COLUMNS = {"execution": ("operations", "data_transfer", "stored_bytes"),
           "blueprint_version": ("size",)}


def _retype(kind: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {c} TYPE {kind}" for c in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    _retype("BIGINT")


def downgrade() -> None:
    _retype("INTEGER")
