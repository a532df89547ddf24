"""Files as Make's modules pass them: a binary item is `{fileName, data, fileSize, mimeType}`
where `data` is a buffer (`bytes`). Modules that take a file accept a buffer, text (its
UTF-8 bytes) or a whole binary item mapped at once."""

from __future__ import annotations

import mimetypes
from typing import Any

from engine.errors import ModuleError
from engine.values import to_text

OCTET_STREAM = "application/octet-stream"


def mime_type_of(file_name: str, declared: str | None = None) -> str:
    """The declared media type (parameters dropped), else the one the extension says."""
    if declared:
        media = declared.split(";", 1)[0].strip().lower()
        if media and media != OCTET_STREAM:
            return media
    guessed, _ = mimetypes.guess_type(file_name, strict=False)
    return guessed or (declared.split(";", 1)[0].strip().lower() if declared else OCTET_STREAM)


def binary_item(file_name: str, data: bytes, mime_type: str | None = None) -> dict[str, Any]:
    return {"fileName": file_name, "data": data, "fileSize": len(data),
            "mimeType": mime_type_of(file_name, mime_type)}


def as_bytes(value: Any, field: str = "data") -> bytes:
    """A file's data from a buffer, a text or a mapped binary item."""
    if isinstance(value, dict) and "data" in value:
        value = value["data"]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if value is None:
        raise ModuleError(f"{field}: no file data is mapped.", name="DataError")
    return to_text(value).encode("utf-8")


def file_name_from(mapper: dict[str, Any], default: str = "") -> str:
    """The file name mapped on its own, or the one of a mapped binary item."""
    name = to_text(mapper.get("fileName")).strip()
    if not name and isinstance(mapper.get("data"), dict):
        name = to_text(mapper["data"].get("fileName")).strip()
    return name or default
