"""The Webhooks window (File ▸ Webhooks…): every hook of the workspace with its URL (copied
with one click), the scenario using it, its queue, data structure, options, API keys and IP
allowlist, as Make's Webhooks page lists them.

From here a hook's settings are edited (webhook_form.py), its queued requests viewed and
deleted (webhook_requests.py), and its data structure redetermined: the next request it
receives becomes the structure that validates the ones after. The list reads state.db
(engine.runtime.hook_listing), so it is right whoever runs the hooks; it refreshes every
few seconds while shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.list_table import list_table, row_button
from app.gui.resources.webhook_form import WebhookForm
from app.gui.resources.webhook_requests import QueuedRequestsDialog, QueueOf
from engine.runtime.hook_listing import HookListing, hook_listing
from engine.runtime.hook_store import set_hook_options
from engine.runtime.workspace import Workspace

COLUMNS = ("Name", "URL", "Scenario", "Queue", "Data structure", "Options", "API keys",
           "IP allowlist")
REFRESH_MS = 3000
_OPTION_LABELS = (("headers", "headers"), ("method", "method"), ("stringify", "raw body"))


def _no_queue() -> None:
    return None


def cells(hook: HookListing) -> list[str]:
    options = hook.options
    if hook.determining:
        structure = "from the next request…"
    elif hook.structure:
        structure = hook.structure_name or f"{hook.structure} (missing)"
    else:
        structure = "its own field list" if options.get("data_structure") else ""
    passed = ", ".join(label for key, label in _OPTION_LABELS if options.get(key))
    return [hook.name, hook.url, hook.scenario or "(no scenario)", str(hook.queue), structure,
            passed, "set" if hook.api_keys else "", ", ".join(hook.ip_allowlist)]


class WebhooksWindow(QDialog):
    def __init__(self, workspace: Workspace, queue_of: QueueOf = _no_queue,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.queue_of = workspace, queue_of
        self.hooks: list[HookListing] = []
        self.form: WebhookForm | None = None
        self.requests_dialog: QueuedRequestsDialog | None = None
        self.setWindowTitle("Webhooks")
        self.resize(1100, 420)
        self.table = list_table(COLUMNS, "webhooks_table", self)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.status = QLabel(self)
        self.status.setObjectName("result")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        self.copy_button = row_button(self, "Copy URL", self.copy_url, buttons)
        self.edit_button = row_button(self, "Settings…", self.edit, buttons)
        self.requests_button = row_button(self, "Queued requests…", self.show_requests, buttons)
        self.redetermine_button = row_button(self, "Redetermine data structure",
                                               self.redetermine, buttons)
        buttons.addStretch(1)
        row_button(self, "Close", self.close, buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.refresh()


    # ------------------------------------------------------------------ list

    def refresh(self) -> None:
        chosen = self.selected()
        self.hooks = hook_listing(self.workspace)
        self.table.setRowCount(len(self.hooks))
        for row, hook in enumerate(self.hooks):
            for column, text in enumerate(cells(hook)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
            if chosen is not None and hook.token == chosen.token:
                self.table.selectRow(row)
        if not self.hooks:
            self.say("No webhook yet: a scenario that starts with a webhook gets one when it "
                     "is switched on.")
        self._update_buttons()

    def selected(self) -> HookListing | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        if not rows or rows[0].row() >= len(self.hooks):
            return None
        return self.hooks[rows[0].row()]

    def select(self, name: str) -> None:
        for row, hook in enumerate(self.hooks):
            if name in (hook.name, hook.scenario):
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        for button in (self.copy_button, self.edit_button, self.requests_button,
                       self.redetermine_button):
            button.setEnabled(chosen)

    # --------------------------------------------------------------- actions

    def copy_url(self) -> str | None:
        hook = self.selected()
        if hook is None:
            return None
        QGuiApplication.clipboard().setText(hook.url)
        self.say(f"Copied {hook.url}")
        return hook.url

    def edit(self) -> WebhookForm | None:
        hook = self.selected()
        if hook is None:
            return None
        form = WebhookForm(self.workspace, hook, self)
        form.accepted.connect(lambda: self._saved(hook))
        self.form = form
        form.open()
        return form

    def _saved(self, hook: HookListing) -> None:
        self.refresh()
        self.say(f"Saved the settings of {hook.name}; a running runtime applies them within "
                 "seconds.")

    def show_requests(self) -> QueuedRequestsDialog | None:
        hook = self.selected()
        if hook is None:
            return None
        dialog = QueuedRequestsDialog(self.workspace, hook, self.queue_of, self)
        dialog.finished.connect(lambda _r: self.refresh())
        self.requests_dialog = dialog
        dialog.show()
        return dialog

    def redetermine(self) -> None:
        hook = self.selected()
        if hook is None:
            return
        set_hook_options(self.workspace.state, self.workspace.folder, hook.token,
                         determine=True)
        self.refresh()
        self.say(f"Send a request to {hook.name}: it becomes the data structure that checks "
                 "the requests after it.")

    def say(self, text: str) -> None:
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setText(text)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        self.timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        self.timer.stop()
        super().hideEvent(event)
