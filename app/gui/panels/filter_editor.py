"""The filter editor: a name and OR groups of AND conditions `{a, o, b}`, as Make shows it.

Used for the filter on a link (the document's `set_filter(target, value)`) and for If-Else
branch conditions. `value()` is the filter dict; after "Remove filter" `removed` is True and
`value()` is None. OK checks every IML operand and refuses to close on an error.

As in Make, the mapping panel can sit beside it (`picker`): click in a condition, then on
an output, and the mapping goes there, shown as a labelled pill; each condition's value
fields take the dialog's whole width, one under the other.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.panels.iml_editor import ImlEditor, validate
from engine.filters import OPERATORS

_FAMILIES = {
    "text": "Text operators",
    "number": "Numeric operators",
    "date": "Datetime operators",
    "time": "Time operators",
    "semver": "Semver operators",
    "array": "Array operators",
    "boolean": "Boolean operators",
}
_NAMES = {
    "exist": "Exists",
    "notexist": "Does not exist",
    "equal": "Equal to",
    "notequal": "Not equal to",
    "contain": "Contains",
    "notcontain": "Does not contain",
    "startwith": "Starts with",
    "notstartwith": "Does not start with",
    "endwith": "Ends with",
    "notendwith": "Does not end with",
    "pattern": "Matches pattern",
    "notpattern": "Does not match pattern",
    "greater": "Greater than",
    "less": "Less than",
    "greaterorequal": "Greater than or equal to",
    "lessorequal": "Less than or equal to",
}
_DATE_NAMES = {
    "greater": "Later than",
    "less": "Earlier than",
    "greaterorequal": "Later than or equal to",
    "lessorequal": "Earlier than or equal to",
}


def operator_label(name: str) -> str:
    """"text:contain:ci" -> "Text operators: Contains (case insensitive)"."""
    if name in ("exist", "notexist"):
        return f"Basic operators: {_NAMES[name]}"
    family = name.partition(":")[0]
    return f"{_FAMILIES.get(family, family)}: {_words(name)}"


def operator_words(name: str) -> str:
    """"text:contain:ci" -> "contains (case insensitive)": the operator inside a sentence."""
    if name in ("exist", "notexist"):
        return _NAMES[name].lower()
    words = _words(name)
    return words[:1].lower() + words[1:]


def _words(name: str) -> str:
    family, _, rest = name.partition(":")
    op, _, ci = rest.partition(":")
    if family in ("date", "time") and op in _DATE_NAMES:
        words = _DATE_NAMES[op]
    elif family == "array" and op not in ("contain", "notcontain"):
        words = "Length " + _NAMES.get(op, op).lower()
    else:
        words = _NAMES.get(op, op)
    return words + (" (case insensitive)" if ci == "ci" else "")


def operator_names() -> list[str]:
    """Every operator, basic first, then by family in Make's order."""
    order = ["", *_FAMILIES]
    names = list(OPERATORS)
    return sorted(names, key=lambda n: order.index(n.split(":")[0] if ":" in n else ""))


class ConditionRow(QWidget):
    def __init__(self, condition: dict[str, Any], remove: Any, parent: QWidget | None = None,
                 labels: dict[str, str] | None = None):
        super().__init__(parent)
        self.a = ImlEditor(self, single_line=True)
        self.a.setPlaceholderText("Condition: a value, or click an output in the mapping panel")
        self.operator = QComboBox(self)
        for name in operator_names():
            self.operator.addItem(operator_label(name), name)
        self.b = ImlEditor(self, single_line=True)
        self.b.setPlaceholderText("Value or {{mapping}}")
        for editor in (self.a, self.b):
            editor.set_labels(labels or {})
            editor.set_completions(labels or {})
        self.remove_button = QToolButton(self)
        self.remove_button.setText("✕")
        self.remove_button.setToolTip("Remove this condition")
        self.remove_button.clicked.connect(lambda: remove(self))
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #d1242f")
        self.error.hide()
        # As in Make: the condition, the operator, then the value, each the row's width.
        fields = QFormLayout()
        fields.setContentsMargins(0, 0, 0, 0)
        fields.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        fields.addRow("Condition", self.a)
        fields.addRow("Operator", self.operator)
        fields.addRow("Value", self.b)
        self.b_label = fields.labelForField(self.b)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addLayout(fields, 1)
        line.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(line)
        layout.addWidget(self.error)
        self.operator.currentIndexChanged.connect(self._operator_changed)
        self.set_condition(condition)

    def set_condition(self, condition: dict[str, Any]) -> None:
        self.a.set_text(_as_text(condition.get("a")))
        op = condition.get("o") or "text:equal"
        index = self.operator.findData(op)
        if index < 0:  # an operator we don't know (e.g. "string:equal"): kept as imported
            self.operator.addItem(f"{op} (imported)", op)
            index = self.operator.count() - 1
        self.operator.setCurrentIndex(index)
        self.b.set_text(_as_text(condition.get("b")))
        self._operator_changed()

    def is_unary(self) -> bool:
        found = OPERATORS.get(self.operator.currentData())
        return found is not None and found.unary

    def condition(self) -> dict[str, Any]:
        result: dict[str, Any] = {"a": self.a.text(), "o": self.operator.currentData()}
        if not self.is_unary():
            result["b"] = self.b.text()
        return result

    def check(self) -> bool:
        for side, editor in (("left", self.a), ("right", self.b)):
            if side == "right" and self.is_unary():
                continue
            error = validate(editor.text())
            if error is not None:
                self.error.setText(f"In the {side} value: {error.message} (column {error.column})")
                self.error.show()
                return False
        self.error.hide()
        return True

    def _operator_changed(self) -> None:
        self.b.setVisible(not self.is_unary())
        if self.b_label is not None:
            self.b_label.setVisible(not self.is_unary())


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ConditionGroup(QGroupBox):
    """One OR alternative: conditions that must all hold."""

    def __init__(self, conditions: list[dict[str, Any]], editor: FilterEditor) -> None:
        super().__init__(editor)
        self.editor = editor
        self.rows: list[ConditionRow] = []
        self.rows_layout = QVBoxLayout()
        self.add_and = QPushButton("Add AND rule", self)
        self.add_and.clicked.connect(lambda: self.add_row({}))
        layout = QVBoxLayout(self)
        layout.addLayout(self.rows_layout)
        layout.addWidget(self.add_and)
        for condition in conditions or [{}]:
            self.add_row(condition)

    def add_row(self, condition: dict[str, Any]) -> ConditionRow:
        if self.rows:
            label = QLabel("AND", self)
            label.setStyleSheet("color: #6d00cc; font-weight: bold")
            self.rows_layout.addWidget(label)
        row = ConditionRow(condition, self.remove_row, self, self.editor.labels)
        self.rows.append(row)
        self.rows_layout.addWidget(row)
        return row

    def remove_row(self, row: ConditionRow) -> None:
        index = self.rows.index(row)
        self.rows.pop(index)
        # The "AND" label before the row (or after it, for the first row) goes too.
        at = self.rows_layout.indexOf(row)
        label_at = at - 1 if at > 0 else at + 1
        item = self.rows_layout.itemAt(label_at)
        label = item.widget() if item is not None else None
        if isinstance(label, QLabel):
            self.rows_layout.removeWidget(label)
            label.deleteLater()
        self.rows_layout.removeWidget(row)
        row.deleteLater()
        if not self.rows:
            self.editor.remove_group(self)

    def conditions(self) -> list[dict[str, Any]]:
        return [row.condition() for row in self.rows]


class FilterEditor(QDialog):
    def __init__(
        self,
        filter_: dict[str, Any] | None = None,
        parent: QWidget | None = None,
        *,
        title: str = "Set up a filter",
        name_label: str = "Label",
        allow_remove: bool = True,
        picker: QWidget | None = None,
        labels: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.labels = labels or {}  # mapping pills: "1.x" -> "1. X"
        self.picker = picker
        self.resize(1080 if picker is not None else 720, 520)
        self.removed = False
        self._result: dict[str, Any] | None = None
        self.name = QLineEdit(self)
        form = QFormLayout()
        form.addRow(name_label, self.name)
        self.groups: list[ConditionGroup] = []
        self.groups_layout = QVBoxLayout()
        groups_widget = QWidget(self)
        groups_outer = QVBoxLayout(groups_widget)
        groups_outer.addLayout(self.groups_layout)
        groups_outer.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(groups_widget)
        self.add_or = QPushButton("Add OR rule", self)
        self.add_or.clicked.connect(lambda: self.add_group([{}]))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.remove_button = self.buttons.addButton(
            "Remove filter", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.remove_button.setVisible(allow_remove)
        self.remove_button.clicked.connect(self._remove)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        conditions = QWidget(self)
        column = QVBoxLayout(conditions)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(form)
        column.addWidget(scroll, 1)
        column.addWidget(self.add_or)
        layout = QVBoxLayout(self)
        if picker is not None:
            beside = QWidget(self)
            side = QVBoxLayout(beside)
            side.setContentsMargins(0, 0, 0, 0)
            title_label = QLabel("<b>Mapping</b> — outputs of earlier modules", beside)
            side.addWidget(title_label)
            side.addWidget(picker, 1)
            self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
            self.splitter.addWidget(conditions)
            self.splitter.addWidget(beside)
            self.splitter.setStretchFactor(0, 3)
            self.splitter.setStretchFactor(1, 1)
            self.splitter.setSizes([730, 330])
            layout.addWidget(self.splitter, 1)
        else:
            layout.addWidget(conditions, 1)
        layout.addWidget(self.buttons)
        self.set_filter(filter_)

    def set_filter(self, filter_: dict[str, Any] | None) -> None:
        for group in list(self.groups):
            self.remove_group(group)
        filter_ = filter_ or {}
        self.name.setText(filter_.get("name") or "")
        for conditions in filter_.get("conditions") or [[{}]]:
            self.add_group([_plain(c) for c in conditions])

    def add_group(self, conditions: list[dict[str, Any]]) -> ConditionGroup:
        if self.groups:
            label = QLabel("OR", self)
            label.setStyleSheet("color: #6d00cc; font-weight: bold")
            self.groups_layout.addWidget(label)
        group = ConditionGroup(conditions, self)
        self.groups.append(group)
        self.groups_layout.addWidget(group)
        return group

    def remove_group(self, group: ConditionGroup) -> None:
        at = self.groups_layout.indexOf(group)
        label_at = at - 1 if at > 0 else at + 1
        item = self.groups_layout.itemAt(label_at)
        label = item.widget() if item is not None else None
        if isinstance(label, QLabel):
            self.groups_layout.removeWidget(label)
            label.deleteLater()
        self.groups_layout.removeWidget(group)
        self.groups.remove(group)
        group.deleteLater()

    def filter_value(self) -> dict[str, Any]:
        """The filter as shown (whether or not the dialog was accepted)."""
        return {
            "name": self.name.text(),
            "conditions": [g.conditions() for g in self.groups if g.rows],
        }

    def value(self) -> dict[str, Any] | None:
        """The accepted filter, or None after "Remove filter" (or before OK)."""
        return self._result

    def accept(self) -> None:
        rows = [row for group in self.groups for row in group.rows]
        if not all([row.check() for row in rows]):
            return
        self._result = self.filter_value()
        super().accept()

    def _remove(self) -> None:
        self.removed = True
        self._result = None
        super().accept()


def _plain(condition: Any) -> dict[str, Any]:
    if isinstance(condition, dict):
        return condition
    return condition.model_dump(exclude_unset=True)  # an engine.blueprint.Condition
