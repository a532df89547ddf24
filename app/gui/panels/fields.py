"""One editor widget per Make field type, built from a FieldSpec.

An editor shows a value from the model (`set_value`, which never writes back) and reports
the user's edits as `edited(path, value, typing)`: `path` is relative to the field (an array
item's key is `(index, name)`), `value` is the new value or CLEARED (remove the key), and
`typing` marks keystrokes, which the document merges into one undo step.

Mappable fields of static types (number, boolean, select, array, collection) have Make's
"Map" toggle: on, the value is an IML text instead.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from PySide6.QtCore import QDate, QLocale, QSize, Qt, QTime, Signal
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from app.gui.names import help_html
from app.gui.panels.filter_editor import FilterEditor
from app.gui.panels.iml_editor import ImlEditor
from engine.edits.tree import upstream
from engine.errors import IMLError
from engine.spec import FieldSpec
from engine.values import is_empty

CLEARED: Any = object()  # an edit that removes the field from the blueprint

_SINGLE_LINE_TYPES = frozenset({"url", "email", "date", "time", "timezone", "path"})
_CONNECTION_NOUNS = {
    "account": "connection",
    "keychain": "connection",
    "connection": "connection",
    "datastore": "data store",
    "udt": "data structure",
    "hook": "webhook",
}


def dynamic_options(module_type: str, field: FieldSpec) -> list[Any] | None:
    """Options a select loads at edit time (Make's RPCs). None: nothing to offer offline."""
    return None


@dataclass
class FieldContext:
    document: Any
    module_id: int
    module_type: str
    mappable: bool
    completions: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # mapping pills: "1.x" -> "1. X"
    compact: bool = False  # inside an array item or collection: text fields are one line
    # The workspace's connections (app.gui.connections.WorkspaceConnections): connection
    # pickers and options answered by app RPCs. None: the form works offline.
    connections: Any = None


class WrappingLabel(QLabel):
    """A label that asks for its whole text on one line and wraps only when the dock is
    narrower (a plain word-wrapped QLabel asks for a narrow, tall box and wraps early)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().sizeHint()
        one_line = self.fontMetrics().horizontalAdvance(_plain(self.text())) + 4
        return QSize(one_line, hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(40, super().minimumSizeHint().height())


def _plain(text: str) -> str:
    return QTextDocumentFragment.fromHtml(text).toPlainText() if "<" in text else text


def field_label(spec: FieldSpec) -> QLabel:
    text = spec.label or spec.name
    label = WrappingLabel(
        f"{text} <span style='color:#d1242f'>*</span>" if spec.required else text
    )
    label.setTextFormat(Qt.TextFormat.RichText)
    if spec.help:
        label.setToolTip(help_html(spec.help))
    return label


def help_label(spec: FieldSpec) -> QLabel | None:
    """The field's help under it, as Make shows it (Markdown rendered)."""
    if not spec.help:
        return None
    label = WrappingLabel(help_html(spec.help))
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setOpenExternalLinks(True)
    label.setStyleSheet("color: #6f6d7a; font-size: 11px")
    label.setObjectName("field_help")
    return label


def narrow_combo(combo: QComboBox) -> QComboBox:
    """A combo box as narrow as its dock: long option texts are elided, not widening the
    form (the popup still shows them whole)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    return combo


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return orjson.dumps(value).decode()


class FieldEditor(QWidget):
    edited = Signal(object, object, bool)  # path, value (or CLEARED), typing

    def __init__(self, spec: FieldSpec, ctx: FieldContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self.ctx = ctx
        self._value: Any = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        self.body = QHBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.body)
        self.message = QLabel(self)
        self.message.setStyleSheet("color: #d1242f")
        self.message.setWordWrap(True)
        self.message.hide()
        outer.addWidget(self.message)
        if spec.help:
            self.setToolTip(help_html(spec.help))

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        self._value = value
        self._show(value)
        self.update_message()

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _emit(self, path: tuple[Any, ...], value: Any, typing: bool) -> None:
        if not path:
            self._value = None if value is CLEARED else value
            self.update_message()
        self.edited.emit(path, value, typing)

    def iml_error(self) -> IMLError | None:
        return None

    def problem(self) -> str | None:
        error = self.iml_error()
        if error is not None:
            return f"{error.message} (column {error.column})"
        if self.spec.required and is_empty(self._value):
            return "This field is required."
        return None

    def update_message(self) -> None:
        problem = self.problem()
        self.message.setText(problem or "")
        self.message.setVisible(problem is not None)

    def _new_iml(self, single_line: bool = True) -> ImlEditor:
        editor = ImlEditor(self, single_line=single_line)
        editor.set_completions(self.ctx.completions)
        editor.set_labels(self.ctx.labels)
        if self.spec.help:
            editor.setToolTip(help_html(self.spec.help))
        return editor


# ------------------------------------------------------------------------ IML text


class ImlField(FieldEditor):
    """text, url, email, buffer, any, json, date, time (with a picker), other fields."""

    def __init__(self, spec: FieldSpec, ctx: FieldContext, parent: QWidget | None = None, *,
                 read_only: bool = False) -> None:
        super().__init__(spec, ctx, parent)
        self.editor = self._new_iml(
            single_line=spec.type in _SINGLE_LINE_TYPES or (ctx.compact and spec.type == "text")
        )
        self.editor.setReadOnly(read_only)
        self.body.addWidget(self.editor, 1)
        self.editor.text_edited.connect(lambda text: self._emit((), text, True))
        self.editor.error_changed.connect(lambda _e: self.update_message())
        if spec.type in ("date", "time") and not read_only:
            self.body.addWidget(self._picker(spec.type))

    def _show(self, value: Any) -> None:
        self.editor.set_text(as_text(value))

    def iml_error(self) -> IMLError | None:
        return self.editor.error()

    def _picker(self, kind: str) -> QToolButton:
        button = QToolButton(self)
        button.setText("📅" if kind == "date" else "🕑")
        button.setToolTip("Pick a date" if kind == "date" else "Pick a time")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        action = QWidgetAction(menu)
        if kind == "date":
            calendar = QCalendarWidget(menu)
            calendar.clicked.connect(lambda day: self._picked(day.toString(Qt.DateFormat.ISODate)))
            calendar.clicked.connect(lambda _d: menu.close())
            action.setDefaultWidget(calendar)
        else:
            time_edit = QTimeEdit(QTime(12, 0), menu)
            time_edit.setDisplayFormat("HH:mm")
            time_edit.editingFinished.connect(
                lambda: self._picked(time_edit.time().toString("HH:mm"))
            )
            action.setDefaultWidget(time_edit)
        menu.addAction(action)
        button.setMenu(menu)
        return button

    def _picked(self, text: str) -> None:
        self.editor.set_text(text)
        self._emit((), text, False)

    def pick_date(self, day: QDate) -> None:
        self._picked(day.toString(Qt.DateFormat.ISODate))


# ---------------------------------------------------------- static or mapped (toggle)


class MappableField(FieldEditor):
    """A static editor, or with "Map" on, an IML editor over the same value."""

    def __init__(self, spec: FieldSpec, ctx: FieldContext, parent: QWidget | None = None):
        super().__init__(spec, ctx, parent)
        self.mapped = False
        # Both pages in one column, one hidden: hidden widgets take no room in a layout
        # (a stacked widget would stay as tall as its tallest page).
        self.stack = QWidget(self)
        pages = QVBoxLayout(self.stack)
        pages.setContentsMargins(0, 0, 0, 0)
        self.static = self._make_static()
        self.iml = self._new_iml()
        pages.addWidget(self.static)
        pages.addWidget(self.iml)
        self.body.addWidget(self.stack, 1)
        self.map_button = QToolButton(self)
        self.map_button.setText("Map")
        self.map_button.setCheckable(True)
        self.map_button.setToolTip("Map a value from earlier modules instead")
        self.map_button.setVisible(ctx.mappable)
        self.body.addWidget(self.map_button, 0, Qt.AlignmentFlag.AlignTop)
        self.map_button.clicked.connect(self._toggle_map)
        self.iml.text_edited.connect(lambda text: self._emit((), text, True))
        self.iml.error_changed.connect(lambda _e: self.update_message())
        self._set_mapped(False)

    # subclasses
    def _make_static(self) -> QWidget:
        raise NotImplementedError

    def _static_accepts(self, text: str) -> bool:
        return False

    def _show_static(self, value: Any) -> None:
        raise NotImplementedError

    def _static_from_text(self, text: str) -> Any:
        return CLEARED

    # shared
    def _show(self, value: Any) -> None:
        if isinstance(value, str):
            if "{{" in value or not self._static_accepts(value):
                self.mapped = True
        elif value is not None:
            self.mapped = False
        if self.mapped:
            self.iml.set_text(as_text(value))
        else:
            self._show_static(value)
        self._set_mapped(self.mapped)

    def _set_mapped(self, mapped: bool) -> None:
        self.mapped = mapped
        self.static.setVisible(not mapped)
        self.iml.setVisible(mapped)
        self.map_button.setChecked(mapped)

    def _toggle_map(self, checked: bool) -> None:
        if checked:
            text = as_text(self._value)
            self._set_mapped(True)
            self.iml.set_text(text)
            self._emit((), text, False)
        else:
            value = self._static_from_text(self.iml.text())
            self._set_mapped(False)
            self._show_static(None if value is CLEARED else value)
            self._emit((), value, False)

    def iml_error(self) -> IMLError | None:
        return self.iml.error() if self.mapped else None


class _NumberSpin(QDoubleSpinBox):
    """A spin box whose lowest value means "empty" and which shows numbers compactly."""

    def __init__(self, integer: bool, unsigned: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setLocale(QLocale.c())
        self.setDecimals(0 if integer else 6)
        self.setRange(-1 if unsigned else -1e12, 1e12)
        self.setSpecialValueText(" ")
        self.setValue(self.minimum())

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt override)
        if self.decimals() == 0:
            return str(int(round(value)))
        return f"{value:.6f}".rstrip("0").rstrip(".")


class NumberField(MappableField):
    def _make_static(self) -> QWidget:
        self.spin = _NumberSpin(self.spec.type != "number", self.spec.type == "uinteger", self)
        self.spin.valueChanged.connect(self._spun)
        return self.spin

    def _static_accepts(self, text: str) -> bool:
        return text.strip() == "" or _number(text) is not None

    def _show_static(self, value: Any) -> None:
        number = _number(value)
        self.spin.blockSignals(True)
        self.spin.setValue(self.spin.minimum() if number is None else number)
        self.spin.blockSignals(False)

    def _spun(self, value: float) -> None:
        if value == self.spin.minimum():
            self._emit((), CLEARED, True)
        else:
            self._emit((), int(value) if float(value).is_integer() else value, True)

    def _static_from_text(self, text: str) -> Any:
        number = _number(text)
        return CLEARED if number is None else number


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


class BooleanField(MappableField):
    def _make_static(self) -> QWidget:
        self.checkbox = QCheckBox(self)
        self.checkbox.clicked.connect(lambda checked: self._emit((), bool(checked), False))
        return self.checkbox

    def _static_accepts(self, text: str) -> bool:
        return text in ("true", "false", "")

    def _show_static(self, value: Any) -> None:
        if value is None:
            value = self.spec.default
        self.checkbox.setChecked(value is True or value == "true")

    def _static_from_text(self, text: str) -> Any:
        return {"true": True, "false": False}.get(text.strip(), CLEARED)

    def problem(self) -> str | None:
        if not self.mapped:  # a checkbox always has a value: unticked is "No"
            return None
        return super().problem()


class SelectField(MappableField):
    def _make_static(self) -> QWidget:
        self.combo = narrow_combo(QComboBox(self))
        options = self.spec.options
        if options is None:
            options = dynamic_options(self.ctx.module_type, self.spec)
        self.options: list[tuple[str, Any]] = [
            (str(o.get("label", o.get("value"))), o.get("value")) if isinstance(o, dict)
            else (str(o), o)
            for o in options or []
        ]
        self.combo.setEditable(options is None)  # nothing to choose from: type the value
        self.combo.addItem("", None)
        for label, value in self.options:
            self.combo.addItem(label or "(empty)", value)
        self.combo.activated.connect(self._chosen)
        if self.combo.isEditable():
            self.combo.lineEdit().textEdited.connect(
                lambda text: self._emit((), text if text else CLEARED, True)
            )
        return self.combo

    def _static_accepts(self, text: str) -> bool:
        return self.combo.isEditable() or any(v == text for _, v in self.options) or text == ""

    def _show_static(self, value: Any) -> None:
        if self.combo.isEditable():
            if self.combo.currentText() != as_text(value):
                self.combo.setEditText(as_text(value))
            return
        index = next((i + 1 for i, (_, v) in enumerate(self.options) if v == value), -1)
        if value is None:
            index = 0
        elif index < 0:  # a value the declaration doesn't list: keep and show it
            self.combo.addItem(f"{value} (imported)", value)
            self.options.append((f"{value} (imported)", value))
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)

    def _chosen(self, index: int) -> None:
        value = self.combo.itemData(index)
        if self.combo.isEditable() and value is None:
            value = self.combo.itemText(index) or None
        self._emit((), CLEARED if value is None else value, False)

    def _static_from_text(self, text: str) -> Any:
        return text if text and self._static_accepts(text) else CLEARED


# ------------------------------------------------------------- arrays, collections


class _SubForm(QFrame):
    """Editors for the fields of one collection (or array item), side by side in a form."""

    def __init__(self, specs: list[FieldSpec], ctx: FieldContext,
                 on_edit: Callable[[tuple[Any, ...], Any, bool], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.form.setContentsMargins(6, 4, 6, 4)
        self.editors: dict[str, FieldEditor] = {}
        ctx = dataclasses.replace(ctx, compact=True)
        for spec in specs:
            self.add(spec, ctx, on_edit)

    def add(self, spec: FieldSpec, ctx: FieldContext,
            on_edit: Callable[[tuple[Any, ...], Any, bool], None]) -> None:
        editor = build_editor(spec, ctx, self)
        if editor is None:
            return
        name = spec.name
        editor.edited.connect(lambda path, value, typing: on_edit((name, *path), value, typing))
        self.editors[name] = editor
        self.form.addRow(field_label(spec), editor)

    def set_values(self, values: dict[str, Any]) -> None:
        for name, editor in self.editors.items():
            editor.set_value(values.get(name))


class ArrayField(MappableField):
    """Items with add/remove: a collection row per item when the spec declares its fields,
    else one value per item."""

    def _make_static(self) -> QWidget:
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout = QVBoxLayout()
        layout.addLayout(self.rows_layout)
        self.add_button = QPushButton("Add item", box)
        self.add_button.clicked.connect(self.add_item)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.rows: list[tuple[QFrame, Any]] = []  # (row frame, _SubForm or FieldEditor)
        self._shape: list[bool] = []
        return box

    def _static_accepts(self, text: str) -> bool:
        return text == ""

    def items(self) -> list[Any]:
        return list(self._value) if isinstance(self._value, list) else []

    def _show_static(self, value: Any) -> None:
        items = value if isinstance(value, list) else []
        shape = [bool(self.spec.spec) and isinstance(item, dict) for item in items]
        if shape != self._shape:
            self._rebuild(shape)
        for (_, editor), item in zip(self.rows, items, strict=True):
            if isinstance(editor, _SubForm):
                editor.set_values(item)
            else:
                editor.set_value(item)

    def _rebuild(self, shape: list[bool]) -> None:
        for frame, _ in self.rows:
            self.rows_layout.removeWidget(frame)
            frame.deleteLater()
        self.rows = []
        self._shape = shape
        for index, collection in enumerate(shape):
            frame = QFrame(self.static)
            frame.setFrameShape(QFrame.Shape.StyledPanel)
            line = QHBoxLayout(frame)
            line.setContentsMargins(2, 2, 2, 2)

            def on_edit(path: tuple[Any, ...], value: Any, typing: bool, i: int = index) -> None:
                self._emit((i, *path), value, typing)

            editor: Any
            if collection:
                editor = _SubForm(self.spec.spec or [], self.ctx, on_edit, frame)
            else:
                item_spec = FieldSpec(name=f"{self.spec.name}[{index + 1}]", type="any")
                editor = ImlField(item_spec, self.ctx, frame)
                editor.edited.connect(on_edit)
            title = QLabel(f"Item {index + 1}", frame)
            title.setStyleSheet("color: #8a8a99")
            remove = QToolButton(frame)
            remove.setText("✕")
            remove.setObjectName("remove_item")
            remove.setToolTip("Remove this item")
            remove.clicked.connect(lambda _c=False, i=index: self.remove_item(i))
            line.addWidget(title, 0, Qt.AlignmentFlag.AlignTop)
            line.addWidget(editor, 1)
            line.addWidget(remove, 0, Qt.AlignmentFlag.AlignTop)
            self.rows_layout.addWidget(frame)
            self.rows.append((frame, editor))

    def add_item(self) -> None:
        new_item: Any = (
            {s.name: s.default for s in self.spec.spec or [] if s.default is not None}
            if self.spec.spec else ""
        )
        self._emit((), [*copy.deepcopy(self.items()), new_item], False)

    def remove_item(self, index: int) -> None:
        items = copy.deepcopy(self.items())
        if 0 <= index < len(items):
            del items[index]
            self._emit((), items, False)

    def _static_from_text(self, text: str) -> Any:
        return []


class CollectionField(MappableField):
    """A nested group of fields; without declared fields, the keys the value has (and a way
    to add one), so imported collections stay editable."""

    def _make_static(self) -> QWidget:
        box = QFrame(self)
        box.setFrameShape(QFrame.Shape.StyledPanel)
        self.box_layout = QVBoxLayout(box)
        self.box_layout.setContentsMargins(2, 2, 2, 2)
        self.subform: _SubForm | None = None
        self._keys: list[str] | None = None
        if self.spec.spec:
            self.subform = _SubForm(self.spec.spec, self.ctx, self._emit, box)
            self.box_layout.addWidget(self.subform)
        else:
            adder = QHBoxLayout()
            self.new_key = QLineEdit(box)
            self.new_key.setPlaceholderText("Field name")
            add = QPushButton("Add field", box)
            add.clicked.connect(self._add_key)
            adder.addWidget(self.new_key, 1)
            adder.addWidget(add)
            self.box_layout.addLayout(adder)
        return box

    def _static_accepts(self, text: str) -> bool:
        return text == ""

    def _show_static(self, value: Any) -> None:
        values = value if isinstance(value, dict) else {}
        if not self.spec.spec:
            keys = list(values)
            if keys != self._keys:
                self._rebuild_keys(keys)
        if self.subform is not None:
            self.subform.set_values(values)

    def _rebuild_keys(self, keys: list[str]) -> None:
        if self.subform is not None:
            self.box_layout.removeWidget(self.subform)
            self.subform.deleteLater()
        specs = [FieldSpec(name=k, type="any") for k in keys]
        self.subform = _SubForm(specs, self.ctx, self._emit, self.static)
        self.box_layout.insertWidget(0, self.subform)
        self._keys = keys

    def _add_key(self) -> None:
        key = self.new_key.text().strip()
        if key and key not in (self._keys or []):
            self.new_key.clear()
            self._emit((key,), "", False)

    def _static_from_text(self, text: str) -> Any:
        return {}


# --------------------------------------------------------------- references by id


class ConnectionField(FieldEditor):
    """account, keychain, datastore, udt, hook: ids the form cannot list (no workspace
    connections at hand, or a data store, structure or webhook), so the imported id is
    shown and kept. Connections get a ConnectionPicker when the workspace is known."""

    def __init__(self, spec: FieldSpec, ctx: FieldContext, parent: QWidget | None = None):
        super().__init__(spec, ctx, parent)
        self.noun = _CONNECTION_NOUNS.get(spec.type, "connection")
        self.combo = narrow_combo(QComboBox(self))
        self.body.addWidget(self.combo, 1)
        self.combo.activated.connect(
            lambda i: self._emit((), _or_cleared(self.combo.itemData(i)), False)
        )

    def _show(self, value: Any) -> None:
        self.combo.clear()
        self.combo.addItem(f"No {self.noun}", None)
        if value is not None:
            self.combo.addItem(f"No {self.noun} (imported id {value})", value)
            self.combo.setCurrentIndex(1)


class ModuleRefField(FieldEditor):
    """`module`: an earlier module of the flow (an aggregator's source module)."""

    def __init__(self, spec: FieldSpec, ctx: FieldContext, parent: QWidget | None = None):
        super().__init__(spec, ctx, parent)
        self.combo = narrow_combo(QComboBox(self))
        self.body.addWidget(self.combo, 1)
        self.combo.activated.connect(
            lambda i: self._emit((), _or_cleared(self.combo.itemData(i)), False)
        )

    def _show(self, value: Any) -> None:
        from app.gui.panels.mapping_picker import module_title

        self.combo.clear()
        self.combo.addItem("", None)
        try:
            ids = upstream(self.ctx.document.blueprint, self.ctx.module_id)
        except KeyError:
            ids = []
        for module_id in ids:
            self.combo.addItem(module_title(self.ctx.document, module_id), module_id)
        if value is not None and value not in ids:
            self.combo.addItem(f"Module {value} (not before this one)", value)
        self.combo.setCurrentIndex(max(0, self.combo.findData(value)))


class FilterField(FieldEditor):
    """`filter` (data store search): OR groups of AND conditions, in the filter editor."""

    def __init__(self, spec: FieldSpec, ctx: FieldContext, parent: QWidget | None = None):
        super().__init__(spec, ctx, parent)
        self.summary = QLabel(self)
        edit = QPushButton("Edit…", self)
        edit.clicked.connect(self.open_editor)
        self.body.addWidget(self.summary, 1)
        self.body.addWidget(edit)

    def _show(self, value: Any) -> None:
        groups = value if isinstance(value, list) else []
        count = sum(len(g) for g in groups if isinstance(g, list))
        self.summary.setText(f"{count} condition(s)" if count else "No filter")

    def open_editor(self) -> None:
        conditions = self._value if isinstance(self._value, list) else None
        dialog = FilterEditor({"conditions": conditions} if conditions else None, self,
                              title=self.spec.label or "Filter")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        value = dialog.value()
        self._emit((), CLEARED if dialog.removed or value is None else value["conditions"],
                   False)


def _or_cleared(value: Any) -> Any:
    return CLEARED if value is None else value


# ---------------------------------------------------------------------- factory

_BY_TYPE: dict[str, type[FieldEditor]] = {
    "number": NumberField,
    "integer": NumberField,
    "uinteger": NumberField,
    "boolean": BooleanField,
    "select": SelectField,
    "array": ArrayField,
    "collection": CollectionField,
    "account": ConnectionField,
    "keychain": ConnectionField,
    "connection": ConnectionField,
    "datastore": ConnectionField,
    "udt": ConnectionField,
    "hook": ConnectionField,
    "module": ModuleRefField,
    "filter": FilterField,
}


def build_editor(spec: FieldSpec, ctx: FieldContext,
                 parent: QWidget | None = None) -> FieldEditor | None:
    """The editor for a field, or None for hidden fields."""
    if spec.type == "hidden":
        return None
    workspace = ctx.document.workspace if spec.type in ("datastore", "udt") else None
    if workspace is not None:  # the workspace's data stores and structures, by name
        from app.gui.resources.pickers import ResourcePicker

        return ResourcePicker(spec, ctx, workspace, parent)
    if ctx.connections is not None:  # fields that ask the workspace or the service
        from app.gui.panels.connection_picker import ConnectionPicker, picker_types
        from app.gui.panels.rpc_select import RpcSelectField, rpc_options

        type_keys = picker_types(spec, ctx)
        if type_keys:
            return ConnectionPicker(spec, ctx, type_keys, parent)
        if rpc_options(spec, ctx):
            return RpcSelectField(spec, ctx, parent)
    return _BY_TYPE.get(spec.type, ImlField)(spec, ctx, parent)
