"""The mapping picker: what the edited module can map, as Make's mapping panel shows it.

Upstream modules (nearest first) with their output fields: a sample bundle (the last run's
output, set by the debugger), else what the module outputs given its settings (its
declaration's `output_fields`: a plain webhook has no headers, Set multiple variables lists
its variables), else the module's exported `metadata.interface`, else its declaration's
interface; then the function library grouped by family, and the keywords. Clicking a row
inserts it (a field `{{N.path}}`, a function `name(`) into the IML editor the user was last
in; rows are never edited in place.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.names import module_label
from app.gui.panels.iml_editor import ImlEditor, inside_expression, last_focused_editor
from app.gui.panels.palette import app_icon
from engine.edits.tree import upstream
from engine.iml.compiler import SPECIAL_FUNCTIONS
from engine.iml.functions import FUNCTIONS
from engine.iml.keywords import KEYWORDS
from engine.spec import OutputContext, field_specs

_PLAIN_SEGMENT = re.compile(r"^[A-Za-z_$][\w$]*$")
_ONE_REFERENCE = re.compile(r"^\{\{\s*(\d+)((?:\.(?:`[^`]*`|[^.\[\]`{}]+)|\[\d*\])+)\s*\}\}$")
_SEGMENT = re.compile(r"\.(`[^`]*`|[^.\[\]`{}]+)|\[(\d*)\]")
INSERT_ROLE = Qt.ItemDataRole.UserRole
KIND_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass
class OutputField:
    name: str
    label: str
    type: str = "any"
    children: list[OutputField] = field(default_factory=list)


def quote_segment(name: str) -> str:
    """Backtick a key that has spaces, starts with a digit or holds symbols (Make's rule)."""
    return name if _PLAIN_SEGMENT.match(name) else f"`{name}`"


def reference(module_id: int, path: list[str]) -> str:
    """`{{4.items[].name}}` for module 4 and path ["items", "[]", "name"]."""
    text = str(module_id)
    for segment in path:
        text += "[]" if segment == "[]" else "." + quote_segment(segment)
    return "{{" + text + "}}"


def module_title(document: Any, module_id: int) -> str:
    node = document.node(module_id)
    name = ((node.metadata or {}).get("designer") or {}).get("name")
    return f"{module_id}. {name or module_label(node.module, document.registry)}"


def fields_from_interface(specs: Any) -> list[OutputField]:
    """Fields from Make's interface format ([{name, type, label, spec}]) or FieldSpecs."""
    result: list[OutputField] = []
    for spec in specs or []:
        data = spec if isinstance(spec, dict) else spec.model_dump()
        name = data.get("name")
        if not isinstance(name, str):
            continue
        kind = data.get("type") or "any"
        inner = data.get("spec")
        if kind == "array" and isinstance(inner, dict):  # array of a declared item type
            inner = inner.get("spec") if inner.get("type") == "collection" else None
        children = fields_from_interface(inner) if isinstance(inner, list) else []
        item = OutputField(name, data.get("label") or name, kind, children)
        if kind == "array" and children:
            item.children = [OutputField("[]", "Item", "collection", children)]
        result.append(item)
    return result


def fields_from_sample(bundle: Any) -> list[OutputField]:
    result: list[OutputField] = []
    if not isinstance(bundle, dict):
        return result
    for key, value in bundle.items():
        if isinstance(value, dict):
            result.append(OutputField(key, key, "collection", fields_from_sample(value)))
        elif isinstance(value, list):
            first = next((v for v in value if isinstance(v, dict)), None)
            children = fields_from_sample(first) if first else []
            item = OutputField(key, key, "array")
            if children:
                item.children = [OutputField("[]", "Item", "collection", children)]
            result.append(item)
        else:
            result.append(OutputField(key, key, type(value).__name__))
    return result


def output_context(document: Any) -> OutputContext:
    """What the document's workspace knows about outputs (its data structures, the
    scenario's webhook options); nothing for a document outside a workspace."""
    context = getattr(document, "output_context", None)
    return context() if callable(context) else OutputContext()


def module_outputs(document: Any, module_id: int, samples: dict[int, Any],
                   context: OutputContext | None = None, _depth: int = 0) -> list[OutputField]:
    if module_id in samples:  # what a run saw, named as the module names its outputs
        seen = fields_from_sample(samples[module_id])
        return _relabelled(seen, declared_outputs(document, module_id, samples, context,
                                                  _depth))
    return declared_outputs(document, module_id, samples, context, _depth)


def _relabelled(fields: list[OutputField], known: list[OutputField]) -> list[OutputField]:
    by_name = {f.name: f for f in known}
    for output in fields:
        declared = by_name.get(output.name)
        if declared is not None:
            output.label = declared.label
            _relabelled(output.children, declared.children)
    return fields


def declared_outputs(document: Any, module_id: int, samples: dict[int, Any],
                     context: OutputContext | None = None, _depth: int = 0
                     ) -> list[OutputField]:
    """The module's outputs known without a run (settings, export, declaration)."""
    node = document.node(module_id)
    exported = (node.metadata or {}).get("interface")
    spec = document.registry.get(node.module)
    if spec is not None and spec.outputs is not None:
        base = context or output_context(document)

        def fields_at(ref: str) -> list[Any] | None:
            if _depth > 8:  # a reference into itself, or a very long chain
                return None
            found = referenced_field(document, ref, samples, base, _depth + 1)
            if found is None:
                return None
            items = found.children[0].children if found.children and \
                found.children[0].name == "[]" else found.children
            return field_specs([_as_dict(f) for f in items]) or None

        here = replace(base, exported=exported if isinstance(exported, list) else None,
                       fields_at=fields_at)
        return fields_from_interface(spec.output_fields(node.parameters, node.mapper, here))
    if exported:
        return fields_from_interface(exported)
    return fields_from_interface(spec.interface) if spec else []


def _as_dict(output: OutputField) -> dict[str, Any]:
    children = [c for c in output.children if c.name != "[]"] or (
        output.children[0].children if output.children else [])
    return {"name": output.name, "label": output.label, "type": output.type,
            "spec": [_as_dict(c) for c in children] or None}


def referenced_field(document: Any, ref: str, samples: dict[int, Any],
                     context: OutputContext | None = None, _depth: int = 0
                     ) -> OutputField | None:
    """The output field a lone reference such as `{{1.items}}` names, if it is known."""
    match = _ONE_REFERENCE.match(ref.strip())
    if match is None:
        return None
    try:
        fields = module_outputs(document, int(match[1]), samples, context, _depth)
    except KeyError:
        return None
    found: OutputField | None = None
    for name, _index in _SEGMENT.findall(match[2]):
        if name:
            key = name[1:-1] if name.startswith("`") else name
            found = next((f for f in fields if f.name == key), None)
        else:  # [n]: an array's item
            found = next((f for f in fields if f.name == "[]"), None)
        if found is None:
            return None
        fields = found.children
    return found


def upstream_references(document: Any, module_id: int, samples: dict[int, Any]
                        ) -> list[tuple[str, str]]:
    """(`N.path`, "N. Label: Child") for every field of the modules before `module_id`."""
    found: list[tuple[str, str]] = []
    context = output_context(document)

    def walk(source: int, fields: list[OutputField], path: list[str], labels: list[str]
             ) -> None:
        for item in fields:
            here = [*path, item.name]
            named = [*labels, item.label if item.name != "[]" else "Item"]
            found.append((reference(source, here)[2:-2], f"{source}. {': '.join(named)}"))
            walk(source, item.children, here, named)

    try:
        sources = upstream(document.blueprint, module_id)
    except KeyError:
        return found
    for source in sources:
        walk(source, module_outputs(document, source, samples, context), [], [])
    return found


def reference_words(document: Any, module_id: int, samples: dict[int, Any]) -> list[str]:
    """`N.path` for every upstream field, for the IML editor's completion."""
    return [word for word, _label in upstream_references(document, module_id, samples)]


def reference_labels(document: Any, module_id: int, samples: dict[int, Any]
                     ) -> dict[str, str]:
    """`N.path` -> "N. Label" for every upstream field: the pills mappings show."""
    return dict(upstream_references(document, module_id, samples))


def function_groups() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for name in SPECIAL_FUNCTIONS:
        groups["general"].append(name)
    for name, definition in FUNCTIONS.items():
        groups[definition.fn.__module__.rsplit(".", 1)[-1]].append(name)
    order = ["general", "math", "text", "date", "array"]
    return {
        key: sorted(groups[key], key=str.lower)
        for key in sorted(groups, key=lambda k: order.index(k) if k in order else 99)
    }


def insert_mapping(editor: ImlEditor, kind: str, text: str) -> None:
    """Insert a reference, function or keyword where the cursor is; outside `{{ }}` it
    brings its own braces."""
    cursor = editor.textCursor()
    inside = inside_expression(editor.text(), cursor.position())
    if kind == "field":
        editor.insert_text(text[2:-2] if inside else text)
    elif kind == "function":
        if inside:
            editor.insert_text(f"{text}(")
        else:
            editor.insert_text("{{" + text + "()}}")
            moved = editor.textCursor()
            moved.setPosition(moved.position() - 3)
            editor.setTextCursor(moved)
    else:
        editor.insert_text(text if inside else "{{" + text + "}}")


class MappingPicker(QWidget):
    inserted = Signal(str, str)  # kind ("field", "function", "keyword"), text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: Any = None
        self.module_id: int | None = None
        self._samples: dict[int, Any] = {}
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        # A click inserts the row where the user was typing; nothing here is edited.
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.hint = QLabel("Click in a field, then on an output to map it.", self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #6f6d7a; padding: 2px 4px")
        self.tree.setColumnCount(2)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.hint)
        layout.addWidget(self.tree)
        self.tree.itemClicked.connect(self._clicked)
        self.tree.itemActivated.connect(self._clicked)

    def set_document(self, document: Any) -> None:
        if self.document is not None:
            self.document.changed.disconnect(self._document_changed)
        self.document = document
        self.module_id = None
        if document is not None:
            document.changed.connect(self._document_changed)
        self.refresh()

    def set_module(self, module_id: int | None) -> None:
        self.module_id = module_id
        self.refresh()

    def set_samples(self, samples: dict[int, Any]) -> None:
        """Every remembered sample at once (a copy: the picker beside a dialog)."""
        self._samples = dict(samples)
        self.refresh()

    def set_sample(self, module_id: int, bundle: Any) -> None:
        """The last run's output of a module (None forgets it)."""
        if bundle is None:
            self._samples.pop(module_id, None)
        else:
            self._samples[module_id] = bundle
        self.refresh()

    @property
    def samples(self) -> dict[int, Any]:
        return self._samples

    def _document_changed(self, kinds: set[str], _ids: set[int]) -> None:
        if kinds & {"structure", "settings"}:
            self.refresh()

    # ----------------------------------------------------------------- content

    def refresh(self) -> None:
        self.tree.clear()
        if self.document is not None and self.module_id is not None:
            try:
                sources = upstream(self.document.blueprint, self.module_id)
            except KeyError:  # the module was deleted
                sources = []
            context = output_context(self.document)
            for source in sources:
                node = self.document.node(source)
                top = QTreeWidgetItem(self.tree, [module_title(self.document, source)])
                top.setIcon(0, app_icon(node.app, 18))
                top.setFlags(Qt.ItemFlag.ItemIsEnabled)
                fields = module_outputs(self.document, source, self._samples, context)
                self._add_fields(top, source, fields, [])
                if not fields:
                    empty = QTreeWidgetItem(top, ["No outputs known yet: Run once to see them"])
                    empty.setFlags(Qt.ItemFlag.NoItemFlags)
                top.setExpanded(True)
        self._add_library()

    def _add_fields(self, parent: QTreeWidgetItem, source: int, fields: list[OutputField],
                    path: list[str]) -> None:
        subtle = QColor("#8a8a99")
        for output in fields:
            here = [*path, output.name]
            shown = output.label if output.name != "[]" else "Item"
            item = QTreeWidgetItem(parent, [shown, output.type])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setForeground(1, subtle)
            item.setData(0, INSERT_ROLE, reference(source, here))
            item.setData(0, KIND_ROLE, "field")
            item.setToolTip(0, reference(source, here))
            self._add_fields(item, source, output.children, here)

    def _add_library(self) -> None:
        functions = QTreeWidgetItem(self.tree, ["Functions"])
        functions.setFlags(Qt.ItemFlag.ItemIsEnabled)
        for group, names in function_groups().items():
            branch = QTreeWidgetItem(functions, [group.capitalize()])
            branch.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for name in names:
                item = QTreeWidgetItem(branch, [f"{name}()"])
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setData(0, INSERT_ROLE, name)
                item.setData(0, KIND_ROLE, "function")
        keywords = QTreeWidgetItem(self.tree, ["Keywords"])
        keywords.setFlags(Qt.ItemFlag.ItemIsEnabled)
        for name in sorted(KEYWORDS, key=str.lower):
            item = QTreeWidgetItem(keywords, [name])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setData(0, INSERT_ROLE, name)
            item.setData(0, KIND_ROLE, "keyword")

    # -------------------------------------------------------------- inspecting

    def module_items(self) -> dict[int, QTreeWidgetItem]:
        items = {}
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            text = item.text(0)
            head = text.split(".", 1)[0]
            if head.isdigit():
                items[int(head)] = item
        return items

    def field_item(self, module_id: int, name: str) -> QTreeWidgetItem | None:
        top = self.module_items().get(module_id)
        if top is None:
            return None
        for i in range(top.childCount()):
            if top.child(i).data(0, INSERT_ROLE) == reference(module_id, [name]):
                return top.child(i)
        return None

    def _clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        kind, text = item.data(0, KIND_ROLE), item.data(0, INSERT_ROLE)
        if not kind or not text:
            return
        editor = last_focused_editor()
        if editor is None:
            self.hint.setText("<b>Click in a field first</b>, then on an output to map it.")
            return
        insert_mapping(editor, kind, text)
        self.inserted.emit(kind, text)
