"""Google Docs' own IML functions, in Python (engine.apps.functions): ids from Make's file
paths, the `batchUpdate` requests that fill a template (`{{placeholder}}` text and images),
the name of an exported file, and the Drive upload that turns HTML into a new document.

Every function tolerates missing arguments: app code calls them before `if` decides.
What no public source confirmed (shapes, defaults) is listed in README.md, "Unverified".
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from engine.values import to_text

EXTENSIONS = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/rtf": "rtf",
    "text/plain": "txt",
    "text/html": "html",
    "application/zip": "zip",
    "application/epub+zip": "epub",
}


def file_id(value: Any) -> str:
    """A document or folder id: Make's pickers keep a path (`/parent/.../id`); `/` is My
    Drive."""
    text = to_text(value).strip()
    if text in ("", "/"):
        return "root" if text == "/" else ""
    return text.strip("/").rsplit("/", 1)[-1]


def parents(folder: Any) -> list[str] | None:
    """A new file's `parents`: the folder given (None: Drive's default, My Drive)."""
    found = file_id(folder)
    return [found] if found else None


def template_requests(values: Any, images: Any = None) -> list[dict[str, Any]]:
    """`replaceAllText` for every `{{name}}` of the template, `replaceImage` for every
    image (by its object id) given a URL."""
    out: list[dict[str, Any]] = []
    for name, value in (values.items() if isinstance(values, dict) else ()):
        out.append({"replaceAllText": {
            "containsText": {"text": "{{" + str(name) + "}}", "matchCase": True},
            "replaceText": "" if value is None else to_text(value)}})
    for object_id, url in (images.items() if isinstance(images, dict) else ()):
        if to_text(url).strip():
            out.append({"replaceImage": {"imageObjectId": str(object_id),
                                         "uri": to_text(url).strip(),
                                         "imageReplaceMethod": "CENTER_CROP"}})
    return out


def export_name(name: Any, mime_type: Any) -> str:
    extension = EXTENSIONS.get(to_text(mime_type), "bin")
    base = to_text(name) or "document"
    return base if base.lower().endswith("." + extension) else f"{base}.{extension}"


def html_document(metadata: Any, content: Any) -> dict[str, Any]:
    """`{boundary, body}` of a Drive upload turning HTML (or text) into a Google document."""
    meta = {k: v for k, v in (metadata.items() if isinstance(metadata, dict) else ())
            if v not in (None, "", [])}
    meta["mimeType"] = "application/vnd.google-apps.document"
    text = to_text(content)
    html = text if "<" in text else "<br>".join(text.replace("\r\n", "\n").split("\n"))
    media = ("<html><body>" + html + "</body></html>").encode("utf-8")
    boundary = "scenarist-" + hashlib.sha256(media).hexdigest()[:24]
    body = b"".join([
        f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode(),
        json.dumps(meta).encode("utf-8"), b"\r\n",
        f"--{boundary}\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n".encode(), media,
        b"\r\n", f"--{boundary}--\r\n".encode(),
    ])
    return {"boundary": boundary, "body": body}


FUNCTIONS = {
    "fileId": file_id,
    "parents": parents,
    "templateRequests": template_requests,
    "exportName": export_name,
    "htmlDocument": html_document,
}
