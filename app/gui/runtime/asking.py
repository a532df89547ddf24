"""Questions and warnings from coroutines: a message box opened (never exec'd: a nested Qt
loop under a running asyncio task breaks qasync) and its answer awaited."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton


async def ask(parent: QWidget | None, title: str, text: str, buttons: Button,
              default: Button) -> Button:
    """The button the user chose (NoButton when the box was closed otherwise)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, parent)
    box.setDefaultButton(default)
    answer: asyncio.Future[Button] = asyncio.get_running_loop().create_future()

    def finished(_result: int) -> None:
        if not answer.done():
            clicked = box.clickedButton()
            answer.set_result(box.standardButton(clicked) if clicked else Button.NoButton)

    box.finished.connect(finished)
    box.open()
    try:
        return await answer
    finally:
        box.deleteLater()


def warn(parent: QWidget | None, title: str, text: str) -> QMessageBox:
    """Show a warning and return at once (the box deletes itself when closed)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, Button.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
