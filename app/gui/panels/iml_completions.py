"""What Ctrl+Space offers in a mapping: the references given (`1.name`) and every IML
function, shown with its signature and what it does (engine.iml.function_help), matched
and inserted by its name alone."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from engine.iml.compiler import SPECIAL_FUNCTIONS
from engine.iml.function_help import function_help
from engine.iml.functions import FUNCTIONS

NAME_ROLE = Qt.ItemDataRole.UserRole + 1  # what is matched and inserted


def function_names() -> list[str]:
    return sorted(set(FUNCTIONS) | SPECIAL_FUNCTIONS, key=str.lower)


def completion_text(name: str) -> str:
    """A function's line in the list: `formatDate(date; format; [timezone]) — The date…`."""
    found = function_help(name)
    return f"{found.signature} — {found.description}" if found is not None else name


def fill_completions(model: QStandardItemModel, references: Iterable[str] = ()) -> None:
    model.clear()
    for word in sorted(set(references)):
        model.appendRow(_item(word, word, None))
    for name in function_names():
        found = function_help(name)
        model.appendRow(_item(name, completion_text(name),
                              found.description if found is not None else None))


def _item(name: str, shown: str, tip: str | None) -> QStandardItem:
    item = QStandardItem(shown)
    item.setData(name, NAME_ROLE)
    item.setEditable(False)
    if tip:
        item.setToolTip(tip)
    return item
