"""The inspector's tree model: lazy pages, Make's types and 1-based indexes, summaries,
copy value and copy path."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QApplication

from app.gui.debugger.bundle_model import PAGE, BundleModel, Root, copy_text


def test_big_arrays_open_in_pages_with_make_types(qapp: QApplication) -> None:
    bundle = {
        "items": [{"n": i} for i in range(10_000)],
        "first name": "Ada",
        "note": "x" * 5000,
        "file": b"\x00" * 2048,
        "when": datetime(2024, 5, 1, tzinfo=UTC),
        "ok": True,
        "missing": None,
    }
    model = BundleModel()
    model.set_roots([Root("Output", bundle, module_id=7)])
    output = model.find("Output")
    assert model.labels(output) == list(bundle)
    items = model.find("Output", "items")
    assert model.rowCount(items) == 0 and model.hasChildren(items)  # nothing made yet
    model.fetchMore(items)
    assert model.rowCount(items) == PAGE and model.canFetchMore(items)
    first = model.index(0, 0, items)
    assert model.data(first) == "1"  # Make numbers array items from 1
    n = model.find("Output", "items", "2", "n")
    assert model.value(n) == 1
    assert model.reference(n) == "{{7.items[2].n}}"
    assert model.reference(model.find("Output", "first name")) == "{{7.`first name`}}"

    def shown(name: str, column: int = 1) -> str:
        return str(model.data(model.find("Output", name).siblingAtColumn(column)))

    assert shown("note").endswith("… (5,000 characters)") and len(shown("note")) < 200
    assert shown("file") == "Binary data (2,048 bytes)"
    assert [shown(k, 2) for k in ("items", "first name", "file", "when", "ok", "missing")] == [
        "array", "text", "buffer", "date", "boolean", "null"]
    assert shown("items") == "10,000 items"
    assert copy_text({"a": [1, 2]}) == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert model.reference(QModelIndex()) is None
