"""After importing a Make export: its modules name connection and keychain ids from the
Make account it came from. For each id no local connection answers to, the user picks a
local connection of the right type, creates one (New…), or skips it; the mapping is
recorded as `scenarist connections add --make-id` records it (engine's connection_import),
so runs find the connection by the export's own id and the blueprint stays as Make wrote it.

Opened with `open()`; `finished` continues the import (a skipped id fails the run, naming
it, as before).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.connections.connection_form import ConnectionForm
from app.gui.connections.workspace_connections import WorkspaceConnections
from engine.connections import UnknownReference

SKIP = "Skip (leave it unmapped)"


class _Row:
    def __init__(self, reference: UnknownReference, combo: QComboBox, new: QPushButton):
        self.reference = reference
        self.combo = combo
        self.new = new

    @property
    def chosen(self) -> str | None:
        data = self.combo.currentData()
        return str(data) if data else None


class ImportConnectionsDialog(QDialog):
    def __init__(self, connections: WorkspaceConnections, scenario: str,
                 references: list[UnknownReference],
                 describe: Callable[[int, str], str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.connections = connections
        self.rows: list[_Row] = []
        self.form: ConnectionForm | None = None
        self.mapped: dict[str, str] = {}  # Make id -> local connection id, once applied
        describe = describe or (lambda module_id, module: f"{module_id} ({module})")
        self.setWindowTitle("Connections of the imported scenario")
        self.setMinimumWidth(620)
        intro = QLabel(
            f"“{scenario}” uses connections of the Make account it was exported from. "
            "Choose a connection of this workspace for each, or add one; the export's ids "
            "then lead to it.", self)
        intro.setWordWrap(True)
        grid = QGridLayout()
        for index, reference in enumerate(references):
            what = "Keychain" if reference.keychain else "Connection"
            kind = (" or ".join(connections.type_label(k) for k in reference.accepted)
                    or "any type")
            users = ", ".join(describe(i, m) for i, m in reference.modules)
            label = QLabel(f"<b>{what} {reference.reference}</b> · {kind}<br>"
                           f"<span style='color:#5c5a6b'>used by {users}</span>", self)
            label.setWordWrap(True)
            combo = QComboBox(self)
            combo.setObjectName(f"map_{reference.reference}")
            new = QPushButton("New…", self)
            new.setObjectName(f"new_{reference.reference}")
            row = _Row(reference, combo, new)
            new.clicked.connect(lambda _checked=False, r=row: self.add(r))
            grid.addWidget(label, index, 0)
            grid.addWidget(combo, index, 1)
            grid.addWidget(new, index, 2)
            self.rows.append(row)
        grid.setColumnStretch(0, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use these")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Skip all")
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(buttons)
        self._fill()

    def _fill(self) -> None:
        listed = self.connections.list()
        for row in self.rows:
            keep = row.chosen
            wanted = row.reference.accepted
            row.combo.clear()
            row.combo.addItem(SKIP, None)
            for connection in listed:
                if not wanted or connection.type_key in wanted:
                    title = connection.name + (f" ({connection.label})" if connection.label
                                               else "")
                    row.combo.addItem(title, connection.id)
            index = row.combo.findData(keep) if keep else (1 if row.combo.count() > 1 else 0)
            row.combo.setCurrentIndex(max(index, 0))

    def row(self, reference: str) -> _Row:
        return next(r for r in self.rows if r.reference.reference == reference)

    def add(self, row: _Row) -> ConnectionForm:
        """The connection form for this id's type; the new connection is mapped to it."""
        wanted = row.reference.accepted
        types = [self.connections.type_of(key) for key in wanted] or None
        form = ConnectionForm(self.connections, self, types=types,
                              make_id=row.reference.reference)
        form.finished.connect(lambda _result: self._added(row, form))
        self.form = form
        form.open()
        return form

    def _added(self, row: _Row, form: ConnectionForm) -> None:
        if form.connection is None or not shiboken6.isValid(self):
            return
        self._fill()
        row.combo.setCurrentIndex(max(row.combo.findData(form.connection.id), 0))

    def apply(self) -> None:
        for row in self.rows:
            if row.chosen is not None:
                self.connections.map_import(row.reference.reference, row.chosen)
                self.mapped[row.reference.reference] = row.chosen
        self.accept()

    def choose(self, reference: str, connection_id: Any) -> None:
        row = self.row(reference)
        row.combo.setCurrentIndex(row.combo.findData(connection_id))
