"""The settings panel: one module's form, generated from its declaration.

Static `parameters` first, then mappable `mapper` fields; keys the blueprint has but the
declaration doesn't are shown under "Other fields (kept as imported)", so nothing is lost.
Routers show their routes with the fallback choice, If-Else its branch conditions. A module
without a declaration is shown read-only and exported unchanged.

The form is a projection of the document: every edit goes through `document.set_field`
(keystrokes with `typing=True`, merged into one undo step), and the form follows
`document.changed` (undo included) without losing the cursor when a value is unchanged.
"""

from __future__ import annotations

from typing import Any

import orjson
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.gui.panels.aggregated_fields import AggregatedFields
from app.gui.panels.fields import (
    CLEARED,
    FieldContext,
    FieldEditor,
    ImlField,
    WrappingLabel,
    build_editor,
    field_label,
    help_label,
)
from app.gui.panels.filter_editor import FilterEditor
from app.gui.panels.mapping_picker import module_title, reference_words, upstream_references
from app.gui.panels.merge_outputs import MergeOutputs, merging_branch_labels
from app.gui.panels.palette import app_icon, app_name
from engine.edits.commands import MERGE, EditError
from engine.spec import FieldSpec

UNSUPPORTED = "This module is not supported yet; its settings are kept and exported unchanged"
OTHER_FIELDS = "Other fields (kept as imported)"
SECTIONS = ("parameters", "mapper")
NO_FALLBACK = 1_000_000  # the "No fallback route" button's id (Qt reserves -1)
# Modules whose undeclared mapper keys are the item they build (edited as "Aggregated fields").
AGGREGATED_FIELDS_MODULES = frozenset({"builtin:BasicAggregator"})


class SettingsPanel(QWidget):
    def __init__(self, document: Any = None, parent: QWidget | None = None, *,
                 samples: dict[int, Any] | None = None, connections: Any = None) -> None:
        super().__init__(parent)
        self.document: Any = None
        self.connections = connections  # WorkspaceConnections: pickers and RPC options
        self.module_id: int | None = None
        self.samples = samples if samples is not None else {}
        self.editors: dict[tuple[str, str], FieldEditor] = {}
        self.conditional: list[tuple[str, dict[str, list[Any]], QWidget]] = []
        self._other_keys: dict[str, list[str]] = {}
        self.json_view: QPlainTextEdit | None = None
        self.fallback_group: QButtonGroup | None = None
        self.advanced_toggle: QCheckBox | None = None
        self.aggregated_fields: AggregatedFields | None = None
        self.merge_outputs: MergeOutputs | None = None

        self.icon = QLabel(self)
        self.title = QLabel(self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.subtitle = QLabel(self)
        self.subtitle.setStyleSheet("color: #8a8a99")
        self.subtitle.setWordWrap(True)
        self.status = QLabel(self)  # refused edits (EditError)
        self.status.setStyleSheet("color: #d1242f")
        self.status.setWordWrap(True)
        self.status.hide()
        heading = QHBoxLayout()
        heading.addWidget(self.icon)
        names = QVBoxLayout()
        names.addWidget(self.title)
        names.addWidget(self.subtitle)
        heading.addLayout(names, 1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        # The form wraps and elides to the dock's width: it scrolls down, never sideways.
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.status)
        layout.addWidget(self.scroll, 1)
        self.set_document(document)

    # ------------------------------------------------------------------ wiring

    def set_document(self, document: Any) -> None:
        if self.document is not None:
            self.document.changed.disconnect(self._document_changed)
        self.document = document
        if document is not None:
            document.changed.connect(self._document_changed)
        self.show_module(None)

    def show_module(self, module_id: int | None) -> None:
        self.module_id = module_id
        self._build()

    def editor_for(self, section: str, name: str) -> FieldEditor | None:
        return self.editors.get((section, name))

    def _document_changed(self, kinds: set[str], module_ids: set[int]) -> None:
        if self.module_id is None:
            return
        try:
            node = self.document.node(self.module_id)
        except KeyError:  # the module was deleted (or its addition undone)
            self.show_module(None)
            return
        if "structure" in kinds or self._merge_labels_changed():
            self._build()
        elif self.module_id in module_ids:
            if self._other_keys != self._undeclared(node):
                self._build()
            else:
                self._refresh_values(node)

    # ------------------------------------------------------------------- form

    def _build(self) -> None:
        self.editors = {}
        self.conditional = []
        self._other_keys = {}
        self.json_view = None
        self.fallback_group = None
        self.advanced_toggle = None
        self.aggregated_fields = None
        self.merge_outputs = None
        self.status.hide()
        content = QWidget()
        layout = QVBoxLayout(content)
        self._fill(layout)
        layout.addStretch(1)
        # Last: a scroll area shows only widgets that are in place when it gets them.
        self.scroll.setWidget(content)

    def _fill(self, layout: QVBoxLayout) -> None:
        node = self._node()
        if node is None:
            self.icon.clear()
            self.title.setText("No module selected")
            self.subtitle.setText("Select a module on the canvas to see its settings.")
            return
        spec = self.document.registry.get(node.module)
        self.icon.setPixmap(app_icon(node.module, 32).pixmap(32, 32))
        self.title.setText(module_title(self.document, node.id).split(". ", 1)[1])
        self.subtitle.setText(f"{app_name(node.app)} · {node.module} · ID {node.id}")
        if spec is None:
            self._build_unsupported(layout, node)
            return
        self._build_fields(layout, node, spec)
        if node.module in AGGREGATED_FIELDS_MODULES:
            layout.addWidget(self._aggregated_box(node))
        if node.module == MERGE:
            layout.addWidget(self._merge_box(node))
        if node.routes is not None:
            layout.addWidget(self._routes_box(node))
        if node.branches is not None:
            layout.addWidget(self._branches_box(node))
        self._other_keys = self._undeclared(node)
        if any(self._other_keys.values()):
            layout.addWidget(self._other_box(node))
        if (not self.editors and node.routes is None and node.branches is None
                and self.aggregated_fields is None and self.merge_outputs is None):
            layout.addWidget(QLabel("This module has no settings."))
        self._refresh_values(node)

    def _node(self) -> Any:
        if self.document is None or self.module_id is None:
            return None
        try:
            return self.document.node(self.module_id)
        except KeyError:
            return None

    def _build_fields(self, layout: QVBoxLayout, node: Any, spec: Any) -> None:
        references = upstream_references(self.document, node.id, self.samples)
        completions = [word for word, _label in references]
        labels = dict(references)
        rows = QVBoxLayout()
        layout.addLayout(rows)
        advanced: list[QWidget] = []
        for section, specs in (("parameters", spec.parameters), ("mapper", spec.mapper)):
            ctx = FieldContext(self.document, node.id, node.module, section == "mapper",
                               completions, labels, connections=self.connections)
            for field in specs:
                editor = build_editor(field, ctx, layout.parentWidget())
                if editor is None:
                    continue
                editor.edited.connect(self._edit_handler(section, field.name))
                row = field_row(field_label(field), editor, help_label(field))
                rows.addWidget(row)
                if field.shown_when:
                    self.conditional.append((section, field.shown_when, row))
                elif field.advanced:
                    advanced.append(row)
                self.editors[(section, field.name)] = editor
        if advanced:
            toggle = QCheckBox("Show advanced settings", layout.parentWidget())
            toggle.toggled.connect(lambda shown: [row.setVisible(shown) for row in advanced])
            for row in advanced:
                row.setVisible(False)
            layout.addWidget(toggle)
            self.advanced_toggle = toggle

    def _apply_visibility(self, node: Any) -> None:
        """Rows shown only for some values of a sibling field (e.g. the credentials of the
        chosen authentication type)."""
        for section, when, row in self.conditional:
            values = _section(node, section)
            row.setVisible(all(values.get(name) in allowed for name, allowed in when.items()))

    def _edit_handler(self, section: str, name: str) -> Any:
        def edited(path: tuple[Any, ...], value: Any, typing: bool) -> None:
            self._write(section, (name, *path), value, typing)

        return edited

    def _write(self, section: str, path: tuple[Any, ...], value: Any, typing: bool) -> None:
        assert self.module_id is not None
        editor = self.editors.get((section, path[0])) if path else None
        label = _undo_label(editor, path)
        try:
            if value is CLEARED:
                self.document.clear_field(self.module_id, section, path, label=label)
            else:
                self.document.set_field(self.module_id, section, path, value, typing=typing,
                                        label=label)
        except EditError as error:
            self.status.setText(str(error))
            self.status.show()

    def _refresh_values(self, node: Any) -> None:
        for (section, name), editor in self.editors.items():
            editor.set_value(_section(node, section).get(name))
        self._apply_visibility(node)
        if self.json_view is not None:
            self.json_view.setPlainText(_json_of(node))
        if self.aggregated_fields is not None:
            self.aggregated_fields.set_value(node.mapper)
        if self.merge_outputs is not None:
            self.merge_outputs.set_value(node.outputs)

    def _aggregated_box(self, node: Any) -> AggregatedFields:
        box = AggregatedFields(reference_words(self.document, node.id, self.samples))
        box.edited.connect(
            lambda path, value, typing: self._write("mapper", tuple(path), value, typing)
        )
        box.problem.connect(self._show_problem)
        self.aggregated_fields = box
        return box

    def _merge_box(self, node: Any) -> MergeOutputs:
        labels = merging_branch_labels(self.document.blueprint, node.id)
        box = MergeOutputs(labels, reference_words(self.document, node.id, self.samples))
        box.edited.connect(self._write_merge_outputs)
        box.problem.connect(self._show_problem)
        self.merge_outputs = box
        return box

    def _write_merge_outputs(self, outputs: list[dict[str, Any]], typing: bool) -> None:
        assert self.module_id is not None
        try:
            self.document.set_merge_outputs(self.module_id, outputs, typing=typing)
        except EditError as error:
            self._show_problem(str(error))

    def _merge_labels_changed(self) -> bool:
        """A branch of the If-else before this Merge was renamed or (un)linked."""
        box = self.merge_outputs
        return box is not None and box.branches != merging_branch_labels(
            self.document.blueprint, self.module_id)

    def _show_problem(self, text: str) -> None:
        self.status.setText(text)
        self.status.show()

    # ------------------------------------------------------- undeclared fields

    def _undeclared(self, node: Any) -> dict[str, list[str]]:
        spec = self.document.registry.get(node.module)
        if spec is None:
            return {}
        declared = {  # hidden fields count as declared
            "parameters": {f.name for f in spec.parameters},
            "mapper": {f.name for f in spec.mapper},
        }
        if node.module in AGGREGATED_FIELDS_MODULES:  # shown as aggregated fields
            declared["mapper"] = set(_section(node, "mapper"))
        return {
            section: [k for k in _section(node, section) if k not in declared[section]]
            for section in SECTIONS
        }

    def _other_box(self, node: Any) -> QGroupBox:
        box = QGroupBox(OTHER_FIELDS)
        rows = QVBoxLayout(box)
        for section, keys in self._other_keys.items():
            ctx = FieldContext(self.document, node.id, node.module, section == "mapper")
            for key in keys:
                value = _section(node, section)[key]
                field = FieldSpec(name=key, type="any")
                # Non-text values stay as they are: shown as JSON, not editable as text.
                editor = ImlField(field, ctx, box, read_only=not isinstance(value, str))
                editor.edited.connect(self._edit_handler(section, key))
                rows.addWidget(field_row(WrappingLabel(key), editor))
                self.editors[(section, key)] = editor
        return box

    def _build_unsupported(self, layout: QVBoxLayout, node: Any) -> None:
        notice = QLabel(UNSUPPORTED)
        notice.setWordWrap(True)
        notice.setStyleSheet("background: #f1f1f4; border: 1px dashed #9a9aa8; padding: 6px")
        layout.addWidget(notice)
        self.json_view = QPlainTextEdit()
        self.json_view.setReadOnly(True)
        self.json_view.setPlainText(_json_of(node))
        layout.addWidget(self.json_view, 1)

    # --------------------------------------------------------- router, if-else

    def _routes_box(self, node: Any) -> QGroupBox:
        box = QGroupBox("Routes")
        column = QVBoxLayout(box)
        column.addWidget(WrappingLabel("Fallback route: runs for bundles no other route accepts."))
        group = QButtonGroup(box)
        fallback = (node.parameters or {}).get("else")
        none = QRadioButton("No fallback route")
        group.addButton(none, NO_FALLBACK)
        column.addWidget(none)
        none.setChecked(fallback is None)
        for k, route in enumerate(node.routes or []):
            first = route.flow[0].id if route.flow else None
            target = module_title(self.document, first) if first is not None else "empty"
            text = f"→ {target}" + (" (disabled)" if route.disabled else "")
            radio = QRadioButton(f"Route {k + 1}")
            radio.setToolTip(f"Route {k + 1} {text}")
            group.addButton(radio, k)
            radio.setChecked(fallback == k)
            where = WrappingLabel(text)  # a long module name never widens the form
            row = QHBoxLayout()
            row.addWidget(radio)
            row.addWidget(where, 1)
            column.addLayout(row)
        group.idClicked.connect(self._fallback_chosen)
        self.fallback_group = group
        return box

    def _fallback_chosen(self, index: int) -> None:
        assert self.module_id is not None
        try:
            self.document.set_fallback(self.module_id, None if index == NO_FALLBACK else index)
        except EditError as error:
            self.status.setText(str(error))
            self.status.show()

    def _branches_box(self, node: Any) -> QGroupBox:
        box = QGroupBox("Branches")
        column = QVBoxLayout(box)
        for k, branch in enumerate(node.branches or []):
            row = QHBoxLayout()
            if branch.type == "else":
                row.addWidget(QLabel(f"Else{': ' + branch.label if branch.label else ''}"))
            else:
                count = sum(len(group) for group in branch.conditions or [])
                name = branch.label or f"Condition {k + 1}"
                row.addWidget(QLabel(f"{name} — {count} condition(s)"), 1)
                button = QPushButton("Edit conditions…")
                button.clicked.connect(lambda _c=False, i=k: self.edit_branch(i))
                row.addWidget(button)
            column.addLayout(row)
        return box

    def branch_dialog(self, index: int) -> FilterEditor:
        node = self.document.node(self.module_id)
        branch = node.branches[index]
        conditions = [[c.model_dump(exclude_unset=True) for c in group]
                      for group in branch.conditions or []]
        return FilterEditor({"name": branch.label, "conditions": conditions}, self,
                            title="Branch condition", name_label="Branch label",
                            allow_remove=False)

    def edit_branch(self, index: int) -> None:
        dialog = self.branch_dialog(index)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.value() is not None:
            self.apply_branch(index, dialog.value())

    def apply_branch(self, index: int, value: dict[str, Any]) -> None:
        """One undo step setting a branch's label and conditions."""
        assert self.module_id is not None
        self.document.set_branch(self.module_id, index, value.get("name"),
                                 value.get("conditions") or [])


def field_row(label: QLabel, editor: QWidget, help_text: QLabel | None = None) -> QWidget:
    """A field's label above its editor, both as wide as the panel: a long label wraps
    (a QFormLayout gives a label its one-line width and would cut it); its help below."""
    row = QWidget()
    column = QVBoxLayout(row)
    column.setContentsMargins(0, 2, 0, 4)
    column.setSpacing(3)
    label.setWordWrap(True)
    column.addWidget(label)
    column.addWidget(editor)
    if help_text is not None:
        column.addWidget(help_text)
    return row


def _section(node: Any, section: str) -> dict[str, Any]:
    values = node.parameters if section == "parameters" else node.mapper
    return values if isinstance(values, dict) else {}


def _json_of(node: Any) -> str:
    data = {"parameters": node.parameters, "mapper": node.mapper}
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()




def _undo_label(editor: FieldEditor | None, path: tuple[Any, ...]) -> str | None:
    """The field as the form names it ("Connection"), for the undo entry; a nested value
    keeps its place ("Headers 2.value")."""
    label = editor.spec.label if editor is not None else None
    if not label:
        return None
    return label if len(path) == 1 else f"{label} {'.'.join(map(str, path[1:]))}"
