"""Steps the connection tests share: filling the connection form as a user does."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.gui.connections import ConnectionForm


def click(button: object) -> None:
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[call-overload]


def fill(form: ConnectionForm, name: str, *, type_key: str | None = None,
         base_url: str | None = None, **values: str) -> None:
    if type_key is not None:
        form.choose_type(type_key)
    form.name.setText(name)
    for key, value in values.items():
        form.set_value(key, value)
    if base_url is not None:
        form.base_url.setText(base_url)
