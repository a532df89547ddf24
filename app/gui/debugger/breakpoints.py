"""Breakpoints (before a module runs, optionally with an IML condition) and the debug
toolbar: Continue, Step, Step over route, Stop.

Breakpoints are run state kept per tab (never in the blueprint); the run controller hands
them to the engine's DebugGate, live while a run is going on.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from engine.errors import IMLError
from engine.iml import compile_template


class BreakpointStore(QObject):
    changed = Signal(object)  # set[int]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.points: dict[int, str | None] = {}  # module id -> IML condition (None: always)

    def has(self, module_id: int) -> bool:
        return module_id in self.points

    def toggle(self, module_id: int) -> bool:
        """Set or clear an unconditional breakpoint; returns whether one is set now."""
        if module_id in self.points:
            del self.points[module_id]
        else:
            self.points[module_id] = None
        self.changed.emit({module_id})
        return module_id in self.points

    def set(self, module_id: int, condition: str | None = None) -> None:
        self.points[module_id] = condition or None
        self.changed.emit({module_id})

    def clear(self, module_id: int) -> None:
        if self.points.pop(module_id, ...) is not ...:
            self.changed.emit({module_id})


def condition_error(text: str) -> str | None:
    """Why an IML breakpoint condition can't be used (None: it compiles)."""
    if not text.strip():
        return None
    try:
        compile_template(text if "{{" in text else f"{{{{{text}}}}}")
    except IMLError as exc:
        return str(exc)
    return None


class ConditionDialog(QDialog):
    """Ask for a breakpoint condition, e.g. `{{1.score > 50}}` (empty: always stop)."""

    def __init__(self, module_title: str, current: str | None, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Conditional breakpoint")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            f"Stop before <b>{module_title}</b> runs when this IML condition is true "
            "(leave empty to always stop):"))
        self.editor = QLineEdit(current or "")
        self.editor.setPlaceholderText("{{1.score > 50}}")
        layout.addWidget(self.editor)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #c0392b;")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.editor.textChanged.connect(self._check)
        self._check(self.editor.text())

    def _check(self, text: str) -> None:
        problem = condition_error(text)
        self.problem.setText(problem or "")
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(problem is None)

    def condition(self) -> str | None:
        return self.editor.text().strip() or None


class DebugToolbar(QToolBar):
    """Continue, Step, Step over route, Stop: enabled by the run's state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Debug", parent)
        self.setObjectName("debug_toolbar")
        self.act_continue = self._add("Continue", "F5", "Run on to the next breakpoint")
        self.act_step = self._add("Step", "F10", "Run the next operation, then pause")
        self.act_step_over = self._add(
            "Step over route", "Shift+F10", "Finish this route for this bundle, then pause")
        self.act_stop = self._add("Stop", "Shift+F5", "Stop the run (nothing more runs)")
        self.set_state("idle")

    def _add(self, text: str, shortcut: str, tip: str) -> QAction:
        action = self.addAction(text)
        action.setShortcut(shortcut)
        action.setToolTip(f"{tip} ({shortcut})")
        action.setStatusTip(tip)
        return action

    def bind(self, on_continue: Callable[[], None], on_step: Callable[[], None],
             on_step_over: Callable[[], None], on_stop: Callable[[], None]) -> None:
        for action, slot in ((self.act_continue, on_continue), (self.act_step, on_step),
                             (self.act_step_over, on_step_over), (self.act_stop, on_stop)):
            action.triggered.connect(lambda _checked=False, s=slot: s())

    def set_state(self, state: str) -> None:
        paused = state == "paused"
        for action in (self.act_continue, self.act_step, self.act_step_over):
            action.setEnabled(paused)
        self.act_stop.setEnabled(state in ("running", "paused", "waiting"))
