"""A select whose options an app RPC answers (`"options": "rpc://listTags"`).

The RPC runs with the module's connection and current fields, off the UI thread, while the
field says it is loading; a failure shows inline under the field, and ⟳ asks again. It is
asked again by itself when a field it reads changes: the connection, a field its
communication reads (`parameters.workspaceId`), or the select it is nested under. A field it
reads that is still empty is named instead of calling the service. `loading` is the task of
the last call (tests await it).
"""

from __future__ import annotations

import asyncio
from typing import Any

import shiboken6
from PySide6.QtWidgets import QLabel, QToolButton, QWidget

from app.gui.panels.fields import FieldContext, SelectField
from engine.errors import ScenaristError
from engine.spec import FieldSpec

_MUTED = "color: #8a8a99"
_BUSY = "color: #6d00cc"
_ERROR = "color: #d1242f"
LOADING = "Loading options…"


def rpc_options(spec: FieldSpec, ctx: FieldContext) -> bool:
    return ctx.connections is not None and spec.type == "select" and spec.rpc is not None


class RpcSelectField(SelectField):
    def __init__(self, spec: FieldSpec, ctx: FieldContext, parent: QWidget | None = None):
        super().__init__(spec, ctx, parent)
        self.loaded = False
        self.loading: asyncio.Task[Any] | None = None
        self._asked: tuple[Any, ...] | None = None
        self.module = ctx.document.registry.get(ctx.module_type)
        self.reads = self._reads()
        self.state = QLabel(self)
        self.state.setObjectName("options_state")
        self.state.setWordWrap(True)
        self.state.hide()
        layout = self.layout()
        layout.insertWidget(1, self.state)  # type: ignore[attr-defined]
        self.refresh_button = QToolButton(self)
        self.refresh_button.setText("⟳")
        self.refresh_button.setObjectName("refresh_options")
        self.refresh_button.setToolTip("Load the options again")
        self.refresh_button.clicked.connect(lambda _checked=False: self.refresh())
        self.body.insertWidget(1, self.refresh_button)

    def _make_static(self) -> QWidget:
        combo = super()._make_static()
        self.combo.setEditable(False)  # the options come from the service
        return combo

    def _reads(self) -> dict[str, str]:
        """The fields the RPC reads, by name, with their labels."""
        from engine.apps import rpc_inputs

        app = self.ctx.connections.loaded.app(self.module.app) if self.module else None
        names = rpc_inputs(app, self.spec.rpc or "") if app is not None else set()
        names |= set(self.spec.shown_when or {})
        names.discard(self.spec.name)
        fields = {f.name: f for f in [*(self.module.parameters if self.module else []),
                                      *(self.module.mapper if self.module else [])]}
        reads = {n: (fields[n].label or n) if n in fields else n for n in sorted(names)}
        if self.module is not None and self.module.connection:
            reads = {"__IMTCONN__": "a connection", **reads}
        return reads

    # ------------------------------------------------------------- values

    def _static_accepts(self, text: str) -> bool:
        return "{{" not in text  # any plain value may be one the service lists

    def _show_static(self, value: Any) -> None:
        index = 0 if value is None else next(
            (i + 1 for i, (_, v) in enumerate(self.options) if v == value), -1)
        if index < 0:  # not (yet) listed: keep it and show it as it is
            note = " (not in the list)" if self.loaded else ""
            self.combo.addItem(f"{value}{note}", value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)

    def set_value(self, value: Any) -> None:
        super().set_value(value)
        self.refresh(force=False)

    # ------------------------------------------------------------ loading

    def _parameters(self) -> dict[str, Any]:
        node = self.ctx.document.node(self.ctx.module_id)
        return {**(node.mapper or {}), **(node.parameters or {})}

    def refresh(self, *, force: bool = True) -> asyncio.Task[Any] | None:
        """Ask the RPC (again unless `force` is False and nothing it reads changed)."""
        parameters = self._parameters()
        asked = tuple(repr(parameters.get(n)) for n in ("__IMTCONN__", *self.reads))
        # (the connection counts even for an RPC that needs none: its answer may differ)
        if not force and asked == self._asked:
            return self.loading
        self._asked = asked
        if self.loading is not None and not self.loading.done():
            self.loading.cancel()
        empty = [label for name, label in self.reads.items()
                 if parameters.get(name) in (None, "")]
        if empty:
            self._say(f"Choose {', '.join(empty)} first.", _MUTED)
            return None
        if self.ctx.connections.locked and parameters.get("__IMTCONN__") not in (None, ""):
            if not force:  # never a password dialog just because the form was shown
                self._say("The secrets are locked: ⟳ asks for the master password.", _MUTED)
                return None
            try:
                self.ctx.connections.unlock()
            except ScenaristError as error:
                self._say(str(error), _ERROR)
                return None
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop yet: the first refresh with one loads
            self._asked = None
            return None
        self._say(LOADING, _BUSY)
        self.refresh_button.setEnabled(False)
        self.loading = asyncio.ensure_future(self._load(parameters))
        return self.loading

    async def _load(self, parameters: dict[str, Any]) -> None:
        try:
            items = await self.ctx.connections.options(self.module, self.spec, parameters)
        except ScenaristError as error:
            if shiboken6.isValid(self):
                self._say(f"Could not load the options: {error}", _ERROR)
                self.refresh_button.setEnabled(True)
            return
        if not shiboken6.isValid(self):
            return
        self.refresh_button.setEnabled(True)
        self._fill(items)

    def _fill(self, items: list[Any]) -> None:
        self.options = [_option(item) for item in items]
        self.loaded = True
        self.combo.clear()
        self.combo.addItem("", None)
        for label, value in self.options:
            self.combo.addItem(label or "(empty)", value)
        if not self.mapped:
            self._show_static(self._value)
        count = len(self.options)
        self._say(f"{count} option{'' if count == 1 else 's'} from the service"
                  if count else "The service listed no options.", _MUTED)

    def _say(self, text: str, style: str) -> None:
        self.state.setStyleSheet(style)
        self.state.setText(text)
        self.state.show()


def _option(item: Any) -> tuple[str, Any]:
    if isinstance(item, dict):
        value = item.get("value")
        return str(item.get("label", value)), value
    return str(item), item
