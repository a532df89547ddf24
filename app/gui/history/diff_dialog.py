"""Diff two runs of a scenario: engine.history.queries.diff_executions shown as a tree —
the run fields that differ, then per module the bundles that differ and where (JSON paths)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.debugger.bundle_model import summarise

Candidate = tuple[str, str]  # execution id, label


def load_diff(workspace: Path, a_id: str, b_id: str) -> dict[str, Any]:
    from engine.history.queries import diff_executions
    from engine.store.history_db import open_history_engine

    engine = open_history_engine(workspace)
    try:
        return diff_executions(engine, workspace, a_id, b_id)
    finally:
        engine.dispose()


def _value(value: Any) -> str:
    return summarise(value) if value is not None else "—"


def _bundle_item(found: dict[str, Any]) -> QTreeWidgetItem:
    where = f"operation {found['operation'] + 1}"
    if "bundle" in found:
        where += f" · {found['bundle']}"
    if "only_in" in found:
        return QTreeWidgetItem([where, f"only in run {found['only_in'].upper()}", ""])
    item = QTreeWidgetItem([where, f"{len(found['paths'])} difference(s)", ""])
    for path in found["paths"]:
        item.addChild(QTreeWidgetItem([path["path"], _value(path["a"]), _value(path["b"])]))
    return item


def fill_tree(tree: QTreeWidget, diff: dict[str, Any]) -> None:
    tree.clear()
    if diff.get("same"):
        tree.addTopLevelItem(QTreeWidgetItem(["The two runs are the same", "", ""]))
        return
    if diff.get("run"):
        run = QTreeWidgetItem(["Run", "", ""])
        for name, sides in diff["run"].items():
            run.addChild(QTreeWidgetItem([name, _value(sides["a"]), _value(sides["b"])]))
        tree.addTopLevelItem(run)
    for module_id, module in diff.get("modules", {}).items():
        ops = module["operations"]
        item = QTreeWidgetItem([f"Module {module_id} {module.get('module') or ''}".strip(),
                                f"{ops['a']} operation(s)", f"{ops['b']} operation(s)"])
        for found in module["bundles"]:
            item.addChild(_bundle_item(found))
        tree.addTopLevelItem(item)
    if diff.get("confidential"):
        tree.addTopLevelItem(QTreeWidgetItem(
            ["Confidential scenario: no bundle data to compare", "", ""]))
    tree.expandToDepth(1)


class DiffDialog(QDialog):
    """Run A is the opened one; choose run B among the scenario's other runs."""

    def __init__(self, workspace: Path, a_id: str, candidates: list[Candidate],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Diff run {a_id[:8]} with…")
        self.resize(760, 480)
        self.workspace = workspace
        self.a_id = a_id
        self.diff: dict[str, Any] | None = None
        self.other = QComboBox()
        for execution_id, label in candidates:
            if execution_id != a_id:
                self.other.addItem(label, execution_id)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Where", f"A: {a_id[:8]}", "B"])
        self.tree.setColumnWidth(0, 280)
        self.tree.setColumnWidth(1, 220)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(QLabel("Compare with:"))
        top.addWidget(self.other, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.other.currentIndexChanged.connect(lambda _i: self.compare())
        if self.other.count():
            self.compare()
        else:
            self.tree.addTopLevelItem(QTreeWidgetItem(["No other run to compare with", "", ""]))

    def compare(self, b_id: str | None = None) -> dict[str, Any] | None:
        if b_id is not None:
            self.other.blockSignals(True)
            self.other.setCurrentIndex(max(0, self.other.findData(b_id)))
            self.other.blockSignals(False)
        chosen = self.other.currentData()
        if not chosen:
            return None
        self.tree.setHeaderLabels(["Where", f"A: {self.a_id[:8]}", f"B: {chosen[:8]}"])
        self.diff = load_diff(self.workspace, self.a_id, chosen)
        fill_tree(self.tree, self.diff)
        return self.diff

    def text(self) -> str:
        """The diff as JSON (for copying, and for tests)."""
        return orjson.dumps(self.diff or {}).decode()
