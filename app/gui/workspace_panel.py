"""The workspace's scenario list: `<workspace>/scenarios/*.blueprint.json`, each with its
status as Make's scenario list shows it (ON or OFF, and how and when it last ran).

New, open, import a Make export, duplicate, rename, delete (to `<workspace>/trash/`, never
gone for good). Files are changed only through atomic writes, and an import is validated
before anything is written; the connection ids it uses are mapped to local connections
(`map_connections`, the window's) before it opens.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.document import write_atomic
from app.gui.problems import load_tolerant
from engine.blueprint import Blueprint
from engine.errors import BlueprintError

SUFFIX = ".blueprint.json"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
NAME_ROLE = Qt.ItemDataRole.UserRole + 1
_GLYPHS = {"success": "✓", "warning": "⚠", "error": "✗", "interrupted": "⏹", "running": "⏵"}


@dataclass(frozen=True)
class ScenarioState:
    """What the list shows under a scenario's name."""

    active: bool = False  # switched ON (runs in the background)
    last_status: str | None = None  # the last run's status, None: never ran
    last_started: datetime | None = None  # aware

    def text(self, now: datetime | None = None) -> str:
        switch = "● ON" if self.active else "○ OFF"
        if self.last_status is None or self.last_started is None:
            return f"{switch} · no runs yet"
        return (f"{switch} · {_GLYPHS.get(self.last_status, '')} {self.last_status} "
                f"{when_text(self.last_started, now)}")


def when_text(moment: datetime, now: datetime | None = None) -> str:
    """The local time today, else the date."""
    local = moment.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    return local.strftime("%H:%M" if local.date() == today else "%d %b")


def scenario_stem(path: Path) -> str:
    name = path.name
    return name[: -len(SUFFIX)] if name.endswith(SUFFIX) else path.stem


def file_name_for(name: str) -> str:
    """A file name that any OS accepts, keeping the scenario's name readable."""
    cleaned = _UNSAFE.sub("_", name).strip(" .") or "Scenario"
    return cleaned[:120]


def unique_path(folder: Path, name: str) -> Path:
    base = file_name_for(name)
    candidate = folder / f"{base}{SUFFIX}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{base} {n}{SUFFIX}"
        n += 1
    return candidate


def describe_blueprint_error(error: BlueprintError) -> str:
    lines = [f"File: {error.file}"] if error.file else []
    if error.module_id is not None:
        lines.append(f"Module: {error.module_id}")
    if error.path:
        lines.append(f"Where: {error.path}")
    lines.append(f"Problem: {error.message}")
    return "\n".join(lines)


class WorkspacePanel(QWidget):
    open_requested = Signal(object)  # Path of a scenario file
    new_requested = Signal()
    message = Signal(str)

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.scenarios_dir.mkdir(parents=True, exist_ok=True)
        # Before a file is renamed or deleted, the window closes its tab (asking to save);
        # False means the user cancelled.
        self.release: Callable[[Path], bool] = lambda _path: True
        self.reopen: Callable[[Path], object] = lambda _path: None
        # After an import is written, before it opens: the window asks which local
        # connections its Make connection ids mean, then calls `proceed`.
        self.map_connections: Callable[[Blueprint, str, Callable[[], None]], object] = (
            lambda _blueprint, _name, proceed: proceed())
        # Each scenario's status (file -> state), given by the window (the background
        # runtime's registry and the history); none: names alone.
        self.states: Callable[[list[tuple[Path, str]]], dict[Path, ScenarioState]] = (
            lambda _files: {})
        self._names: dict[Path, tuple[float, str]] = {}  # file -> (mtime, scenario name)

        self.list = QListWidget()
        self.list.setObjectName("scenario_list")
        self.list.itemActivated.connect(lambda item: self.open_requested.emit(self._path(item)))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        title = QLabel("Scenarios")
        title.setStyleSheet("font-weight: 600; color: #6d00cc;")
        layout.addWidget(title)
        buttons = QHBoxLayout()
        for text, tip, slot in (
            ("New", "Create a new scenario", self.new_requested.emit),
            ("Open", "Open the selected scenario", self._open_selected),
            ("Import…", "Import a Make blueprint export", self.import_blueprint),
        ):
            buttons.addWidget(self._button(text, tip, slot))
        layout.addLayout(buttons)
        layout.addWidget(self.list)
        more = QHBoxLayout()
        for text, tip, slot in (
            ("Duplicate", "Copy the selected scenario", self.duplicate),
            ("Rename…", "Rename the selected scenario", self.rename),
            ("Delete", "Move the selected scenario to the workspace trash", self.delete),
        ):
            more.addWidget(self._button(text, tip, slot))
        layout.addLayout(more)
        self.refresh()

    def _button(self, text: str, tip: str, slot: Callable[..., object]) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(lambda: slot())
        return button

    @property
    def scenarios_dir(self) -> Path:
        return self.workspace / "scenarios"

    @property
    def trash_dir(self) -> Path:
        return self.workspace / "trash"

    # ------------------------------------------------------------------ list

    def scenario_files(self) -> list[Path]:
        return sorted(self.scenarios_dir.glob(f"*{SUFFIX}"), key=lambda p: scenario_stem(p).lower())

    def refresh(self) -> None:
        selected = self.selected_path()
        files = self.scenario_files()
        states = self.states([(path, self.scenario_name(path)) for path in files])
        self.list.clear()
        for path in files:
            name = scenario_stem(path)
            state = states.get(path)
            item = QListWidgetItem(name if state is None else f"{name}\n{state.text()}")
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setData(NAME_ROLE, name)
            item.setToolTip(str(path))
            self.list.addItem(item)
            if path == selected:
                self.list.setCurrentItem(item)

    def refresh_states(self) -> None:
        """Only the status lines (the runtime or a run changed something)."""
        files = [self._path(self.list.item(i)) for i in range(self.list.count())]
        states = self.states([(path, self.scenario_name(path)) for path in files])
        for i, path in enumerate(files):
            item, state = self.list.item(i), states.get(path)
            name = item.data(NAME_ROLE)
            text = name if state is None else f"{name}\n{state.text()}"
            if item.text() != text:
                item.setText(text)

    def scenario_name(self, path: Path) -> str:
        """The name the scenario runs under (its blueprint's), read once per change of the
        file."""
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return scenario_stem(path)
        known = self._names.get(path)
        if known is None or known[0] != mtime:
            try:
                name = json.loads(path.read_text(encoding="utf-8-sig")).get("name")
            except (OSError, ValueError, AttributeError):
                name = None
            known = self._names[path] = (mtime, str(name or scenario_stem(path)))
        return known[1]

    def names(self) -> list[str]:
        return [self.list.item(i).data(NAME_ROLE) for i in range(self.list.count())]

    def state_text(self, path: Path) -> str:
        """The status line under a scenario (empty when none is shown)."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            if self._path(item) == path:
                return item.text().partition("\n")[2]
        return ""

    def select(self, path: Path) -> None:
        for i in range(self.list.count()):
            if self._path(self.list.item(i)) == path:
                self.list.setCurrentRow(i)

    def selected_path(self) -> Path | None:
        item = self.list.currentItem()
        return self._path(item) if item is not None else None

    def _path(self, item: QListWidgetItem) -> Path:
        return Path(item.data(Qt.ItemDataRole.UserRole))

    def _open_selected(self) -> None:
        path = self.selected_path()
        if path is not None:
            self.open_requested.emit(path)

    # ----------------------------------------------------------------- files

    def new_path(self, name: str = "New scenario") -> Path:
        return unique_path(self.scenarios_dir, name)

    def import_blueprint(self, source: Path | None = None) -> Path | None:
        """Copy a Make export into the workspace and open it (problems and all); a file no
        scenario can be read from is reported (file, module id, JSON path) and nothing is
        written."""
        if source is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Import a Make blueprint", "", "Make blueprints (*.json);;All files (*)"
            )
            if not chosen:
                return None
            source = Path(chosen)
        try:
            blueprint = load_tolerant(source)  # its problems show in the tab
        except BlueprintError as error:
            QMessageBox.critical(
                self, "Cannot import this blueprint", describe_blueprint_error(error)
            )
            return None
        target = unique_path(self.scenarios_dir, blueprint.name or scenario_stem(source))
        # The export's own bytes: Make's format is ours, nothing to convert or lose.
        write_atomic(target, source.read_bytes())
        self.refresh()
        self.select(target)
        self.message.emit(f"Imported {source.name} as {scenario_stem(target)}")
        self.map_connections(blueprint, scenario_stem(target),
                             lambda: self.open_requested.emit(target))
        return target

    def duplicate(self, path: Path | None = None) -> Path | None:
        path = path or self.selected_path()
        if path is None:
            return None
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        name = f"{data.get('name') or scenario_stem(path)} (copy)"
        data["name"] = name
        target = unique_path(self.scenarios_dir, name)
        write_atomic(target, json.dumps(data, indent=2, ensure_ascii=False).encode())
        self.refresh()
        self.select(target)
        return target

    def rename(self, path: Path | None = None, new_name: str | None = None) -> Path | None:
        path = path or self.selected_path()
        if path is None:
            return None
        if new_name is None:
            new_name, ok = QInputDialog.getText(
                self, "Rename scenario", "Name:", text=scenario_stem(path)
            )
            if not ok:
                return None
        new_name = new_name.strip()
        if not new_name or not self.release(path):
            return None
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        data["name"] = new_name
        target = path
        if file_name_for(new_name) != scenario_stem(path):
            target = unique_path(self.scenarios_dir, new_name)
        write_atomic(target, json.dumps(data, indent=2, ensure_ascii=False).encode())
        if target != path:
            path.unlink()
        self.refresh()
        self.select(target)
        self.reopen(target)
        return target

    def delete(self, path: Path | None = None) -> Path | None:
        """Move the scenario to `<workspace>/trash/` (kept, under a time-stamped name)."""
        path = path or self.selected_path()
        if path is None or not self.release(path):
            return None
        self.trash_dir.mkdir(parents=True, exist_ok=True)
        target = self.trash_dir / path.name
        if target.exists():
            stamp = time.strftime("%Y%m%d-%H%M%S")
            target = self.trash_dir / f"{scenario_stem(path)} {stamp}{SUFFIX}"
        shutil.move(str(path), str(target))
        self.refresh()
        self.message.emit(f"Moved {path.name} to the workspace trash")
        return target
