"""A webhook's queue: the requests waiting for their run (received, method, body), each shown
whole when chosen, and deleted (chosen ones or all) so they never run.

Deleting goes straight to state.db, whoever owns the workspace; when this window's own
runtime owns it, its queue then counts again (`WebhookQueue.discard` with no ids).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.list_table import list_table
from engine.runtime.hook_listing import HookListing
from engine.runtime.webhook_queue import QueuedRequest, WebhookQueue, discard_queued
from engine.runtime.webhook_queue import queued_requests as read_queued
from engine.runtime.workspace import Workspace
from engine.store.tagged_json import encode_value

COLUMNS = ("Id", "Received", "Method", "Body")
# The queue of the runtime this window runs, if it runs one (None: another process, or none).
QueueOf = Callable[[], "WebhookQueue | None"]


def _preview(request: QueuedRequest, limit: int = 120) -> str:
    text = orjson.dumps(encode_value(request.body)).decode()
    return text if len(text) <= limit else text[:limit] + "…"


class QueuedRequestsDialog(QDialog):
    def __init__(self, workspace: Workspace, hook: HookListing, queue_of: QueueOf,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.hook, self.queue_of = workspace, hook, queue_of
        self.requests: list[QueuedRequest] = []
        self.task: asyncio.Future[Any] | None = None
        self.setWindowTitle(f"Queue of {hook.name}")
        self.resize(760, 460)
        self.table = list_table(COLUMNS, "queued_requests", self, single=False)
        self.table.itemSelectionChanged.connect(self._show_chosen)
        self.detail = QPlainTextEdit(self)
        self.detail.setObjectName("request_detail")
        self.detail.setReadOnly(True)
        self.summary = QLabel(self)
        buttons = QHBoxLayout()
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.clicked.connect(lambda _c=False: self.delete_chosen())
        self.delete_all_button = QPushButton("Delete all…", self)
        self.delete_all_button.clicked.connect(lambda _c=False: self.delete_all())
        refresh = QPushButton("Refresh", self)
        refresh.clicked.connect(lambda _c=False: self.refresh())
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        for button in (self.delete_button, self.delete_all_button, refresh):
            buttons.addWidget(button)
            button.setAutoDefault(False)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.detail, 1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.requests = read_queued(self.workspace.local_state, self.hook.token)
        self.table.setRowCount(len(self.requests))
        for row, request in enumerate(self.requests):
            received = datetime.fromtimestamp(request.received_at).strftime("%Y-%m-%d %H:%M:%S")
            for column, text in enumerate((str(request.id), received, request.method,
                                           _preview(request))):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.summary.setText(f"{len(self.requests)} request(s) wait for a run"
                             if self.requests else "No request waits.")
        self.delete_all_button.setEnabled(bool(self.requests))
        self._show_chosen()

    def chosen(self) -> list[QueuedRequest]:
        model = self.table.selectionModel()
        rows = sorted({index.row() for index in model.selectedRows()}) if model else []
        return [self.requests[row] for row in rows if row < len(self.requests)]

    def _show_chosen(self) -> None:
        chosen = self.chosen()
        self.delete_button.setEnabled(bool(chosen))
        if len(chosen) != 1:
            self.detail.setPlainText("")
            return
        request = chosen[0]
        whole = {"method": request.method, "query": request.query,
                 "headers": request.headers, "body": encode_value(request.body)}
        self.detail.setPlainText(orjson.dumps(whole, option=orjson.OPT_INDENT_2).decode())

    def delete_chosen(self) -> int:
        chosen = self.chosen()
        return self._delete([r.id for r in chosen]) if chosen else 0

    def delete_all(self) -> int:
        answer = QMessageBox.question(
            self, "Delete queued requests",
            f"Delete the {len(self.requests)} request(s) waiting in {self.hook.name}'s queue? "
            "They will never run.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return 0
        return self._delete(None)

    def _delete(self, ids: list[int] | None) -> int:
        deleted = discard_queued(self.workspace.local_state, self.hook.token, ids)
        queue = self.queue_of()
        if queue is not None:  # this window's runtime: count its queue again
            self.task = asyncio.ensure_future(queue.discard(self.hook.token, []))
        self.refresh()
        return deleted
