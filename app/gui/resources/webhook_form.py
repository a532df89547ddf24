"""A webhook's settings (Make's "Advanced settings" of a hook): pass the request's headers and
method, JSON pass-through, the IP allowlist, API keys, the data structure that validates
requests, and its limits (largest body: 413 beyond; queue size: 400 when full, as Make; an
optional rate limit: 429 beyond it, Make's 300 requests per 10 s offered). API keys are
secrets: they are only counted here; a new one is typed masked.
Saving writes the hook's options (engine.runtime.hook_store); a running runtime applies them
within seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.runtime.hook_listing import HookListing
from engine.runtime.hook_store import hooks_by_token, set_hook_options
from engine.runtime.webhook_hooks import DEFAULT_MAX_BODY, MAKE_RATE_LIMIT
from engine.runtime.webhook_queue import DEFAULT_QUEUE_LIMIT
from engine.runtime.workspace import Workspace
from engine.store.data_structures import list_structures

_INLINE = "__inline__"
_MB = 1024 * 1024


class WebhookForm(QDialog):
    def __init__(self, workspace: Workspace, hook: HookListing,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.hook = workspace, hook
        self.setWindowTitle(f"Webhook settings: {hook.name}")
        self.setMinimumWidth(480)
        options = hook.options
        self.headers = QCheckBox("Get request headers", self)
        self.headers.setChecked(bool(options.get("headers")))
        self.method = QCheckBox("Get request HTTP method", self)
        self.method.setChecked(bool(options.get("method")))
        self.raw_body = QCheckBox("JSON pass-through (the body as text)", self)
        self.raw_body.setChecked(bool(options.get("stringify")))
        self.ip_allowlist = QLineEdit(", ".join(hook.ip_allowlist), self)
        self.ip_allowlist.setObjectName("ip_allowlist")
        self.ip_allowlist.setPlaceholderText("any address (e.g. 203.0.113.7, 10.0.0.0/8)")
        self.keys_note = QLabel(self._keys_text(), self)
        self.new_key = QLineEdit(self)
        self.new_key.setObjectName("new_api_key")
        self.new_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_key.setPlaceholderText("add a key callers send in x-make-apikey")
        self.remove_keys = QCheckBox("Remove the keys it has", self)
        self.remove_keys.setEnabled(hook.api_keys)
        self.structure = QComboBox(self)
        self.structure.setObjectName("data_structure")
        self._fill_structures()
        self._limits(options)
        self.status = QLabel(self)
        self.status.setStyleSheet("color: #d1242f")
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.headers)
        form.addRow(self.method)
        form.addRow(self.raw_body)
        form.addRow("IP restrictions", self.ip_allowlist)
        form.addRow("API keys", self.keys_note)
        form.addRow("", self.new_key)
        form.addRow("", self.remove_keys)
        form.addRow("Data structure", self.structure)
        form.addRow("Largest request", self.max_body)
        form.addRow("Queue size", self.queue_limit)
        form.addRow(self.rate_on)
        form.addRow("", self.rate_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _limits(self, options: dict[str, Any]) -> None:
        self._body_bytes = int(options.get("max_body") or DEFAULT_MAX_BODY)
        self.max_body = QDoubleSpinBox(self)
        self.max_body.setObjectName("max_body")
        self.max_body.setRange(0.01, 1024.0)
        self.max_body.setDecimals(2)
        self.max_body.setSuffix(" MB")
        self.max_body.setToolTip("Bigger requests are answered 413 (Make's limit is 5 MB)")
        self.max_body.setValue(self._body_bytes / _MB)
        self._body_shown = self.max_body.value()
        self.queue_limit = QSpinBox(self)
        self.queue_limit.setObjectName("queue_limit")
        self.queue_limit.setRange(1, 10_000_000)
        self.queue_limit.setGroupSeparatorShown(True)
        self.queue_limit.setSuffix(" requests")
        self.queue_limit.setToolTip("When this many wait, new requests are answered 400, as "
                                    "Make does")
        self.queue_limit.setValue(int(options.get("queue_limit") or DEFAULT_QUEUE_LIMIT))
        rate = options.get("rate_limit")
        count, seconds = rate if rate else MAKE_RATE_LIMIT
        self.rate_on = QCheckBox("Limit the request rate (429 beyond it)", self)
        self.rate_on.setObjectName("rate_limit")
        self.rate_on.setChecked(bool(rate))
        self.rate_count = QSpinBox(self)
        self.rate_count.setRange(1, 1_000_000)
        self.rate_count.setValue(int(count))
        self.rate_count.setSuffix(" requests")
        self.rate_seconds = QDoubleSpinBox(self)
        self.rate_seconds.setRange(0.1, 86_400.0)
        self.rate_seconds.setDecimals(1)
        self.rate_seconds.setValue(float(seconds))
        self.rate_seconds.setSuffix(" s")
        self.rate_row = QWidget(self)
        row = QHBoxLayout(self.rate_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.rate_count)
        row.addWidget(QLabel("per", self.rate_row))
        row.addWidget(self.rate_seconds)
        row.addStretch(1)
        self.rate_row.setEnabled(self.rate_on.isChecked())
        self.rate_on.toggled.connect(self.rate_row.setEnabled)

    def _keys_text(self) -> str:
        count = len(self._keys())
        return f"{count} set (kept in the secret store)" if count else "none: anyone may call"

    def _keys(self) -> list[str]:
        record = hooks_by_token(self.workspace.state, self.hook.token)
        return list(record.hook_options(self.workspace.folder).api_keys)

    def _fill_structures(self) -> None:
        self.structure.addItem("None (no validation)", None)
        if self.hook.options.get("data_structure") and not self.hook.structure:
            self.structure.addItem("Its own field list (set from the command line)", _INLINE)
        for found in list_structures(self.workspace.state):
            self.structure.addItem(f"{found.name or found.id}{' (strict)' * found.strict}",
                                   found.id)
        current = self.hook.structure or (
            _INLINE if self.hook.options.get("data_structure") else None)
        self.structure.setCurrentIndex(max(self.structure.findData(current), 0))

    def choose_structure(self, structure_id: str | None) -> None:
        self.structure.setCurrentIndex(max(self.structure.findData(structure_id), 0))

    def changes(self) -> dict[str, Any]:
        """The hook options this form sets (`api_keys` only when they change)."""
        allow = [part.strip() for part in self.ip_allowlist.text().replace(";", ",").split(",")
                 if part.strip()]
        changes: dict[str, Any] = {
            "headers": self.headers.isChecked(), "method": self.method.isChecked(),
            "stringify": self.raw_body.isChecked(), "ip_allowlist": allow}
        chosen = self.structure.currentData()
        if chosen != _INLINE:
            changes["structure"] = chosen
            changes["data_structure"] = None
        # A size set in bytes from the command line stays as it was unless changed here.
        changes["max_body"] = (self._body_bytes if self.max_body.value() == self._body_shown
                               else round(self.max_body.value() * _MB))
        changes["queue_limit"] = self.queue_limit.value()
        changes["rate_limit"] = ([self.rate_count.value(), self.rate_seconds.value()]
                                 if self.rate_on.isChecked() else None)
        new_key = self.new_key.text()
        if new_key or self.remove_keys.isChecked():
            kept = [] if self.remove_keys.isChecked() else self._keys()
            changes["api_keys"] = [*kept, new_key] if new_key else kept
        return changes

    def save(self) -> None:
        changes = self.changes()
        api_keys = changes.pop("api_keys", None)
        try:
            set_hook_options(self.workspace.state, Path(self.workspace.folder),
                             self.hook.token, api_keys=api_keys, **changes)
        except ValueError as error:  # an address that is no address
            self.status.setText(str(error))
            return
        self.accept()
