"""One tab's debugger: wires the run controller to the canvas overlay, the inspector dock,
breakpoints, pins, the webhook wait and the mapping picker's schema memory.

The window calls `attach_debugger(editor, workspace)` once per tab, then drives it through
`run_once()`, `resume()`, `step()`, `step_over_route()` and `stop()`.
"""

from __future__ import annotations

import asyncio
import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QMenu, QMessageBox

from app.gui.debugger.breakpoints import BreakpointStore, ConditionDialog
from app.gui.debugger.bubbles import RunOverlay
from app.gui.debugger.error_advice import advice
from app.gui.debugger.inspector import InspectorPanel, declared_fields
from app.gui.debugger.module_only import ModuleOnlyDialog
from app.gui.debugger.pins import PinStore
from app.gui.debugger.records import OperationRecord
from app.gui.debugger.run_controller import (
    FINISHED,
    IDLE,
    PAUSED,
    RUNNING,
    WAITING,
    RunController,
)
from app.gui.debugger.side_store import SideStore
from app.gui.debugger.start_choice import StartChoiceDialog
from app.gui.debugger.webhook_wait import WebhookWaitDialog
from app.gui.panels.mapping_picker import module_title
from engine.edits.tree import upstream
from engine.errors import BlueprintError, IMLError
from engine.executor.debug import Pause
from engine.executor.plan import compile_plan
from engine.executor.result import RunResult
from engine.spec import FieldSpec

INSPECTOR_HEIGHT = 340
_STATES = {IDLE: "Ready", WAITING: "Waiting for a webhook request", RUNNING: "Running",
           PAUSED: "Paused", FINISHED: "Finished"}


def format_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


class DebugSession(QObject):
    state_changed = Signal(str)
    status_changed = Signal(str)  # the status-bar summary: operations and data transfer
    message = Signal(str)

    def __init__(self, editor: Any, workspace: Path | None) -> None:
        super().__init__(editor)
        self.editor = editor
        self.document = editor.document
        self.workspace = workspace
        self.side = SideStore(workspace, self.document.path)
        self.breakpoints = BreakpointStore(self)
        self.pins = PinStore(self.side, self)
        self.controller = RunController(
            lambda: self.document.blueprint, workspace, self.breakpoints, self.pins,
            self.document.registry, self, name=lambda: self.document.name)
        self.start_from: dict[str, Any] | None = None
        self.wait_dialog: WebhookWaitDialog | None = None
        self.unsupported_dialog: QMessageBox | None = None
        self._task: asyncio.Task[Any] | None = None

        self.inspector = InspectorPanel(self.title)
        self.inspector.pinned = self.pins.is_pinned
        self.inspector.fields_of = self.fields_of
        dock = QDockWidget("Bundle inspector", editor)
        dock.setObjectName("inspector_dock")
        dock.setWidget(self.inspector)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        editor.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        editor.resizeDocks([dock], [INSPECTOR_HEIGHT], Qt.Orientation.Vertical)
        dock.hide()  # shown by the first run
        self.inspector_dock = dock

        scene = editor.canvas
        self.overlay = RunOverlay(scene, lambda: self.controller.record, self.aggregators)
        self._wire(scene)
        self.overlay.show_pins(set(self.pins.pins()))

    # ----------------------------------------------------------------- wiring

    def _wire(self, scene: Any) -> None:
        c = self.controller
        c.updated.connect(self._on_updated)
        c.paused.connect(self._on_paused)
        c.state_changed.connect(self._on_state)
        c.finished.connect(self._on_finished)
        c.failed.connect(self._on_failed)
        self.overlay.module_clicked.connect(self.inspect)
        self.breakpoints.changed.connect(
            lambda _ids: self.overlay.show_breakpoints(self.breakpoints.points))
        self.pins.changed.connect(self._on_pins)
        self.inspector.pin_requested.connect(self.pins.pin)
        self.inspector.unpin_requested.connect(self.pins.unpin)
        self.inspector.module_only_requested.connect(self.open_module_only)
        self.document.changed.connect(self._on_document_changed)
        if scene is not None:
            scene.selection_changed.connect(self._on_selection)
            original = scene.module_menu

            def module_menu(module_id: int, parent: Any = None) -> QMenu:
                menu: QMenu = original(module_id, parent)
                self.extend_menu(menu, module_id)
                return menu

            scene.module_menu = module_menu  # the canvas menu gains the debugger's actions

    # ------------------------------------------------------------- questions

    def title(self, module_id: int) -> str:
        try:
            return module_title(self.document, module_id)
        except (KeyError, AttributeError):
            return f"{module_id}."

    def fields_of(self, module_id: int) -> list[FieldSpec]:
        """The module's declared fields, for the inspector to label its input."""
        return declared_fields(self.document, module_id)

    def _kind(self, module_id: int) -> str | None:
        try:
            spec = self.document.registry.get(self.document.node(module_id).module)
        except KeyError:
            return None
        return spec.kind if spec is not None else None

    def first_module(self) -> int | None:
        flow = self.document.blueprint.flow
        return flow[0].id if flow else None

    def is_webhook_started(self) -> bool:
        first = self.first_module()
        return first is not None and self._kind(first) == "instant_trigger"

    def is_polling_started(self) -> bool:
        first = self.first_module()
        return first is not None and self._kind(first) == "trigger"

    def aggregators(self) -> set[int]:
        return {i for i in self.document.graph().modules if self._kind(i) == "aggregator"}

    @property
    def state(self) -> str:
        if self.wait_dialog is not None:
            return WAITING
        return self.controller.state

    # ------------------------------------------------------------------- run

    def run_once(self, request: dict[str, Any] | None = None) -> asyncio.Task[Any] | None:
        """Start a run (for webhook-started scenarios without `request`: wait for one)."""
        if (self.controller.busy or self.wait_dialog is not None
                or self.unsupported_dialog is not None):
            return None
        self._task = asyncio.ensure_future(self._run_once(request))
        return self._task

    async def wait(self) -> RunResult | None:
        task = self._task
        return await task if task is not None else None

    def unsupported_modules(self) -> list[tuple[int, str]]:
        """(id, app:Name) of the modules Scenarist cannot run yet; a run would stop on them
        before any module runs. BlueprintError or IMLError when the run could not start."""
        plan = compile_plan(self.document.blueprint.model_copy(deep=True),
                            self.document.registry)
        return [(step.id, step.node.module) for step in plan.unsupported]

    async def confirm_unsupported(self) -> bool:
        """Before a run (and before waiting for a webhook): say why it cannot start, or name
        the modules that cannot run; True to go ahead."""
        try:
            missing = self.unsupported_modules()
        except (BlueprintError, IMLError) as exc:
            self._on_failed(f"Cannot run: {exc}")
            return False
        if not missing:
            return True
        listing = "\n".join(f"• module {i}: {module}" for i, module in missing)
        which = "this module" if len(missing) == 1 else "these modules"
        box = QMessageBox(QMessageBox.Icon.Warning, "Modules not supported yet",
                          f"Scenarist cannot run {which} yet:\n{listing}", parent=self.editor)
        box.setInformativeText("A run stops with an error before any module runs. "
                               "Replace or remove them to run the scenario.")
        run = box.addButton("Run anyway", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        box.finished.connect(
            lambda _r: answer.done() or answer.set_result(box.clickedButton() is run))
        self.unsupported_dialog = box
        box.open()
        try:
            accepted = await answer
        finally:
            self.unsupported_dialog = None
            box.deleteLater()
        if not accepted:
            self.message.emit("Run cancelled: some modules are not supported yet")
        return accepted

    async def _run_once(self, request: dict[str, Any] | None) -> RunResult | None:
        if not await self.confirm_unsupported():
            return None
        dialog = None
        if request is None and self.is_webhook_started():
            dialog = self.wait_dialog = WebhookWaitDialog(self.side, self.editor)
            self._on_state(WAITING)
            try:
                request = await dialog.wait()
            finally:
                self.wait_dialog = None
            if request is None:
                await dialog.listener.close()
                self._on_state(self.controller.state)
                return None
        result: RunResult | None = None
        try:
            result = await self.controller.run_once(request, start_from=self.start_from)
        finally:
            if dialog is not None:
                dialog.listener.respond(result.webhook_response if result else None)
                await dialog.listener.close()
                dialog.deleteLater()
        return result

    def resume(self) -> None:
        self.controller.resume()

    def step(self) -> None:
        self.controller.step()

    def step_over_route(self) -> None:
        self.controller.step_over_route()

    def stop(self) -> None:
        if self.unsupported_dialog is not None:
            self.unsupported_dialog.reject()
            return
        if self.wait_dialog is not None:
            self.wait_dialog.reject()
            return
        self.controller.stop()

    async def run_module_only(self, module_id: int, bundles: dict[Any, Any]
                              ) -> OperationRecord | None:
        entry = await self.controller.run_module_only(module_id, bundles)
        self.inspect(module_id)
        return entry

    # --------------------------------------------------------------- dialogs

    def open_module_only(self, module_id: int) -> ModuleOnlyDialog:
        try:
            sources = upstream(self.document.blueprint, module_id)
        except KeyError:
            sources = []
        record = self.controller.record
        entries = record.entries(module_id) or (
            self.controller.previous.entries(module_id) if self.controller.previous else [])
        dialog = ModuleOnlyDialog(self.title(module_id), sources, entries, self.editor)

        def accepted() -> None:
            asyncio.ensure_future(self.run_module_only(module_id, dialog.bundles()))

        dialog.accepted.connect(accepted)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        return dialog

    def open_condition(self, module_id: int) -> ConditionDialog:
        dialog = ConditionDialog(self.title(module_id), self.breakpoints.points.get(module_id),
                                 self.editor)
        dialog.accepted.connect(
            lambda: self.breakpoints.set(module_id, dialog.condition()))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        return dialog

    def open_start_choice(self) -> StartChoiceDialog:
        dialog = StartChoiceDialog(self.start_from, self.editor)

        def accepted() -> None:
            self.start_from = dialog.choice()
            if self.workspace is not None:  # a new choice: the triggers start over
                from engine.store.trigger_cursors import forget_cursors

                forget_cursors(self.workspace, self.document.name)

        dialog.accepted.connect(accepted)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        return dialog

    def extend_menu(self, menu: QMenu, module_id: int) -> None:
        menu.addSeparator()
        toggle = menu.addAction("Breakpoint", lambda: self.breakpoints.toggle(module_id))
        toggle.setCheckable(True)
        toggle.setChecked(self.breakpoints.has(module_id))
        menu.addAction("Conditional breakpoint…", lambda: self.open_condition(module_id))
        if self.pins.is_pinned(module_id):
            menu.addAction("Unpin output", lambda: self.pins.unpin(module_id))
        else:
            last = self.controller.record.entries(module_id)
            outputs = next((e.outputs for e in reversed(last) if e.outputs), None)
            pin = menu.addAction("Pin last output",
                                 lambda: outputs and self.pins.pin(module_id, outputs))
            pin.setEnabled(bool(outputs))
        menu.addAction("Run this module only…", lambda: self.open_module_only(module_id))
        menu.addAction("Inspect bundles", lambda: self.inspect(module_id))
        if module_id == self.first_module() and self.is_polling_started():
            menu.addAction("Choose where to start…", self.open_start_choice)

    # --------------------------------------------------------------- events

    def inspect(self, module_id: int) -> None:
        if self.inspector.record is not self.controller.record:
            self.inspector.set_record(self.controller.record)
        self.inspector_dock.show()
        self.inspector_dock.raise_()
        self.inspector.show_module(module_id)

    def _on_updated(self, touched: set[int]) -> None:
        if self.inspector.record is not self.controller.record:
            self.inspector.set_record(self.controller.record)
        self.overlay.refresh(touched)
        self.inspector.refresh(touched)
        self.status_changed.emit(self.status_text())

    def _on_paused(self, pause: Pause) -> None:
        self.overlay.show_paused(pause.module_id)
        self.inspector_dock.show()
        self.inspector.show_pause(pause)
        center = getattr(self.editor.view, "center_on_module", None)
        if center is not None:
            center(pause.module_id)
        self.message.emit(f"Paused before {self.title(pause.module_id)} "
                          f"({'breakpoint' if pause.reason == 'breakpoint' else 'step'})")

    def _on_state(self, state: str) -> None:
        if state != PAUSED:
            self.overlay.show_paused(None)
            if self.inspector.pause is not None:
                self.inspector.show_pause(None)
        if state == RUNNING:
            self.inspector.show_run_error(None)
            # The run's bundles are what the user looks at now: the inspector comes to the
            # front of the tabs under the canvas.
            self.inspector_dock.show()
            self.inspector_dock.raise_()
        self.state_changed.emit(state)
        self.status_changed.emit(self.status_text())

    def _on_finished(self, _result: RunResult | None) -> None:
        self.overlay.refresh(None)
        self._remember_outputs()
        record = self.controller.record
        if self.inspector.module_id is None and record.modules:
            self.inspector.show_module(next(iter(record.modules)))
        elif self.inspector.module_id is not None:
            self.inspector.show_module(self.inspector.module_id)
        self.status_changed.emit(self.status_text())
        status = record.status or "finished"
        error = record.error
        self.message.emit(f"Run {status}" + (f": {error.get('message')}" if error else ""))
        self._show_run_errors(record)

    def _show_run_errors(self, record: Any) -> None:
        """Every error of the run where the user looks: the inspector, opened on the module
        that failed."""
        error = record.error if record.status == "error" else None
        if error is not None:
            module_id = error.get("module_id")
            where = f" in {self.title(module_id)}" if isinstance(module_id, int) else ""
            name = error.get("name") or "Error"
            self.inspector.show_run_error(
                f"<b>✗ The run stopped with an error{where}:</b> {_html(name)}: "
                f"{_html(str(error.get('message') or ''))}<br><i>What to do:</i> "
                f"{_html(advice(name))}")
            self.inspector_dock.show()
            self.inspector_dock.raise_()  # it may share its place with the history tabs
            if isinstance(module_id, int):
                self.inspect(module_id)
            return
        failed = [i for i, m in record.modules.items() if m.errors]
        if failed:
            names = ", ".join(self.title(i) for i in failed)
            self.inspector.show_run_error(
                f"<b>⚠ Errors handled by error routes in:</b> {_html(names)} "
                "(click a bubble to see them)")
        else:
            self.inspector.show_run_error(None)

    def _on_failed(self, text: str) -> None:
        """The run could not start (or a breakpoint condition is wrong): say so in the
        inspector too, not only in the status bar."""
        self.message.emit(text)
        self.inspector.show_run_error(f"<b>✗</b> {_html(text)}")
        self.inspector_dock.show()
        self.inspector_dock.raise_()

    def _remember_outputs(self) -> None:
        """Schema memory: output fields seen in the run feed the mapping picker."""
        picker = getattr(self.editor, "mapping", None)
        set_sample = getattr(picker, "set_sample", None)
        if set_sample is None:
            return
        record = self.controller.record
        for module_id in record.modules:
            bundle = record.first_output(module_id)
            if bundle is not None:
                set_sample(module_id, bundle)

    def _on_selection(self, module_ids: list[int]) -> None:
        if len(module_ids) == 1 and self.controller.record.modules:
            if self.inspector.record is not self.controller.record:
                self.inspector.set_record(self.controller.record)
            self.inspector.show_module(module_ids[0])

    def _on_pins(self, _ids: set[int]) -> None:
        self.overlay.show_pins(set(self.pins.pins()))
        self.inspector._update_header()
        self.inspector._update_buttons()

    def _on_document_changed(self, kinds: set[str], _ids: set[int]) -> None:
        if "structure" in kinds:
            present = set(self.document.graph().modules)
            self.pins.forget_missing(present)
            for module_id in [i for i in self.breakpoints.points if i not in present]:
                self.breakpoints.clear(module_id)
            self.overlay.show_pins(set(self.pins.pins()))
            self.overlay.show_breakpoints(self.breakpoints.points)
            self.overlay.refresh(None)
        elif "positions" in kinds:
            self.overlay.refresh_links()

    def status_text(self) -> str:
        record = self.controller.record
        state = _STATES.get(self.state, self.state)
        if self.state == FINISHED and record.status:
            state = f"Run {record.status}"
        if self.state in (IDLE, WAITING) and not record.modules:
            return state
        return (f"{state} · {record.operations:,} operation"
                f"{'' if record.operations == 1 else 's'} · "
                f"{format_bytes(record.data_transfer)} transferred")


def _html(text: str) -> str:
    return html.escape(text, quote=False)


def attach_debugger(editor: Any, workspace: Path | None) -> DebugSession:
    session = DebugSession(editor, workspace)
    editor.debugger = session
    return session

