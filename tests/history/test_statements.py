"""The history writer's plain SQL names the schema's columns, with the schema's defaults: a row
it writes is the row SQLAlchemy would have written."""

from __future__ import annotations

from typing import Any

import pytest

from engine.history import statements
from engine.store.history_db import Execution, Operation


def _python_defaults(table: Any) -> dict[str, Any]:
    found = {}
    for column in table.columns:
        if column.primary_key and column.autoincrement in (True, "auto") \
                and column.name in ("num", "id") and column.type.python_type is int:
            continue
        default = column.default.arg if column.default is not None else None
        found[column.name] = default
    return found


@pytest.mark.parametrize(("table", "written"), [
    (Execution.__table__, statements.EXECUTION_DEFAULTS),  # type: ignore[attr-defined]
    (Operation.__table__, statements.RECORD_DEFAULTS),  # type: ignore[attr-defined]
])
def test_the_writer_gives_every_column_its_schema_default(table: Any,
                                                          written: dict[str, Any]) -> None:
    declared = _python_defaults(table)
    assert set(written) == set(declared)
    for name, default in declared.items():
        if default is not None:
            assert written[name] == default, name


def test_a_run_end_can_only_set_known_columns() -> None:
    with pytest.raises(ValueError, match="no_such"):
        statements.finish(("status", "no_such"))
