"""The If-else Merge's "Merged outputs": what `{{<merge id>.<name>}}` gives after the Merge.

Make's Merge (`builtin:BasicMerge`) sits right after its If-else; each output has a name
and one mapping per merging branch, in branch order (`{name, mappings: [...]}`); after the
Merge the output is the mapping of the branch that ran. Each row is a name and one IML
editor per merging branch, labelled with the branch's label; "Add output" adds a row, which
reaches the blueprint once it has a name.

Like every field editor it only shows the model (`set_value(outputs)`) and reports each
change as the whole new outputs list: `edited(outputs, typing)` (keystrokes with typing=True).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.panels.fields import WrappingLabel, as_text
from app.gui.panels.iml_editor import ImlEditor
from app.gui.panels.named_rows import NamedRows
from engine.blueprint import Blueprint
from engine.edits.commands import IF_ELSE
from engine.edits.tree import place_of, resolve

HINT = "After the Merge, each output gives the mapping of the branch that ran."
NOT_MERGING = "Link the last module of each If-else branch to this Merge"


def merging_branch_labels(blueprint: Blueprint, merge_id: int) -> list[str] | None:
    """The labels of the branches that merge here, in branch order; None when the Merge
    is not right after an If-else with merging branches."""
    place = place_of(blueprint, merge_id)
    if place.index == 0:
        return None
    before = resolve(blueprint, place.flow)[place.index - 1]
    if before.module != IF_ELSE:
        return None
    labels = [
        branch.label or ("Else" if branch.type == "else" else f"Condition {k + 1}")
        for k, branch in enumerate(before.branches or [])
        if branch.merge
    ]
    return labels or None


class MergeOutputRow(QWidget):
    def __init__(self, name: str | None, branches: list[str], completions: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = name  # the output name it shows; None until the new row gets a name
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("Output name")
        self.name.setText(name or "")
        self.remove = QToolButton(self)
        self.remove.setText("✕")
        self.remove.setToolTip("Remove this output")
        self.mappings: list[ImlEditor] = []
        heading = QHBoxLayout()
        heading.addWidget(self.name, 1)
        heading.addWidget(self.remove)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for label in branches:
            editor = ImlEditor(self, single_line=True)
            editor.set_completions(completions)
            editor.setPlaceholderText(f"Value when “{label}” ran")
            form.addRow(WrappingLabel(label), editor)
            self.mappings.append(editor)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 6)
        column.addLayout(heading)
        column.addLayout(form)

    def texts(self) -> list[str]:
        return [editor.text() for editor in self.mappings]


class MergeOutputs(NamedRows):
    edited = Signal(object, bool)  # the whole outputs list, typing
    what = "a merged output"

    def __init__(self, branches: list[str] | None, completions: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__("Merged outputs", parent)
        self.branches = branches
        self.completions = completions
        self.outputs: list[dict[str, Any]] = []
        column = QVBoxLayout(self)
        self.add_button = QPushButton("Add output", self)
        self.add_button.clicked.connect(self.add_row)
        if branches is None:  # nothing merges here yet: no branch to map from
            self.hint = QLabel(NOT_MERGING, self)
            self.add_button.hide()
        else:
            self.hint = QLabel(HINT, self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #8a8a99")
        column.addWidget(self.hint)
        column.addLayout(self.rows_layout)
        column.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)

    # ------------------------------------------------------------------ showing

    def set_value(self, outputs: Any) -> None:
        # Whole outputs as dicts, unknown keys included, so an edit keeps them.
        self.outputs = [o.model_dump(exclude_unset=True) if hasattr(o, "model_dump") else dict(o)
                        for o in outputs or []]
        if self.branches is None:
            return
        self._sync_rows([str(o.get("name")) for o in self.outputs])
        named = [row for row in self.rows if row.key is not None]
        for row, output in zip(named, self.outputs, strict=True):
            mappings = list(output.get("mappings") or [])
            for j, editor in enumerate(row.mappings):
                value = mappings[j] if j < len(mappings) else ""
                editor.set_text(value if isinstance(value, str) else as_text(value))
            if not row.name.hasFocus():
                row.name.setText(row.key or "")

    def add_row(self) -> MergeOutputRow:
        row = self._new_row(None, len(self.rows))
        row.name.setFocus()
        return row

    # ------------------------------------------------------------------ editing

    def _new_row(self, name: str | None, index: int) -> MergeOutputRow:
        row = MergeOutputRow(name, self.branches or [], self.completions, self)
        row.name.editingFinished.connect(lambda r=row: self._named(r))
        for j, editor in enumerate(row.mappings):
            editor.text_edited.connect(lambda text, r=row, k=j: self._mapping_typed(r, k, text))
        row.remove.clicked.connect(lambda _c=False, r=row: self._remove(r))
        self.rows_layout.insertWidget(index, row)
        self.rows.insert(index, row)
        return row

    def _index(self, row: MergeOutputRow) -> int:
        return [o.get("name") for o in self.outputs].index(row.key)

    def _named(self, row: MergeOutputRow) -> None:
        name = self._checked_name(row, [str(o.get("name")) for o in self.outputs])
        if name is None:
            return
        outputs = [dict(o) for o in self.outputs]
        if row.key is None:  # a new row: it enters the blueprint with its name
            outputs.append({"name": name, "mappings": row.texts()})
        else:
            outputs[self._index(row)]["name"] = name
        row.key = name
        self.edited.emit(outputs, False)

    def _mapping_typed(self, row: MergeOutputRow, branch: int, text: str) -> None:
        if row.key is None:  # kept in the row until it has a name
            return
        outputs = [dict(o) for o in self.outputs]
        output = outputs[self._index(row)]
        mappings = list(output.get("mappings") or [])
        mappings += [""] * (len(row.mappings) - len(mappings))  # one per merging branch
        mappings[branch] = text
        output["mappings"] = mappings
        self.edited.emit(outputs, True)

    def _remove(self, row: MergeOutputRow) -> None:
        if row.key is None:
            self._drop_row(row)
            return
        self.edited.emit([o for o in self.outputs if o.get("name") != row.key], False)
