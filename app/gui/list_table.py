"""The read-only list tables of the window's dialogs (connections, webhooks, a hook's queue):
whole rows selected, no cell edited in place, no row numbers, columns as wide as their text
with the last one taking the rest; and the row of buttons under them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QWidget,
)


def list_table(columns: list[str], object_name: str, parent: QWidget, *,
               single: bool = True) -> QTableWidget:
    """`single`: one row at a time (else Qt's extended selection)."""
    table = QTableWidget(0, len(columns), parent)
    table.setObjectName(object_name)
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def row_button(parent: QWidget, text: str, slot: Callable[[], object],
               row: QHBoxLayout) -> QPushButton:
    """A button of the row under a list: never the dialog's default (Return in a field
    must not press it), `slot()` when clicked."""
    button = QPushButton(text, parent)
    button.setAutoDefault(False)
    button.clicked.connect(lambda _checked=False: slot())
    row.addWidget(button)
    return button
