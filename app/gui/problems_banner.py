"""The strip above the canvas that lists what is wrong with the scenario (module, field,
problem); clicking a row selects its module. It follows the document: fixed problems leave
the list, and the strip goes away when none is left."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.document import ScenarioDocument
from app.gui.problems import Problem

REFRESH_MS = 300  # after the last change: typing in a field does not re-check every key
VISIBLE_ROWS = 5
STYLE = """
#problems_banner { background: #fff6e0; border-bottom: 1px solid #e8c46a; }
#problems_banner QLabel { color: #5c3d00; }
#problems_banner QTreeWidget { background: #fffdf6; border: 1px solid #eedba8; }
"""


class ProblemsBanner(QFrame):
    module_clicked = Signal(int)

    def __init__(self, document: ScenarioDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problems_banner")
        self.setStyleSheet(STYLE)
        self.document = document
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.toggle = QPushButton("Hide list")
        self.toggle.setFlat(True)
        self.toggle.clicked.connect(lambda: self.set_expanded(not self.list.isVisible()))
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.toggle)
        self.list = QTreeWidget()
        self.list.setHeaderLabels(["Module", "Field", "Problem"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(False)
        header = self.list.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addLayout(top)
        layout.addWidget(self.list)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        document.changed.connect(lambda _kinds, _ids: self._timer.start())
        document.problems_changed.connect(self.refresh)
        self.problems: list[Problem] = []
        self.refresh()

    def refresh(self) -> None:
        self.problems = self.document.problems()
        self.list.clear()
        for problem in self.problems:
            item = QTreeWidgetItem([self._module_text(problem.module_id), problem.field or "",
                                    problem.message])
            item.setToolTip(2, problem.message)
            item.setData(0, Qt.ItemDataRole.UserRole, problem.module_id)
            self.list.addTopLevelItem(item)
        count = len(self.problems)
        self.summary.setText(
            f"<b>⚠ This scenario has {count} problem{'' if count == 1 else 's'}.</b> "
            "It is open so you can fix them; the file changes only when you save."
        )
        rows = min(count, VISIBLE_ROWS)
        row_height = self.list.sizeHintForRow(0) if count else 0
        self.list.setFixedHeight(self.list.header().sizeHint().height() + rows * row_height + 8)
        self.setVisible(count > 0)

    def set_expanded(self, expanded: bool) -> None:
        self.list.setVisible(expanded)
        self.toggle.setText("Hide list" if expanded else "Show list")

    def _module_text(self, module_id: int | None) -> str:
        if module_id is None:
            return "—"
        try:
            node = self.document.node(module_id)
        except KeyError:
            return str(module_id)
        spec = self.document.registry.get(node.module)
        return f"{module_id} · {spec.label if spec else node.module}"

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        module_id = item.data(0, Qt.ItemDataRole.UserRole)
        if isinstance(module_id, int):
            self.module_clicked.emit(module_id)
