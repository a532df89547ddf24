"""One scenario tab: the canvas in the middle, the palette on the left, settings on the right.

The editor only wires widgets to the document: every gesture ends in one document method
(which pushes an undoable command); invalid gestures surface as `error(str)` for the status
bar and change nothing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from app.gui.document import ScenarioDocument
from app.gui.panels.filter_editor import FilterEditor
from app.gui.panels.mapping_picker import MappingPicker, module_title, reference_labels
from app.gui.panels.settings import SettingsPanel
from app.gui.problems_banner import ProblemsBanner
from engine.edits.commands import EditError
from engine.errors import ScenaristError

# New modules dropped at the same spot would hide each other: step each one aside.
_ADD_STEP = 40.0
PALETTE_WIDTH = 235
SETTINGS_WIDTH = 380


def _placeholder(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet("color: #888;")
    label.setWordWrap(True)
    return label


def _panel(name: str, module: str) -> Any:
    """A class of app.gui.panels (from the package, else its own module); None if absent."""
    import importlib

    for where in ("app.gui.panels", f"app.gui.panels.{module}"):
        try:
            found = getattr(importlib.import_module(where), name, None)
        except ImportError:
            continue
        if found is not None:
            return found
    return None


def make_canvas(document: ScenarioDocument, parent: QWidget) -> tuple[QWidget, Any]:
    """The canvas view and its scene (app.gui.canvas), or a placeholder and None."""
    try:
        from app.gui.canvas import ScenarioScene, ScenarioView
    except ImportError:
        return _placeholder("The canvas is not available."), None
    scene = ScenarioScene(document, parent)  # parented: a view does not own its scene
    view: QWidget = ScenarioView(scene)
    return view, scene


def make_palette(document: ScenarioDocument) -> QWidget:
    palette = _panel("Palette", "palette")
    if palette is None:
        return _placeholder("Module palette")
    widget: QWidget = palette(document.registry)
    return widget


def make_settings(document: ScenarioDocument, connections: Any = None) -> QWidget:
    panel = _panel("SettingsPanel", "settings")
    if panel is None:
        return _placeholder("Select a module to see its settings")
    widget: QWidget = panel(document, connections=connections)
    return widget


def make_mapping(document: ScenarioDocument) -> QWidget:
    picker_class = _panel("MappingPicker", "mapping_picker")
    if picker_class is None:
        return _placeholder("Mappable outputs of earlier modules")
    picker: QWidget = picker_class()
    picker.set_document(document)  # type: ignore[attr-defined]
    return picker


def choose_module(document: ScenarioDocument, parent: QWidget, at: QPoint) -> str | None:
    """Ask which module type to add (ModuleChooser at a global position); None if cancelled."""
    chooser = _panel("ModuleChooser", "module_chooser")
    if chooser is None:
        return None
    chosen: str | None = chooser.choose(document.registry, parent, at)
    return chosen


def conditions_dialog(editor: ScenarioEditor, module_id: int, current: dict[str, Any] | None,
                      **options: Any) -> FilterEditor:
    """The filter editor for conditions evaluated before `module_id` (a link's filter, an
    If-else branch's condition), with the mapping panel beside it, not modal: the canvas
    and the panels stay usable while it is open."""
    samples = getattr(editor.mapping, "samples", {})
    picker = MappingPicker()
    picker.set_document(editor.document)
    picker.set_samples(samples)
    picker.set_module(module_id)
    dialog = FilterEditor(current, editor, picker=picker,
                          labels=reference_labels(editor.document, module_id, samples),
                          **options)
    dialog.finished.connect(lambda _r: dialog.deleteLater())
    return dialog


LAID_OUT_MESSAGE = "Modules overlapped, so they were laid out (saved with your next save)"


def lay_out_if_overlapping(document: ScenarioDocument) -> bool:
    """A scenario opened with its modules piled up is laid out at once. Not an edit: the
    undo history starts after it and the document stays clean (the file changes only when
    the user saves)."""
    from app.gui.canvas.overlap import modules_overlap

    if document.dirty or not modules_overlap(document.graph()):
        return False
    document.auto_layout()
    document.undo_stack.clear()
    return True


class ScenarioEditor(QMainWindow):
    """A tab's content (a QMainWindow so the palette and settings can be docks)."""

    error = Signal(str)
    message = Signal(str)

    def __init__(self, document: ScenarioDocument, parent: QWidget | None = None, *,
                 connections: Any = None) -> None:
        super().__init__(parent)
        self.setWindowFlags(Qt.WindowType.Widget)
        self.document = document
        self.connections = connections  # the window's WorkspaceConnections (or None)
        document.setParent(self)
        # A dirty stack emits cleanChanged while it is destroyed, after its document (the
        # receiver of that signal) is half gone: cut the link as the document dies.
        stack = document.undo_stack
        document.destroyed.connect(lambda *_: stack.cleanChanged.disconnect())
        self.selection: list[int] = []
        self.filter_dialog: FilterEditor | None = None  # the one open, not modal
        self._added = 0
        self.laid_out_on_open = lay_out_if_overlapping(document)
        if self.laid_out_on_open:  # said once the window listens
            QTimer.singleShot(0, self, lambda: self.message.emit(LAID_OUT_MESSAGE))

        self.view, self.canvas = make_canvas(document, self)
        self.problems_banner = ProblemsBanner(document)
        self.problems_banner.module_clicked.connect(self.center_on_module)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.problems_banner)
        column.addWidget(self.view, 1)
        self.setCentralWidget(central)
        self.palette = make_palette(document)
        self.palette_dock = self._dock(
            "Modules", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.settings = make_settings(document, connections)
        self.settings_dock = self._dock(
            "Settings", self.settings, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.mapping = make_mapping(document)
        self.mapping_dock = self._dock(
            "Mapping", self.mapping, Qt.DockWidgetArea.RightDockWidgetArea
        )
        if isinstance(self.settings, SettingsPanel) and isinstance(self.mapping, MappingPicker):
            # One memory of the outputs seen in runs: the panel lists them, the form's
            # completion and pills name them.
            self.settings.samples = self.mapping.samples
        self.splitDockWidget(self.settings_dock, self.mapping_dock, Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.palette_dock, self.settings_dock], [PALETTE_WIDTH, SETTINGS_WIDTH],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks(
            [self.settings_dock, self.mapping_dock], [3, 2], Qt.Orientation.Vertical
        )
        self._wire()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower()}_dock")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def _wire(self) -> None:
        for name, slot in (
            ("selection_changed", self._on_selection),
            ("module_activated", self._on_activated),
            ("filter_requested", self._on_filter_requested),
            ("condition_requested", self._on_condition_requested),
            ("add_after_requested", self._on_add_after),
            ("error", self.error.emit),
        ):
            signal = getattr(self.canvas, name, None) or getattr(self.view, name, None)
            if signal is not None:
                signal.connect(slot)
        chosen = getattr(self.palette, "module_chosen", None)
        if chosen is not None:
            chosen.connect(self.add_module_at_centre)
        panel_error = getattr(self.settings, "error", None)
        if panel_error is not None:
            panel_error.connect(self.error.emit)

    # ------------------------------------------------------------- the canvas

    def view_centre(self) -> tuple[float, float]:
        """Where the user is looking, in scene coordinates."""
        view: Any = self.view
        if hasattr(view, "mapToScene"):
            point: QPointF = view.mapToScene(view.viewport().rect().center())
            return point.x(), point.y()
        return 0.0, 0.0

    def fit(self) -> None:
        fit = getattr(self.view, "fit", None)
        if fit is not None:
            fit()

    def zoom(self, factor: float) -> None:
        view: Any = self.view
        zoom_by = getattr(view, "zoom_by", None)
        if zoom_by is not None:
            zoom_by(factor)
        elif hasattr(view, "scale"):
            view.scale(factor, factor)

    def set_minimap_visible(self, visible: bool) -> None:
        enable = getattr(self.view, "set_minimap_enabled", None)
        if enable is not None:
            enable(visible)

    def center_on_module(self, module_id: int) -> None:
        centre = getattr(self.view, "center_on_module", None)
        if centre is not None:
            centre(module_id)
        self.select_modules([module_id])

    def select_modules(self, module_ids: list[int]) -> None:
        """Select exactly these modules on the canvas."""
        if self.canvas is None:  # no canvas: keep the selection ourselves
            self._on_selection(module_ids)
            return
        self.canvas.blockSignals(True)  # one selection_changed for the whole change
        self.canvas.clearSelection()
        for module_id in module_ids:
            item = self.canvas.modules.get(module_id)
            if item is not None:
                item.setSelected(True)
        self.canvas.blockSignals(False)
        self.canvas.selectionChanged.emit()

    def select_all(self) -> None:
        self.select_modules(sorted(self.document.graph().modules))

    # ------------------------------------------------------------------ edits

    def run_edit(self, action: Any, *args: Any) -> Any:
        """Call a document method; an invalid edit becomes a status-bar message."""
        try:
            return action(*args)
        except (EditError, ScenaristError) as exc:
            self.error.emit(str(exc))
            return None

    def add_module_at_centre(self, module_type: str) -> int | None:
        x, y = self.view_centre()
        offset = (self._added % 5) * _ADD_STEP
        self._added += 1
        module_id: int | None = self.run_edit(
            self.document.add_module, module_type, x + offset, y + offset
        )
        if module_id is not None:
            self.select_modules([module_id])
        return module_id

    def delete_selection(self) -> None:
        if self.selection:
            self.run_edit(self.document.delete_modules, list(self.selection))

    def copy_selection(self) -> str | None:
        if not self.selection:
            return None
        text: str | None = self.run_edit(self.document.copy_modules, list(self.selection))
        return text

    def paste(self, text: str) -> list[int]:
        ids: list[int] | None = self.run_edit(
            self.document.paste_modules, text, self.view_centre()
        )
        if ids:
            self.select_modules(ids)
        return ids or []

    def auto_layout(self) -> None:
        self.run_edit(self.document.auto_layout)
        self.fit()

    # ---------------------------------------------------------------- signals

    def _show_module(self, module_id: int | None) -> None:
        """The settings and the mapping picker follow the single selected module."""
        for panel, method in ((self.settings, "show_module"), (self.mapping, "set_module")):
            show = getattr(panel, method, None)
            if show is not None and getattr(panel, "module_id", object()) != module_id:
                show(module_id)

    def _on_selection(self, module_ids: list[int]) -> None:
        self.selection = list(module_ids)
        self._show_module(module_ids[0] if len(module_ids) == 1 else None)

    def _on_activated(self, module_id: int) -> None:
        self.settings_dock.show()
        self.settings_dock.raise_()
        self._show_module(module_id)

    def _on_filter_requested(self, module_id: int) -> None:
        self.open_filter(module_id)

    def open_filter(self, module_id: int) -> FilterEditor:
        """Make's filter set-up for the link into `module_id` (OK sets it, one undo step)."""
        if self.filter_dialog is not None:
            self.filter_dialog.close()
        current = self.document.node(module_id).filter
        if current is not None:
            current = current.model_dump(mode="json", exclude_unset=True)
        before = self._link_title(module_id)
        dialog = conditions_dialog(self, module_id, current,
                                   title=f"Set up a filter{before}")

        def accepted() -> None:
            try:
                self.run_edit(self.document.set_filter, module_id, dialog.value())
            except KeyError:  # the module was deleted meanwhile
                self.error.emit("The module of this filter is gone")

        dialog.accepted.connect(accepted)
        dialog.destroyed.connect(lambda *_: self._forget_filter_dialog(dialog))
        self.filter_dialog = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def _forget_filter_dialog(self, dialog: FilterEditor) -> None:
        if self.filter_dialog is dialog:
            self.filter_dialog = None

    def _link_title(self, module_id: int) -> str:
        link = self.document.graph().link_into(module_id)
        if link is None:
            return ""
        return (f" — {module_title(self.document, link.source)} → "
                f"{module_title(self.document, module_id)}")

    def _on_condition_requested(self, if_else_id: int, index: int) -> None:
        """An If-else branch's condition, edited with the filter editor (same shape)."""
        branch = (self.document.node(if_else_id).branches or [])[index]
        if branch.type == "else":
            self.message.emit("The Else branch runs when no condition matched; it has none")
            return
        current = {"name": branch.label or "", "conditions": [
            [c.model_dump(mode="json", exclude_unset=True) for c in group]
            for group in branch.conditions or []]}
        dialog = conditions_dialog(self, if_else_id, current, title="Branch condition",
                                   name_label="Branch label", allow_remove=False)

        def accepted() -> None:
            value = dialog.value() or {}
            self.run_edit(self.document.set_branch, if_else_id, index, value.get("name"),
                          value.get("conditions") or [])

        dialog.accepted.connect(accepted)
        self.filter_dialog = dialog
        dialog.destroyed.connect(lambda *_: self._forget_filter_dialog(dialog))
        dialog.show()

    def _on_add_after(self, module_id: int, at: QPointF) -> None:
        view: Any = self.view
        where = view.mapToGlobal(view.mapFromScene(at)) if hasattr(view, "mapFromScene") else (
            view.mapToGlobal(view.rect().center())
        )
        module_type = choose_module(self.document, self, where)
        if module_type:
            new_id = self.run_edit(self.document.append_after, module_id, module_type)
            if new_id is not None:
                self.select_modules([new_id])
