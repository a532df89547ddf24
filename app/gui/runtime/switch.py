"""Make's ON/OFF switch: a pill with the word inside, purple when on."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractButton, QWidget

ON = QColor("#6d00cc")
OFF = QColor("#b9b6c6")


class ToggleSwitch(QAbstractButton):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.toggled.connect(self._update_text)
        self._update_text(False)

    def _update_text(self, checked: bool) -> None:
        self.setText("ON" if checked else "OFF")
        self.setAccessibleName(f"Scheduling {self.text()}")

    def set_quietly(self, checked: bool) -> None:
        """Show a state read from the workspace, without emitting `clicked`/`toggled`."""
        blocked = self.blockSignals(True)
        self.setChecked(checked)
        self.blockSignals(blocked)
        self._update_text(checked)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(52, 24)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        radius = rect.height() / 2
        colour = ON if self.isChecked() else OFF
        if not self.isEnabled():
            colour = colour.lighter(140)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(rect, radius, radius)
        knob = rect.height() - 4
        x = rect.right() - knob - 2 if self.isChecked() else rect.left() + 2
        painter.setBrush(QColor("#ffffff"))
        painter.drawEllipse(QRectF(x, rect.top() + 2, knob, knob))
        painter.setPen(QColor("#ffffff"))
        font = painter.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.75))
        font.setBold(True)
        painter.setFont(font)
        text_rect = (rect.adjusted(6, 0, -knob - 2, 0) if self.isChecked()
                     else rect.adjusted(knob + 4, 0, -4, 0))
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, self.text())
