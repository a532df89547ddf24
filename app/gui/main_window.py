"""The main window: workspace list on the left, one tab per open scenario, menus, toolbar.

Unsaved changes are never lost silently: closing a dirty tab or the window asks
Save/Discard/Cancel, and the autosaver keeps crash copies of dirty scenarios.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QToolBar,
)

from app.gui.app_settings import attach_app_settings
from app.gui.autosave import Autosaver
from app.gui.connections.workspace_connections import WorkspaceConnections
from app.gui.debugger import DebugSession, attach_debugger
from app.gui.debugger.breakpoints import DebugToolbar
from app.gui.document import ScenarioDocument, empty_blueprint, write_atomic
from app.gui.editor import ScenarioEditor
from app.gui.first_frame import FirstFrame
from app.gui.history import attach_history
from app.gui.keyboard_nav import attach_keyboard_navigation
from app.gui.runtime.background import attach_background
from app.gui.session import load_session, save_session
from app.gui.theme import LIGHT_STYLE
from app.gui.welcome import attach_welcome
from app.gui.workspace_panel import ScenarioState, WorkspacePanel, describe_blueprint_error
from engine.blueprint import Blueprint
from engine.errors import BlueprintError, ScenaristError
from engine.history.runs import HistoryReader, RunFilter, fetch_page
from engine.loading import blueprint_from_data
from engine.registry import Registry, registry_with_apps
from engine.store import peek

if TYPE_CHECKING:  # the dialogs and windows load when first asked for, after the first frame
    from app.gui.app_settings import AppSettingsDialog
    from app.gui.connections import ConnectionsDialog
    from app.gui.connections.import_mapping import ImportConnectionsDialog
    from app.gui.find_module import FindModuleDialog
    from app.gui.resources import DataStoresWindow
    from app.gui.resources.import_stores import ImportStoresDialog
    from app.gui.resources.keys_dialog import KeysDialog
    from app.gui.resources.webhooks_window import WebhooksWindow
    from app.gui.scenario_settings import ScenarioSettingsDialog

_DIRTY = " •"
_STATUS_MS = 6000
STATES_MS = 5000  # the workspace list's status lines are re-read this often
_ZOOM_STEP = 1.25
WORKSPACE_WIDTH = 180
_BLUEPRINT_FILES = "Blueprints (*.blueprint.json *.json);;All files (*)"

class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, workspace: Path, registry: Registry | None = None, *,
                 quick_start: bool = False) -> None:
        """With `quick_start` (`scenarist open`), the databases are read the usual way just
        after the first frame (app.gui.first_frame); what that frame shows of them is read
        with sqlite3 alone. While no scenario is registered, the runtime's state waits too
        (the first frame shows none of it)."""
        super().__init__()
        self.workspace = workspace
        self.first_frame = FirstFrame(self, waiting=quick_start)
        loaded = None
        if registry is None:  # the workspace's apps (Gist, its own apps/) join the built-ins
            from engine.apps import discover_apps

            loaded = discover_apps(workspace)
            registry, _problems = registry_with_apps(workspace, loaded=loaded)
        self.registry = registry
        self.connections = WorkspaceConnections(workspace, loaded, self)
        self.connections_dialog: ConnectionsDialog | None = None
        self.import_dialog: ImportConnectionsDialog | None = None
        self.keys_dialog: KeysDialog | None = None
        self.webhooks_window: WebhooksWindow | None = None
        self.datastores_window: DataStoresWindow | None = None
        self.import_stores_dialog: ImportStoresDialog | None = None
        self.setWindowTitle("Scenarist")
        self.setStyleSheet(LIGHT_STYLE)  # until the workspace's theme applies
        self.undo_group = QUndoGroup(self)
        self.autosaver = Autosaver(workspace, self.documents, parent=self)
        self._released: set[Path] = set()
        self._closing = False
        self.session = load_session(workspace)
        self._last_tabs = (list(self.session.open), self.session.current)  # to restore
        self._restoring = False
        self.scenario_settings_dialog: ScenarioSettingsDialog | None = None
        self.app_settings_dialog: AppSettingsDialog | None = None
        self.act_app_settings: QAction | None = None  # set by attach_app_settings

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._on_current_changed)
        self.setCentralWidget(self.tabs)

        self.workspace_panel = WorkspacePanel(workspace)
        self.workspace_panel.open_requested.connect(self.open_file)
        self.workspace_panel.new_requested.connect(self.new_scenario)
        self.workspace_panel.message.connect(self.show_message)
        self.workspace_panel.release = self._release_file
        self.workspace_panel.reopen = self._reopen_file
        self.workspace_panel.map_connections = self._map_imports
        dock = QDockWidget("Workspace", self)
        dock.setObjectName("workspace_dock")
        dock.setWidget(self.workspace_panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.workspace_dock = dock
        self.resizeDocks([dock], [WORKSPACE_WIDTH], Qt.Orientation.Horizontal)

        self._build_actions()
        self._build_menus()
        self.background = attach_background(self)  # the runtime, its panel, tray, switch
        self._build_toolbar()
        self._watch_scenario_states()
        self._on_current_changed(-1)
        self.welcome = attach_welcome(self)  # first run: the welcome screen, the Help menu
        attach_app_settings(self)  # Edit ▸ Settings…; the workspace's theme applies
        self.keyboard_actions = attach_keyboard_navigation(self)  # the canvas without a mouse
        self.show_message(f"Workspace: {workspace}")

    # --------------------------------------------------------------- actions

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence.StandardKey | str | list[str] | None = None,
        tip: str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if isinstance(shortcut, list):
            action.setShortcuts([QKeySequence(s) for s in shortcut])
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.act_new = self._action("&New", self.new_scenario, key.New, "Create a new scenario")
        self.act_open = self._action("&Open…", self.open_dialog, key.Open)
        self.act_import = self._action(
            "&Import Make blueprint…", self.workspace_panel.import_blueprint, "Ctrl+I",
            tip="Copy a Make blueprint export into the workspace and open it",
        )
        self.act_save = self._action("&Save", self.save, "Ctrl+S")
        self.act_save_as = self._action("Save &as…", self.save_as, key.SaveAs)
        self.act_export = self._action(
            "&Export…", self.export, tip="Write a copy of the scenario that Make can import"
        )
        self.act_connections = self._action(
            "Co&nnections…", self.show_connections,
            tip="Add, test, edit and delete the workspace's connections")
        self.act_keys = self._action(
            "&Keys and certificates…", self.show_keys,
            tip="The keychains HTTP modules use: passwords, API keys, certificates, PGP keys")
        self.act_webhooks = self._action(
            "&Webhooks…", self.show_webhooks,
            tip="The workspace's webhooks: URLs, queues, data structures, API keys, allowed IPs")
        self.act_datastores = self._action(
            "&Data stores…", self.show_datastores,
            tip="Browse and edit the workspace's data stores and data structures")
        self.act_close = self._action("&Close tab", self.close_current_tab, "Ctrl+W")
        self.act_quit = self._action("&Quit", self.quit, "Ctrl+Q")

        self.act_undo = self.undo_group.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence("Ctrl+Z"))
        self.act_redo = self.undo_group.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        self.addActions([self.act_undo, self.act_redo])
        # The toolbar's buttons keep a short label (the menu's says what would be undone),
        # so the buttons after them never move as that text changes.
        self.act_undo_tool = self._tool_twin("Undo", self.act_undo, self.undo_group.undo)
        self.act_redo_tool = self._tool_twin("Redo", self.act_redo, self.undo_group.redo)
        self.act_scenario_settings = self._action(
            "Scenario se&ttings…", self.show_scenario_settings, "Ctrl+Shift+E",
            tip="Sequential processing, confidential data, incomplete executions, cycles, "
                "errors, commits")
        self.act_cut = self._action("Cu&t", self.cut, "Ctrl+X")
        self.act_copy = self._action("&Copy", self.copy, "Ctrl+C")
        self.act_paste = self._action("&Paste", self.paste, "Ctrl+V")
        self.act_delete = self._action("&Delete", self.delete_selection, key.Delete)
        self.act_select_all = self._action("Select &all", self.select_all, "Ctrl+A")
        self.act_find = self._action("&Find module…", self.find_module, "Ctrl+F")

        self.act_fit = self._action("&Fit to view", self.fit, "F")
        self.act_zoom_in = self._action("Zoom &in", lambda: self._zoom(_ZOOM_STEP),
                                        ["Ctrl++", "Ctrl+="])
        self.act_zoom_out = self._action("Zoom &out", lambda: self._zoom(1 / _ZOOM_STEP),
                                         "Ctrl+-")
        self.act_layout = self._action("&Auto-layout", self.auto_layout, "Ctrl+L")
        self.act_minimap = self._action("&Minimap", self._toggle_minimap, "M")
        self.act_minimap.setCheckable(True)
        self.act_minimap.setChecked(True)

        self.act_run_once = self._action(
            "▶ Run once", self.run_once, "Ctrl+R",
            "Run the scenario once and show every operation's bundles")
        self.debug_toolbar = DebugToolbar(self)
        self.debug_toolbar.bind(
            lambda: self._debugger_call("resume"), lambda: self._debugger_call("step"),
            lambda: self._debugger_call("step_over_route"), lambda: self._debugger_call("stop"))
        self.addActions(self.debug_toolbar.actions())
        self.run_status = QLabel("")
        self.statusBar().addPermanentWidget(self.run_status)

    def _tool_twin(self, text: str, action: QAction, slot: Callable[[], object]) -> QAction:
        twin = QAction(text, self)
        twin.setEnabled(action.isEnabled())
        twin.setToolTip(text)
        twin.triggered.connect(lambda _checked=False: slot())
        action.changed.connect(lambda: (twin.setEnabled(action.isEnabled()),
                                        twin.setToolTip(action.text().replace("&", ""))))
        return twin

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.act_new, self.act_open])
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(self.act_import)
        file_menu.addSeparator()
        file_menu.addActions([self.act_save, self.act_save_as, self.act_export])
        file_menu.addSeparator()
        file_menu.addActions([self.act_connections, self.act_keys, self.act_webhooks])
        file_menu.addSeparator()
        file_menu.addActions([self.act_close, self.act_quit])
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.act_undo, self.act_redo])
        edit_menu.addSeparator()
        edit_menu.addActions([self.act_cut, self.act_copy, self.act_paste, self.act_delete])
        edit_menu.addSeparator()
        edit_menu.addActions([self.act_select_all, self.act_find])
        edit_menu.addSeparator()
        edit_menu.addAction(self.act_scenario_settings)
        view_menu = bar.addMenu("&View")
        view_menu.addActions([self.act_fit, self.act_zoom_in, self.act_zoom_out])
        view_menu.addSeparator()
        view_menu.addActions([self.act_layout, self.act_minimap])
        view_menu.addAction(self.workspace_dock.toggleViewAction())
        view_menu.addAction(self.act_datastores)
        run_menu = bar.addMenu("&Run")
        run_menu.addAction(self.act_run_once)
        run_menu.addSeparator()
        run_menu.addActions(self.debug_toolbar.actions())

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addActions([self.act_new, self.act_open, self.act_import, self.act_save])
        toolbar.addSeparator()
        toolbar.addActions([self.act_undo_tool, self.act_redo_tool])
        toolbar.addSeparator()
        toolbar.addActions([self.act_fit, self.act_layout, self.act_find])
        toolbar.addSeparator()
        toolbar.addAction(self.act_run_once)
        toolbar.addAction(self.act_scenario_settings)
        toolbar.addSeparator()
        toolbar.addAction(self.background.activation.toolbar_action)
        self.addToolBar(toolbar)
        self.addToolBar(self.debug_toolbar)

    # ----------------------------------------------------------------- tabs

    def editors(self) -> list[ScenarioEditor]:
        found = []
        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            if isinstance(widget, ScenarioEditor):
                found.append(widget)
        return found

    def documents(self) -> list[ScenarioDocument]:
        return [editor.document for editor in self.editors()]

    def current_editor(self) -> ScenarioEditor | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, ScenarioEditor) else None

    def editor_for(self, path: Path) -> ScenarioEditor | None:
        target = Path(path).resolve()
        for editor in self.editors():
            if editor.document.path is not None and editor.document.path.resolve() == target:
                return editor
        return None

    def add_document(self, document: ScenarioDocument) -> ScenarioEditor:
        document.workspace = self.workspace
        editor = ScenarioEditor(document, connections=self.connections)
        editor.error.connect(self.show_error)
        editor.message.connect(self.show_message)
        session = attach_debugger(editor, self.workspace)
        session.message.connect(self.show_message)
        session.controller.finished.connect(lambda _r: self.workspace_panel.refresh_states())
        session.state_changed.connect(lambda _s: self._update_run_ui(editor))
        session.status_changed.connect(lambda _t: self._update_run_ui(editor))
        attach_history(editor, self.workspace, self.tabs, self.show_message,
                       later=self.first_frame.later)
        self.undo_group.addStack(document.undo_stack)
        document.dirty_changed.connect(lambda dirty: self._on_dirty(editor, dirty))
        document.path_changed.connect(lambda _path: (self._update_title(editor),
                                                     self._remember_tabs()))
        document.changed.connect(
            lambda kinds, _ids: "scenario" in kinds and self._update_title(editor)
        )
        index = self.tabs.addTab(editor, "")
        self._update_title(editor)
        self.tabs.setCurrentIndex(index)
        editor.fit()
        self._remember_tabs()
        return editor

    def _update_title(self, editor: ScenarioEditor) -> None:
        index = self.tabs.indexOf(editor)
        if index < 0:
            return
        document = editor.document
        self.tabs.setTabText(index, document.name + (_DIRTY if document.dirty else ""))
        self.tabs.setTabToolTip(index, str(document.path) if document.path else "not saved")
        if editor is self.current_editor():
            self._update_window_title()

    def _update_window_title(self) -> None:
        editor = self.current_editor()
        if editor is None:
            self.setWindowTitle("Scenarist")
        else:
            mark = _DIRTY if editor.document.dirty else ""
            self.setWindowTitle(f"{editor.document.name}{mark} — Scenarist")

    def _on_dirty(self, editor: ScenarioEditor, dirty: bool) -> None:
        self._update_title(editor)
        if not dirty:
            self.autosaver.forget(editor.document)

    def _on_current_changed(self, _index: int) -> None:
        editor = self.current_editor()
        self.undo_group.setActiveStack(editor.document.undo_stack if editor else None)
        if editor is not None and editor.document.path is not None:
            self.workspace_panel.select(editor.document.path)
        for action in (
            self.act_save, self.act_save_as, self.act_export, self.act_close, self.act_cut,
            self.act_copy, self.act_paste, self.act_delete, self.act_select_all, self.act_find,
            self.act_fit, self.act_zoom_in, self.act_zoom_out, self.act_layout,
            self.act_scenario_settings,
        ):
            action.setEnabled(editor is not None)
        self._update_window_title()
        self._update_run_ui(editor)
        self._remember_tabs()

    # ---------------------------------------------------------------- files

    def open_file(self, path: Path) -> ScenarioEditor | None:
        """Open a scenario file in place (a tab already showing it is brought forward)."""
        existing = self.editor_for(path)
        if existing is not None:
            self.tabs.setCurrentWidget(existing)
            return existing
        try:
            document = ScenarioDocument.open(Path(path), self.registry)
        except BlueprintError as error:
            QMessageBox.critical(
                self, "Cannot open this blueprint", describe_blueprint_error(error)
            )
            return None
        editor = self.add_document(document)
        self.session.opened(Path(path))
        count = len(document.problems())
        self.show_message(f"Opened {path}" + (
            f" — {count} problem{'' if count == 1 else 's'}, listed above the canvas"
            if count else ""))
        return editor

    def open_dialog(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Open a scenario", str(self.workspace_panel.scenarios_dir), _BLUEPRINT_FILES
        )
        if chosen:
            self.open_file(Path(chosen))

    def new_scenario(self) -> ScenarioEditor:
        """A new empty scenario, saved at once in the workspace so it shows in the list."""
        path = self.workspace_panel.new_path()
        name = path.name.removesuffix(".blueprint.json")
        document = ScenarioDocument(empty_blueprint(name), path, self.registry)
        document.save(path)
        self.workspace_panel.refresh()
        self.workspace_panel.select(path)
        return self.add_document(document)

    def save(self, editor: ScenarioEditor | None = None) -> bool:
        editor = editor or self.current_editor()
        if editor is None:
            return False
        if editor.document.path is None:
            return self.save_as(editor)
        return self._write(editor, editor.document.path)

    def save_as(self, editor: ScenarioEditor | None = None, path: Path | None = None) -> bool:
        editor = editor or self.current_editor()
        if editor is None:
            return False
        if path is None:
            start = str(editor.document.path or self.workspace_panel.new_path(editor.document.name))
            chosen, _ = QFileDialog.getSaveFileName(self, "Save scenario", start, _BLUEPRINT_FILES)
            if not chosen:
                return False
            path = Path(chosen)
        return self._write(editor, path)

    def _write(self, editor: ScenarioEditor, path: Path) -> bool:
        try:
            saved = editor.document.save(path)
        except OSError as error:
            QMessageBox.critical(self, "Cannot save", f"{path}: {error.strerror or error}")
            return False
        self.autosaver.forget(editor.document)
        self.session.opened(saved)
        self._remember_tabs()
        self.workspace_panel.refresh()
        self.show_message(f"Saved {saved}")
        return True

    def export(self, editor: ScenarioEditor | None = None, path: Path | None = None) -> bool:
        """Write a copy for Make (the tab keeps its own file and dirty state)."""
        editor = editor or self.current_editor()
        if editor is None:
            return False
        if path is None:
            start = str(Path.home() / f"{editor.document.name}.blueprint.json")
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Export for Make", start, _BLUEPRINT_FILES
            )
            if not chosen:
                return False
            path = Path(chosen)
        write_atomic(path, editor.document.to_json())
        self.show_message(f"Exported {path}")
        return True

    # -------------------------------------------------------------- closing

    def ask_to_save(self, editor: ScenarioEditor) -> bool:
        """True when the tab may close: saved, discarded, or nothing to save."""
        if not editor.document.dirty:
            return True
        self.tabs.setCurrentWidget(editor)
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to “{editor.document.name}” before closing?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save(editor)
        if answer == QMessageBox.StandardButton.Discard:
            self.autosaver.forget(editor.document)
            return True
        return False

    def close_tab(self, index: int) -> bool:
        editor = self.tabs.widget(index)
        if not isinstance(editor, ScenarioEditor):
            if editor is None:
                return False
            self.tabs.removeTab(index)  # a past run's tab: nothing to save
            editor.deleteLater()
            return True
        if not self.ask_to_save(editor):
            return False
        self._remove_tab(editor)
        return True

    def _remove_tab(self, editor: ScenarioEditor) -> None:
        self.autosaver.forget(editor.document)
        self.undo_group.removeStack(editor.document.undo_stack)
        self.tabs.removeTab(self.tabs.indexOf(editor))
        editor.deleteLater()
        self._remember_tabs()

    # -------------------------------------------------------------- session

    def _remember_tabs(self) -> None:
        """The open scenario files and the one in front, for the next start."""
        if self._restoring or self._closing:
            return
        current = self.current_editor()
        self.session.open = [e.document.path.resolve() for e in self.editors()
                             if e.document.path is not None]
        self.session.current = (current.document.path.resolve()
                                if current is not None and current.document.path else None)
        save_session(self.workspace, self.session)

    def restore_session(self) -> int:
        """Reopen the tabs open when the app last closed; returns how many opened."""
        self._restoring = True
        opened = 0
        paths, front = self._last_tabs
        try:
            for path in paths:
                if path.is_file() and self.editor_for(path) is None:
                    opened += self.open_file(path) is not None
            current = front and self.editor_for(front)
            if current:
                self.tabs.setCurrentWidget(current)
        finally:
            self._restoring = False
        self._remember_tabs()
        return opened

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.session.existing_recent()
        for path in recent:
            action = self.recent_menu.addAction(path.name.removesuffix(".blueprint.json"))
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _c=False, p=path: self.open_file(p))
        if not recent:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear recent files", self._clear_recent)

    def _clear_recent(self) -> None:
        self.session.recent = []
        save_session(self.workspace, self.session)

    def recent_files(self) -> list[Path]:
        return self.session.existing_recent()

    # ------------------------------------------------------- scenario states

    def _watch_scenario_states(self) -> None:
        """The workspace list shows each scenario ON or OFF and its last run."""
        self._history = HistoryReader(self.workspace)
        self.destroyed.connect(lambda *_: self._history.close())
        self.workspace_panel.states = self._scenario_states
        host = self.background.host
        for signal in (host.changed, host.updated, host.runs_recorded,
                       self.background.activation.changed):
            signal.connect(lambda *_: self.workspace_panel.refresh_states())
        self._states_timer = QTimer(self)
        self._states_timer.setInterval(STATES_MS)
        self._states_timer.timeout.connect(
            lambda: self.isVisible() and self.workspace_panel.refresh_states())
        self._states_timer.start()
        self.workspace_panel.refresh()
        self._scenarios_seen = False
        for signal in (host.changed, self.background.activation.changed):
            signal.connect(self._scenarios_dock_follows)
        if self.background.reads_wait:  # no scenario registered: hidden, as it will be
            self.background.dock.hide()
        self.background.later(self._scenarios_dock_follows)

    def _scenarios_dock_follows(self) -> None:
        """The Scenarios panel opens once a scenario runs in the background; before, it
        would only take the canvas's room to say there is none (Background menu shows it)."""
        if self._scenarios_seen:
            return
        if self.background.panel.statuses:
            self._scenarios_seen = True
            self.background.dock.show()
        else:
            self.background.dock.hide()

    def _scenario_states(self, files: list[tuple[Path, str]]) -> dict[Path, ScenarioState]:
        if self.first_frame.waiting:  # read quickly now, the usual way just after the frame
            self.first_frame.later(self.workspace_panel.refresh_states)
            return self._peeked_states(files)
        try:
            active = {Path(s.file).resolve(): s.active for s in self.background.host.statuses()}
        except ScenaristError:
            active = {}
        engine = self._history.engine()
        states = {}
        for path, name in files:
            rows = fetch_page(engine, RunFilter(name), 0, 1) if engine is not None else []
            last = rows[0] if rows else None
            states[path] = ScenarioState(
                active=active.get(path.resolve(), False),
                last_status=last.status if last else None,
                last_started=last.started_at if last else None)
        return states

    def _peeked_states(self, files: list[tuple[Path, str]]) -> dict[Path, ScenarioState]:
        """The status lines for the first frame, read without SQLAlchemy (engine.store.peek);
        none (names alone, until the usual read) when the databases cannot say."""
        active = peek.active_files(self.workspace)
        runs = peek.latest_runs(self.workspace, [name for _path, name in files])
        if active is None or runs is None:
            return {}
        states = {}
        for path, name in files:
            status, started = runs.get(name, (None, None))
            states[path] = ScenarioState(active=active.get(path.resolve(), False),
                                         last_status=status, last_started=started)
        return states

    # ------------------------------------------------------ scenario settings

    def show_scenario_settings(self) -> ScenarioSettingsDialog | None:
        """Make's scenario settings for the scenario in front (not modal)."""
        from app.gui.scenario_settings import ScenarioSettingsDialog

        editor = self.current_editor()
        if editor is None:
            return None
        dialog = ScenarioSettingsDialog(editor.document, self)
        dialog.destroyed.connect(lambda *_: setattr(self, "scenario_settings_dialog", None))
        self.scenario_settings_dialog = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def close_current_tab(self) -> bool:
        return self.close_tab(self.tabs.currentIndex())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        # With active scenarios, closing may mean "keep running in the tray" (asked once).
        if not self._closing and not self.background.may_close():
            event.ignore()
            return
        if not self._closing:
            for editor in self.editors():
                if not self.ask_to_save(editor):
                    self.background.quitting = False
                    event.ignore()
                    return
        self.autosaver.timer.stop()
        for editor in self.editors():
            self.autosaver.forget(editor.document)
        event.accept()
        self.background.shut_down(then=self.closed.emit)  # the runtime stops first

    def quit(self) -> None:
        """Quit the app, background runs included (the window may be hidden in the tray)."""
        self.background.quitting = True
        if any(document.dirty for document in self.documents()):
            self.background.show_window()  # the save prompts need their window
        if not self.close():
            self.background.quitting = False

    def discard_and_close(self) -> None:
        """Close without prompts (used after a screenshot, where nothing was edited)."""
        self._closing = True
        self.close()

    def _release_file(self, path: Path) -> bool:
        editor = self.editor_for(path)
        if editor is None:
            return True
        if not self.close_tab(self.tabs.indexOf(editor)):
            return False
        self._released.add(Path(path))
        return True

    def _reopen_file(self, path: Path) -> None:
        if self._released:
            self._released.clear()
            self.open_file(path)

    # ------------------------------------------------------------- autosave

    def offer_restores(self) -> int:
        """Offer the autosaved copies a crash left behind; returns how many were restored."""
        pending = self.autosaver.pending()
        if not pending:
            return 0
        listing = "\n".join(
            f"• {a.name} ({time.strftime('%Y-%m-%d %H:%M', time.localtime(a.saved_at))})"
            for a in pending
        )
        answer = QMessageBox.question(
            self,
            "Restore unsaved changes?",
            f"Scenarist found unsaved changes from an earlier session:\n{listing}\n\n"
            "Restore them? (If not, the copies are moved to the workspace trash.)",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            for autosave in pending:
                self.autosaver.set_aside(autosave)
            return 0
        restored = 0
        for autosave in pending:
            try:
                blueprint = blueprint_from_data(autosave.blueprint, str(autosave.file))
            except BlueprintError as error:
                self.show_error(str(error))
                continue
            existing = autosave.original and self.editor_for(autosave.original)
            if existing:
                self._remove_tab(existing)
            document = ScenarioDocument(blueprint, autosave.original, self.registry)
            editor = self.add_document(document)
            document.undo_stack.resetClean()  # restored changes are not on disk yet
            self._update_title(editor)
            self.autosaver.adopt(autosave, document)
            restored += 1
        return restored

    # ---------------------------------------------------------- edit & view

    def copy(self) -> bool:
        editor = self.current_editor()
        text = editor.copy_selection() if editor else None
        if not text:
            self.show_message("Select modules to copy")
            return False
        QGuiApplication.clipboard().setText(text)
        self.show_message(f"Copied {len(editor.selection)} module(s)" if editor else "")
        return True

    def cut(self) -> None:
        editor = self.current_editor()
        if editor is not None and self.copy():
            editor.delete_selection()

    def paste(self) -> list[int]:
        editor = self.current_editor()
        if editor is None:
            return []
        return editor.paste(QGuiApplication.clipboard().text())

    def delete_selection(self) -> None:
        editor = self.current_editor()
        if editor is not None:
            editor.delete_selection()

    def select_all(self) -> None:
        editor = self.current_editor()
        if editor is not None:
            editor.select_all()

    def find_module(self) -> FindModuleDialog | None:
        from app.gui.find_module import FindModuleDialog

        editor = self.current_editor()
        if editor is None:
            return None
        dialog = FindModuleDialog(editor.document, self)
        dialog.module_chosen.connect(editor.center_on_module)
        dialog.open()
        return dialog

    def fit(self) -> None:
        editor = self.current_editor()
        if editor is not None:
            editor.fit()

    def fit_all(self) -> None:
        for editor in self.editors():
            editor.fit()

    def _zoom(self, factor: float) -> None:
        editor = self.current_editor()
        if editor is not None:
            editor.zoom(factor)

    def auto_layout(self) -> None:
        editor = self.current_editor()
        if editor is not None:
            editor.auto_layout()

    def _toggle_minimap(self) -> None:
        for editor in self.editors():
            editor.set_minimap_visible(self.act_minimap.isChecked())

    # ------------------------------------------------------------------ run

    def debugger(self) -> DebugSession | None:
        editor = self.current_editor()
        session = getattr(editor, "debugger", None) if editor is not None else None
        return session if isinstance(session, DebugSession) else None

    def run_once(self) -> None:
        from engine.connections import uses_connections

        session = self.debugger()
        if session is None:
            return
        if self.connections.locked and uses_connections(session.document.blueprint):
            try:  # the run reads secrets from the encrypted file: ask for its password now
                self.connections.unlock()
            except ScenaristError as error:
                self.show_error(str(error))
                return
        session.run_once()

    def _debugger_call(self, name: str) -> None:
        session = self.debugger()
        if session is not None:
            getattr(session, name)()

    def _update_run_ui(self, editor: ScenarioEditor | None) -> None:
        """Run once, the debug toolbar and the run summary follow the current tab."""
        if editor is not self.current_editor():
            return
        session = self.debugger()
        state = session.state if session is not None else "idle"
        self.act_run_once.setEnabled(session is not None and state not in (
            "running", "paused", "waiting"))
        self.debug_toolbar.set_state(state)
        self.run_status.setText(session.status_text() if session is not None else "")

    # ---------------------------------------------------------- connections

    def show_connections(self) -> ConnectionsDialog:
        """The Connections dialog (one, not modal: the window stays usable)."""
        from app.gui.connections import ConnectionsDialog

        if self.connections_dialog is None:
            self.connections_dialog = ConnectionsDialog(self.connections, self)
        self.connections_dialog.refresh()
        self.connections_dialog.show()
        self.connections_dialog.raise_()
        self.connections_dialog.activateWindow()
        return self.connections_dialog

    def show_keys(self) -> KeysDialog:
        """Keys and certificates (one dialog, not modal)."""
        from app.gui.resources.keys_dialog import KeysDialog

        if self.keys_dialog is None:
            self.keys_dialog = KeysDialog(self.connections, self)
        return _shown(self.keys_dialog)

    def show_webhooks(self) -> WebhooksWindow:
        """The Webhooks window (one, not modal)."""
        from app.gui.resources.webhooks_window import WebhooksWindow

        if self.webhooks_window is None:
            host = self.background.host
            self.webhooks_window = WebhooksWindow(
                host.workspace, lambda: host.runtime.queue if host.runtime else None, self)
        self.webhooks_window.refresh()
        return _shown(self.webhooks_window)

    def show_datastores(self) -> DataStoresWindow:
        """The Data stores window (one, not modal), its lists re-read."""
        from app.gui.resources import DataStoresWindow  # its tables load on first use

        if self.datastores_window is None:
            self.datastores_window = DataStoresWindow(self.workspace, self)
            self.datastores_window.message.connect(self.show_message)
        self.datastores_window.refresh()
        self.datastores_window.show()
        self.datastores_window.raise_()
        return self.datastores_window

    def _map_imports(self, blueprint: Blueprint, name: str, proceed: Callable[[], None]
                     ) -> None:
        """An import's Make data store ids, then its connections, mapped to local ones."""
        from app.gui.resources.import_stores import ImportStoresDialog, unknown_stores
        from engine.runtime import Workspace

        def connections() -> None:
            self._map_connections(blueprint, name, proceed)

        path = self.workspace_panel.scenarios_dir / f"{name}.blueprint.json"
        workspace = Workspace(self.workspace)
        missing = unknown_stores(workspace, path) if path.exists() else {}
        if not missing:
            connections()
            return
        dialog = ImportStoresDialog(workspace, path, missing,
                                    lambda module_id: f"module {module_id}", self)
        dialog.finished.connect(lambda _result: connections())
        self.import_stores_dialog = dialog
        dialog.open()

    def _map_connections(self, blueprint: Blueprint, name: str,
                         proceed: Callable[[], None]) -> None:
        """Ask which local connections an import's Make ids mean, then open it."""
        from app.gui.connections.import_mapping import ImportConnectionsDialog
        from engine.connections import unknown_references

        try:
            missing = unknown_references(blueprint, self.registry,
                                         self.connections.store(unlock=False))
        except ScenaristError as error:
            self.show_error(str(error))
            missing = []
        if not missing:
            proceed()
            return
        dialog = ImportConnectionsDialog(self.connections, name, missing,
                                         self._describe_module, self)
        dialog.finished.connect(lambda _result: proceed())
        self.import_dialog = dialog
        dialog.open()

    def _describe_module(self, module_id: int, module: str) -> str:
        spec = self.registry.get(module)
        return f"module {module_id} ({spec.label if spec is not None else module})"

    # --------------------------------------------------------------- status

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, _STATUS_MS)

    def show_error(self, text: str) -> None:
        self.statusBar().showMessage(f"⚠ {text}", _STATUS_MS)


_Dialog = TypeVar("_Dialog", bound=QDialog)


def _shown(dialog: _Dialog) -> _Dialog:
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
