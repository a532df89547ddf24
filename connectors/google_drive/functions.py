"""Google Drive's own IML functions, in Python (engine.apps.functions): ids from Make's
folder paths, the `multipart/related` body of a Drive v3 upload (JSON metadata, then the
media), Google's formats a file converts to, the search of Watch files, and the shape of a
shared file.

Every function tolerates missing arguments: app code calls them before `if` decides.
What no public source confirmed (shapes, defaults) is listed in README.md, "Unverified".
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from typing import Any

from engine.values import to_date, to_text

# What an uploaded file becomes when Make's "Convert a file" is on.
CONVERSIONS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        "application/vnd.google-apps.document",
    "application/msword": "application/vnd.google-apps.document",
    "application/vnd.oasis.opendocument.text": "application/vnd.google-apps.document",
    "application/rtf": "application/vnd.google-apps.document",
    "text/plain": "application/vnd.google-apps.document",
    "text/html": "application/vnd.google-apps.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        "application/vnd.google-apps.spreadsheet",
    "application/vnd.ms-excel": "application/vnd.google-apps.spreadsheet",
    "text/csv": "application/vnd.google-apps.spreadsheet",
    "application/vnd.oasis.opendocument.spreadsheet": "application/vnd.google-apps.spreadsheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation":
        "application/vnd.google-apps.presentation",
    "application/vnd.ms-powerpoint": "application/vnd.google-apps.presentation",
}


def file_id(value: Any) -> str:
    """A file or folder id: Make's pickers keep a path (`/parent/.../id`); `/` is My Drive."""
    text = to_text(value).strip()
    if text in ("", "/"):
        return "root" if text == "/" else ""
    return text.strip("/").rsplit("/", 1)[-1]


def media_type(filename: Any) -> str:
    return mimetypes.guess_type(to_text(filename))[0] or "application/octet-stream"


def converted_type(filename: Any) -> str | None:
    """The Google format a file converts to (None: it stays as it is)."""
    return CONVERSIONS.get(media_type(filename))


def _bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return to_text(value).encode("utf-8")


def drive_upload(metadata: Any, data: Any, content_type: Any = None) -> dict[str, Any]:
    """`{boundary, body}` of a `uploadType=multipart` upload: a `multipart/related` body of
    the file's JSON metadata (members left empty are left out), then its bytes."""
    meta = {k: v for k, v in (metadata.items() if isinstance(metadata, dict) else ())
            if v not in (None, "", [])}
    media = _bytes(data)
    ctype = to_text(content_type) or media_type(meta.get("name"))
    boundary = "scenarist-" + hashlib.sha256(media).hexdigest()[:24]
    body = b"".join([
        f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode(),
        json.dumps(meta).encode("utf-8"), b"\r\n",
        f"--{boundary}\r\nContent-Type: {ctype}\r\n\r\n".encode(), media, b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ])
    return {"boundary": boundary, "body": body}


def watch_query(parameters: Any, last_date: Any = None) -> str:
    """Drive's search for Watch files: the folder's files (of one type), not trashed, newer
    than the trigger's last date by creation or by modification."""
    p = parameters if isinstance(parameters, dict) else {}
    folder = file_id(p.get("folderId")) or "root"
    terms = [f"'{folder}' in parents", "trashed = false",
             "mimeType != 'application/vnd.google-apps.folder'"]
    mime = to_text(p.get("mimeType"))
    if mime and mime != "all":
        terms.append(f"mimeType = '{mime}'")
    after = to_date(last_date)
    if after is not None and after.timestamp() > 0:
        field = "modifiedTime" if to_text(p.get("select")) == "modify" else "createdTime"
        terms.append(f"{field} > '{after.strftime('%Y-%m-%dT%H:%M:%S')}'")
    return " and ".join(terms)


def shared(permission: Any, file: Any) -> dict[str, Any]:
    """A new permission as Make's Share a file outputs it: with the file's id and links."""
    out = dict(permission) if isinstance(permission, dict) else {}
    details = file if isinstance(file, dict) else {}
    out["fileId"] = details.get("id")
    out["shareLink"] = details.get("webViewLink")
    out["webContentLink"] = details.get("webContentLink")
    return out


FUNCTIONS = {
    "fileId": file_id,
    "mediaType": media_type,
    "convertedType": converted_type,
    "driveUpload": drive_upload,
    "watchQuery": watch_query,
    "shared": shared,
}
