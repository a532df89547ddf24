"""Data stores get a size limit (Make's "Data storage size", in MB; NULL: no limit) and keep
their record count and size (bytes of keys and stored JSON) up to date with triggers, so
listing stores and opening the browser never scan a million records. SQLite's triggers
have plpgsql twins on PostgreSQL.

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

_SIZE = "(length(CAST({0}.key AS BLOB)) + length(CAST({0}.data AS BLOB)))"
TRIGGERS = {
    "data_store_record_added": f"""
        AFTER INSERT ON data_store_record BEGIN
            UPDATE data_store SET record_count = record_count + 1,
                size_bytes = size_bytes + {_SIZE.format("NEW")} WHERE id = NEW.store_id;
        END""",
    "data_store_record_changed": f"""
        AFTER UPDATE OF key, data ON data_store_record BEGIN
            UPDATE data_store SET size_bytes = size_bytes - {_SIZE.format("OLD")}
                + {_SIZE.format("NEW")} WHERE id = NEW.store_id;
        END""",
    "data_store_record_removed": f"""
        AFTER DELETE ON data_store_record BEGIN
            UPDATE data_store SET record_count = record_count - 1,
                size_bytes = size_bytes - {_SIZE.format("OLD")} WHERE id = OLD.store_id;
        END""",
}


# PostgreSQL's triggers call functions: one plpgsql function per trigger, same arithmetic
# (octet_length is SQLite's length(CAST(... AS BLOB)): bytes of the UTF-8 text).
_PG_SIZE = "(octet_length({0}.key) + octet_length({0}.data))"
PG_TRIGGERS = {
    "data_store_record_added": ("AFTER INSERT", f"""
        UPDATE data_store SET record_count = record_count + 1,
            size_bytes = size_bytes + {_PG_SIZE.format("NEW")} WHERE id = NEW.store_id;
        RETURN NULL;"""),
    "data_store_record_changed": ("AFTER UPDATE OF key, data", f"""
        UPDATE data_store SET size_bytes = size_bytes - {_PG_SIZE.format("OLD")}
            + {_PG_SIZE.format("NEW")} WHERE id = NEW.store_id;
        RETURN NULL;"""),
    "data_store_record_removed": ("AFTER DELETE", f"""
        UPDATE data_store SET record_count = record_count - 1,
            size_bytes = size_bytes - {_PG_SIZE.format("OLD")} WHERE id = OLD.store_id;
        RETURN NULL;"""),
}


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    size = _PG_SIZE if postgres else _SIZE
    with op.batch_alter_table("data_store", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_size_mb", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("record_count", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("size_bytes", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.execute(f"""
        UPDATE data_store SET
            record_count = (SELECT count(*) FROM data_store_record AS r
                            WHERE r.store_id = data_store.id),
            size_bytes = (SELECT coalesce(sum({size.format("r")}), 0)
                          FROM data_store_record AS r WHERE r.store_id = data_store.id)""")
    if postgres:
        for name, (when, body) in PG_TRIGGERS.items():
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                       f" BEGIN {body} END $$")
            op.execute(f"CREATE TRIGGER {name} {when} ON data_store_record FOR EACH ROW"
                       f" EXECUTE FUNCTION {name}()")
        return
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON data_store_record")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("data_store", schema=None) as batch_op:
        batch_op.drop_column("size_bytes")
        batch_op.drop_column("record_count")
        batch_op.drop_column("max_size_mb")
