"""The drag-and-drop payload from the palette to the canvas: one module type, "app:Name"."""

from __future__ import annotations

from PySide6.QtCore import QMimeData

MODULE_MIME = "application/x-scenarist-module"


def module_mime_data(module_type: str) -> QMimeData:
    data = QMimeData()
    data.setData(MODULE_MIME, module_type.encode())
    data.setText(module_type)
    return data


def module_type_from(mime: QMimeData | None) -> str | None:
    """The module type a drag carries, or None when it is not one of ours."""
    if mime is None or not mime.hasFormat(MODULE_MIME):
        return None
    text = bytes(mime.data(MODULE_MIME).data()).decode(errors="replace").strip()
    return text if ":" in text else None
