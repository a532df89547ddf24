"""A local fake of the Google APIs the Google apps call, on one port (their paths don't
overlap): Sheets v4 (`/v4/spreadsheets`), Drive v3 (`/drive/v3`, `/upload/drive/v3`),
Gmail v1 (`/gmail/v1/users/me`), Docs v1 (`/v1/documents`) and Google's OAuth 2.0 endpoints
(`/o/oauth2/v2/auth`, `/token`: authorization code with PKCE, refresh tokens).

State lives in memory; every request is recorded. Written from Google's public API
references (stored copies): the Sheets `spreadsheets.values` get/append/update resources
(ValueRange `{range, majorDimension, values}`, trailing empty cells and rows left out, null
cells skipped on write, `valueInputOption` required, append answering `{spreadsheetId,
tableRange, updates}`), Drive v3 `files` (list with `q`/`pageToken`, multipart upload as
`multipart/related` with the JSON metadata first, `copy`, `export`, `permissions.create`),
Gmail v1 `users.messages` (send with `raw` base64url RFC 822, list with `q`, get with
`format`, `attachments.get`, `modify`) and `users.threads.get`, Docs v1 `documents.create`
and `batchUpdate` (`insertText`, `replaceAllText`), and Google's error body
`{"error": {"code", "message", "status", "errors": [{"reason"}]}}` (401 UNAUTHENTICATED,
429 RESOURCE_EXHAUSTED, 403 with reason `userRateLimitExceeded` for Drive and Gmail).

Modelled, not confirmed: the exact texts of error messages, `tableRange` of an empty sheet,
how append finds a table with blank rows inside it (here: after the last non-empty row),
the permission ids, the fields of a created Drive file beyond id/name/mimeType/parents.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import pytest

from tests.support.http_stub import Answer, Recorded, serve

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
DOCUMENT_MIME = "application/vnd.google-apps.document"
FOLDER_MIME = "application/vnd.google-apps.folder"
_A1 = re.compile(r"^([A-Za-z]*)(\d*)$")


class GoogleError(Exception):
    def __init__(self, status: int, message: str, reason: str = "", state: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason
        self.state = state or {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED",
                               403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                               429: "RESOURCE_EXHAUSTED"}.get(status, "INTERNAL")

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.status, "message": self.message, "status": self.state,
                          "errors": [{"reason": self.reason or self.state.lower(),
                                      "message": self.message}]}}


def col_number(letters: str) -> int:
    n = 0
    for char in letters.upper():
        n = n * 26 + ord(char) - 64
    return n


def col_letter(n: int) -> str:
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


@dataclass
class A1:
    sheet: str
    col1: int = 1
    row1: int = 1
    col2: int | None = None  # None: unbounded
    row2: int | None = None

    @classmethod
    def parse(cls, text: str) -> A1:
        text = unquote(text)
        if "!" in text:
            sheet, _, cells = text.rpartition("!")
        else:
            sheet, cells = text, ""
        if sheet.startswith("'") and sheet.endswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
        if not cells:
            return cls(sheet)
        first, _, last = cells.partition(":")
        m1 = _A1.match(first)
        if m1 is None:
            raise GoogleError(400, f"Unable to parse range: {text}")
        col1 = col_number(m1.group(1)) or 1
        row1 = int(m1.group(2)) if m1.group(2) else 1
        if not last:
            return cls(sheet, col1, row1, col1, row1)
        m2 = _A1.match(last)
        if m2 is None:
            raise GoogleError(400, f"Unable to parse range: {text}")
        col2 = col_number(m2.group(1)) if m2.group(1) else None
        row2 = int(m2.group(2)) if m2.group(2) else None
        return cls(sheet, col1, row1, col2, row2)

    def a1(self, rows: int | None = None, cols: int | None = None) -> str:
        col2 = self.col2 if self.col2 is not None else self.col1 + max((cols or 1) - 1, 0)
        row2 = self.row2 if self.row2 is not None else self.row1 + max((rows or 1) - 1, 0)
        name = self.sheet if re.fullmatch(r"\w+", self.sheet) else (
            "'" + self.sheet.replace("'", "''") + "'")
        return f"{name}!{col_letter(self.col1)}{self.row1}:{col_letter(col2)}{row2}"


@dataclass
class Message:
    id: str
    thread_id: str
    raw: bytes  # the RFC 822 message
    labels: list[str] = field(default_factory=lambda: ["INBOX", "UNREAD"])
    internal_date: int = 1_700_000_000_000


@dataclass
class FakeGoogle:
    access_token: str = "ya29.fake-access-1"
    client_id: str = "123-fake.apps.googleusercontent.com"
    client_secret: str = "GOCSPX-fake-secret"
    refresh_token: str = "1//fake-refresh"
    port: int = 0
    sheets: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {name, tabs}
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # Drive
    contents: dict[str, bytes] = field(default_factory=dict)  # Drive file id -> bytes
    permissions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)  # Gmail
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # Docs: id -> {title, text}
    requests: list[Recorded] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    fail_next: list[GoogleError] = field(default_factory=list)
    page_size: int = 2  # list pages are small, so tests see paging
    counter: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:04d}"

    def calls(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests
                if r.method == method and unquote(r.path).startswith(path_prefix)]

    # --- fixtures for tests ---------------------------------------------------------------

    def add_spreadsheet(self, name: str, tabs: dict[str, list[list[Any]]],
                        parents: list[str] | None = None, sid: str | None = None) -> str:
        sid = sid or self.new_id("1Sheet")
        self.sheets[sid] = {"name": name, "tabs": {k: [list(r) for r in v]
                                                   for k, v in tabs.items()}}
        self.files[sid] = {"id": sid, "name": name, "mimeType": SPREADSHEET_MIME,
                           "parents": parents or ["root"]}
        return sid

    def add_file(self, name: str, mime: str, content: bytes = b"",
                 parents: list[str] | None = None, fid: str | None = None) -> str:
        fid = fid or self.new_id("1File")
        self.files[fid] = {"id": fid, "name": name, "mimeType": mime,
                           "parents": parents or ["root"],
                           "createdTime": f"2024-01-0{min(self.counter, 9)}T10:00:00.000Z",
                           "modifiedTime": f"2024-01-0{min(self.counter, 9)}T10:00:00.000Z"}
        self.contents[fid] = content
        return fid

    def add_document(self, title: str, text: str, did: str | None = None) -> str:
        did = self.add_file(title, DOCUMENT_MIME, b"", fid=did)
        self.documents[did] = {"title": title, "text": text}
        return did

    def add_message(self, raw: bytes, labels: list[str] | None = None) -> str:
        mid = self.new_id("18c")
        self.messages[mid] = Message(mid, "t" + mid, raw, labels or ["INBOX", "UNREAD"],
                                     1_700_000_000_000 + self.counter * 1000)
        return mid

    # --- dispatch ---------------------------------------------------------------------------

    def handle(self, request: Recorded) -> Answer:
        self.requests.append(request)
        path = unquote(request.path)
        try:
            if path == "/token":
                return self._token(request)
            if path == "/o/oauth2/v2/auth":
                return Answer(200, b"<p>Choose an account</p>", "text/html")
            if request.headers.get("authorization") != f"Bearer {self.access_token}":
                raise GoogleError(401, "Request had invalid authentication credentials. "
                                       "Expected OAuth 2 access token.")
            if self.fail_next:
                raise self.fail_next.pop(0)
            if path == "/batch/gmail/v1" and request.method == "POST":
                return self._batch(request)
            if path.startswith("/v4/spreadsheets/"):
                return self._sheets(request, path[len("/v4/spreadsheets/"):])
            if path.startswith(("/drive/v3/", "/upload/drive/v3/")):
                return self._drive(request, path)
            if path.startswith("/gmail/v1/users/me/"):
                return self._gmail(request, path[len("/gmail/v1/users/me/"):])
            if path.startswith("/v1/documents"):
                return self._docs(request, path[len("/v1/documents"):])
            raise GoogleError(404, f"no such path {path}")
        except GoogleError as exc:
            return Answer.of(exc.status, exc.body())

    # --- OAuth ----------------------------------------------------------------------------

    def _token(self, request: Recorded) -> Answer:
        form = dict(parse_qsl(request.body.decode()))
        self.token_requests.append(form)
        if form.get("client_id") != self.client_id or (
                form.get("client_secret") != self.client_secret):
            return Answer.of(401, {"error": "invalid_client",
                                   "error_description": "The OAuth client was not found."})
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if grant is None or grant["challenge"] != challenge or (
                    grant["redirect_uri"] != form.get("redirect_uri")):
                return Answer.of(400, {"error": "invalid_grant"})
            return Answer.of(200, {"access_token": self.access_token, "expires_in": 3599,
                                   "refresh_token": self.refresh_token, "scope": grant["scope"],
                                   "token_type": "Bearer"})
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") != self.refresh_token:
                return Answer.of(400, {"error": "invalid_grant"})
            self.rotate()
            # Google sends no new refresh token on refresh: the old one stays valid.
            return Answer.of(200, {"access_token": self.access_token, "expires_in": 3599,
                                   "token_type": "Bearer"})
        return Answer.of(400, {"error": "unsupported_grant_type"})

    def rotate(self) -> None:
        """Google revokes the access token we hold (its next use answers 401)."""
        number = int(self.access_token.rsplit("-", 1)[-1]) + 1
        self.access_token = f"ya29.fake-access-{number}"

    def consent(self, url: str) -> None:
        """The browser: Google's consent page, then its redirect to the loopback server."""
        import httpx

        query = dict(parse_qsl(urlsplit(url).query))
        assert query["client_id"] == self.client_id and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        assert query["access_type"] == "offline" and query["prompt"] == "consent"
        httpx.get(url, timeout=10)
        code = f"4/fake-code-{len(self.codes)}"
        self.codes[code] = {"challenge": query["code_challenge"],
                            "redirect_uri": query["redirect_uri"],
                            "scope": query.get("scope", "")}
        redirect = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        assert httpx.get(redirect, timeout=10).status_code == 200

    # --- Sheets v4 --------------------------------------------------------------------------

    def _tab(self, sid: str, sheet: str) -> list[list[Any]]:
        book = self.sheets.get(sid)
        if book is None:
            raise GoogleError(404, "Requested entity was not found.")
        if sheet not in book["tabs"]:
            raise GoogleError(400, f"Unable to parse range: {sheet}")
        tab: list[list[Any]] = book["tabs"][sheet]
        return tab

    def _sheets(self, request: Recorded, rest: str) -> Answer:
        sid, _, tail = rest.partition("/")
        if not tail:
            book = self.sheets.get(sid)
            if book is None:
                raise GoogleError(404, "Requested entity was not found.")
            return Answer.of(200, {"spreadsheetId": sid, "properties": {"title": book["name"]},
                                   "sheets": [{"properties": {"sheetId": i, "title": t, "index": i}}
                                              for i, t in enumerate(book["tabs"])]})
        if not tail.startswith("values/"):
            raise GoogleError(404, "no such path")
        target = tail[len("values/"):]
        if request.method == "GET":
            return self._values_get(request, sid, A1.parse(target))
        if request.method == "POST" and target.endswith(":append"):
            return self._append(request, sid, A1.parse(target[: -len(":append")]))
        if request.method == "PUT":
            return self._update(request, sid, A1.parse(target))
        raise GoogleError(404, "no such method")

    def _values_get(self, request: Recorded, sid: str, rng: A1) -> Answer:
        tab = self._tab(sid, rng.sheet)
        last_row = rng.row2 if rng.row2 is not None else len(tab)
        rows = []
        for number in range(rng.row1, last_row + 1):
            row = tab[number - 1] if number - 1 < len(tab) else []
            end = rng.col2 if rng.col2 is not None else len(row)
            cells = list(row[rng.col1 - 1:end])
            while cells and cells[-1] in (None, ""):
                cells.pop()
            rows.append(cells)
        while rows and not rows[-1]:
            rows.pop()
        if request.query.get("majorDimension") == "COLUMNS":
            width = max((len(r) for r in rows), default=0)
            rows = [[r[i] if i < len(r) else "" for r in rows] for i in range(width)]
        body: dict[str, Any] = {"range": rng.a1(len(rows) or 1), "majorDimension":
                                request.query.get("majorDimension", "ROWS")}
        if rows:
            body["values"] = rows
        return Answer.of(200, body)

    def _write_values(self, request: Recorded) -> list[list[Any]]:
        if request.query.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
            raise GoogleError(400, "'valueInputOption' is required but not specified")
        data = request.json()
        values = data.get("values")
        if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
            raise GoogleError(400, "Invalid values")
        for row in values:
            for cell in row:
                if isinstance(cell, (dict, list)):
                    raise GoogleError(400, "Invalid value at 'data.values' (Struct)")
        return values

    def _append(self, request: Recorded, sid: str, rng: A1) -> Answer:
        values = self._write_values(request)
        tab = self._tab(sid, rng.sheet)
        last = max((i + 1 for i, r in enumerate(tab) if any(c not in (None, "") for c in r)),
                   default=0)
        start = max(last + 1, rng.row1)
        for offset, row in enumerate(values):
            self._put_row(tab, start + offset, rng.col1, row)
        width = max((len(r) for r in values), default=0)
        written = A1(rng.sheet, rng.col1, start, rng.col1 + width - 1, start + len(values) - 1)
        table = A1(rng.sheet, rng.col1, rng.row1, rng.col1 + max(width, 1) - 1, max(last, 1))
        return Answer.of(200, {"spreadsheetId": sid, "tableRange": table.a1(),
                               "updates": {"spreadsheetId": sid, "updatedRange": written.a1(),
                                           "updatedRows": len(values),
                                           "updatedColumns": width,
                                           "updatedCells": sum(len(r) for r in values)}})

    def _update(self, request: Recorded, sid: str, rng: A1) -> Answer:
        values = self._write_values(request)
        tab = self._tab(sid, rng.sheet)
        width = max((len(r) for r in values), default=0)
        col2 = rng.col2 if rng.col2 is not None else 10**6
        if rng.col1 + width - 1 > col2:
            raise GoogleError(400, f"Requested writing within range [{rng.a1()}], but tried "
                                   f"writing to column [{col_letter(rng.col1 + width - 1)}]")
        cells = 0
        for offset, row in enumerate(values):
            cells += self._put_row(tab, rng.row1 + offset, rng.col1, row)
        written = A1(rng.sheet, rng.col1, rng.row1, rng.col1 + width - 1,
                     rng.row1 + len(values) - 1)
        return Answer.of(200, {"spreadsheetId": sid, "updatedRange": written.a1(),
                               "updatedRows": len(values), "updatedColumns": width,
                               "updatedCells": cells})

    @staticmethod
    def _put_row(tab: list[list[Any]], number: int, col1: int, row: list[Any]) -> int:
        while len(tab) < number:
            tab.append([])
        target = tab[number - 1]
        written = 0
        for i, cell in enumerate(row):
            if cell is None:
                continue  # null cells are skipped
            index = col1 - 1 + i
            while len(target) <= index:
                target.append("")
            target[index] = str(cell) if not isinstance(cell, str) else cell
            written += 1
        return written

    # --- Drive v3 ---------------------------------------------------------------------------

    def _file(self, fid: str) -> dict[str, Any]:
        found = self.files.get(fid)
        if found is None:
            raise GoogleError(404, f"File not found: {fid}.", "notFound")
        return found

    def _drive(self, request: Recorded, path: str) -> Answer:
        parts = path.split("/")  # ['', 'drive'|'upload', ...]
        if path.startswith("/upload/drive/v3/files"):
            return self._upload(request)
        rest = parts[3:]  # after /drive/v3
        if rest == ["files"] and request.method == "GET":
            return self._list_files(request)
        if rest == ["files"] and request.method == "POST":  # metadata only (a folder)
            meta = request.json()
            fid = self.add_file(meta.get("name", "Untitled"), meta.get("mimeType", ""),
                                parents=meta.get("parents"))
            return Answer.of(200, self._resource(fid))
        if len(rest) >= 2 and rest[0] == "files":
            fid = rest[1]
            file = self._file(fid)
            if len(rest) == 2 and request.method == "GET":
                if request.query.get("alt") == "media":
                    return Answer.of(200, self.contents.get(fid, b""))
                return Answer.of(200, self._resource(fid))
            if len(rest) == 2 and request.method == "PATCH":
                meta = request.json() if request.body else {}
                file.update({k: v for k, v in meta.items() if k in ("name", "description")})
                add = [p for p in request.query.get("addParents", "").split(",") if p]
                remove = [p for p in request.query.get("removeParents", "").split(",") if p]
                if add or remove:
                    file["parents"] = [p for p in file["parents"] if p not in remove] + add
                return Answer.of(200, self._resource(fid))
            if rest[2:] == ["copy"] and request.method == "POST":
                meta = request.json() if request.body else {}
                new = self.add_file(meta.get("name") or f"Copy of {file['name']}",
                                    file["mimeType"], self.contents.get(fid, b""),
                                    parents=meta.get("parents") or file["parents"])
                if fid in self.documents:
                    self.documents[new] = dict(self.documents[fid],
                                               title=self.files[new]["name"])
                return Answer.of(200, self._resource(new))
            if rest[2:] == ["export"] and request.method == "GET":
                mime = request.query.get("mimeType")
                if not mime:
                    raise GoogleError(400, "Required parameter: mimeType", "required")
                if fid not in self.documents:
                    raise GoogleError(403, "Export only supports Docs Editors files.",
                                      "fileNotExportable")
                text = self.documents[fid]["text"]
                data = (b"%PDF-1.4 fake\n" + text.encode()) if mime == "application/pdf" \
                    else text.encode()
                return Answer.of(200, data, mime)
            if rest[2:] == ["permissions"] and request.method == "POST":
                meta = request.json()
                if meta.get("type") not in ("user", "group", "domain", "anyone") or (
                        meta.get("role") not in ("owner", "organizer", "fileOrganizer",
                                                 "writer", "commenter", "reader")):
                    raise GoogleError(400, "Invalid permission", "invalid")
                permission = {"kind": "drive#permission", "id": self.new_id("perm"), **meta}
                if meta["type"] == "anyone":
                    permission["id"] = "anyoneWithLink"
                self.permissions.setdefault(fid, []).append(permission)
                return Answer.of(200, permission)
        raise GoogleError(404, f"no such path {path}")

    def _resource(self, fid: str) -> dict[str, Any]:
        file = dict(self.files[fid])
        file.setdefault("kind", "drive#file")
        file["webViewLink"] = f"https://docs.google.com/file/d/{fid}/view"
        if not file["mimeType"].startswith("application/vnd.google-apps."):
            file["webContentLink"] = f"https://drive.google.com/uc?id={fid}&export=download"
        file["size"] = str(len(self.contents.get(fid, b"")))
        return file

    def _list_files(self, request: Recorded) -> Answer:
        q = request.query.get("q", "")
        items = list(self.files.values())
        for mime in re.findall(r"mimeType\s*=\s*'([^']+)'", q):
            items = [f for f in items if f["mimeType"] == mime]
        for mime in re.findall(r"mimeType\s*!=\s*'([^']+)'", q):
            items = [f for f in items if f["mimeType"] != mime]
        for parent in re.findall(r"'([^']+)'\s+in\s+parents", q):
            items = [f for f in items if parent in f["parents"]]
        for when in re.findall(r"(?:createdTime|modifiedTime)\s*>\s*'([^']+)'", q):
            items = [f for f in items if f.get("modifiedTime", "") > when]
        order = request.query.get("orderBy", "")
        if "modifiedTime" in order or "createdTime" in order:
            key = "modifiedTime" if "modifiedTime" in order else "createdTime"
            items.sort(key=lambda f: f.get(key, ""), reverse="desc" in order)
        start = int(request.query.get("pageToken") or 0)
        size = min(int(request.query.get("pageSize") or 100), self.page_size)
        page = items[start:start + size]
        body: dict[str, Any] = {"kind": "drive#fileList",
                                "files": [self._resource(f["id"]) for f in page]}
        if start + size < len(items):
            body["nextPageToken"] = str(start + size)
        return Answer.of(200, body)

    def _upload(self, request: Recorded) -> Answer:
        if request.query.get("uploadType") != "multipart":
            raise GoogleError(400, "Unsupported upload type", "badRequest")
        ctype = request.headers.get("content-type", "")
        match = re.search(r'boundary="?([^";]+)"?', ctype)
        if not ctype.startswith("multipart/related") or match is None:
            raise GoogleError(400, "Bad content type: multipart/related expected", "badContent")
        boundary = match.group(1).encode()
        chunks = [c for c in request.body.split(b"--" + boundary)
                  if c.strip() not in (b"", b"--")]
        if len(chunks) != 2:
            raise GoogleError(400, "Multipart upload needs metadata and media", "badContent")
        parts = []
        for chunk in chunks:
            head, _, data = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
            parts.append((head.decode().lower(), data[:-2] if data.endswith(b"\r\n") else data))
        if "application/json" not in parts[0][0]:
            raise GoogleError(400, "The metadata part must be JSON", "badContent")
        meta = json.loads(parts[0][1])
        media_type = re.search(r"content-type:\s*([^\r\n]+)", parts[1][0])
        mime = meta.get("mimeType") or (media_type.group(1).strip() if media_type else
                                        "application/octet-stream")
        fid = self.add_file(meta.get("name", "Untitled"), mime, parts[1][1],
                            parents=meta.get("parents"))
        if mime == DOCUMENT_MIME:  # converted on import: its text, without the markup
            text = re.sub(r"<br\s*/?>", "\n", parts[1][1].decode("utf-8", "replace"))
            self.documents[fid] = {"title": meta.get("name", "Untitled"),
                                   "text": re.sub(r"<[^>]+>", "", text)}
        return Answer.of(200, self._resource(fid))

    # --- Gmail v1 ---------------------------------------------------------------------------

    def _message(self, mid: str) -> Message:
        found = self.messages.get(mid)
        if found is None:
            raise GoogleError(404, "Requested entity was not found.", "notFound")
        return found

    def _gmail(self, request: Recorded, rest: str) -> Answer:
        parts = rest.split("/")
        if parts == ["messages", "send"] and request.method == "POST":
            data = request.json()
            raw = data.get("raw")
            if not isinstance(raw, str) or "+" in raw or "/" in raw:
                raise GoogleError(400, "Invalid value for ByteString: raw (base64url expected)")
            decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
            if not email.message_from_bytes(decoded).get("To"):
                raise GoogleError(400, "Invalid To header", "invalidArgument")
            mid = self.add_message(decoded, ["SENT"])
            message = self.messages[mid]
            if data.get("threadId"):
                message.thread_id = str(data["threadId"])
            return Answer.of(200, {"id": mid, "threadId": message.thread_id,
                                   "labelIds": ["SENT"]})
        if parts == ["messages"] and request.method == "GET":
            return self._list_messages(request)
        if parts == ["messages", "batchModify"] and request.method == "POST":
            data = request.json()
            for mid in data.get("ids") or []:
                message = self._message(mid)
                message.labels = [lb for lb in message.labels
                                  if lb not in (data.get("removeLabelIds") or [])]
                message.labels += [lb for lb in data.get("addLabelIds") or []
                                   if lb not in message.labels]
            return Answer(204, b"")
        if len(parts) == 2 and parts[0] == "messages" and request.method == "GET":
            return Answer.of(200, self.message_resource(parts[1],
                                                        request.query.get("format", "full")))
        if len(parts) == 4 and parts[0] == "messages" and parts[2] == "attachments":
            self._message(parts[1])
            data = self._attachment_data(parts[1], parts[3])
            return Answer.of(200, {"size": len(data),
                                   "data": base64.urlsafe_b64encode(data).decode()})
        if len(parts) == 2 and parts[0] == "threads":
            found = [m for m in self.messages.values() if m.thread_id == parts[1]]
            if not found:
                raise GoogleError(404, "Requested entity was not found.", "notFound")
            fmt = request.query.get("format", "full")
            return Answer.of(200, {"id": parts[1], "messages": [
                self.message_resource(m.id, fmt) for m in found]})
        if parts == ["labels"]:
            return Answer.of(200, {"labels": [{"id": "INBOX", "name": "INBOX", "type": "system"},
                                              {"id": "Label_1", "name": "Invoices",
                                               "type": "user"}]})
        raise GoogleError(404, f"no such path {rest}")

    def _list_messages(self, request: Recorded) -> Answer:
        q = request.query.get("q", "")
        labels = [v for k, v in parse_qsl(request.query_string) if k == "labelIds"]
        found = sorted(self.messages.values(), key=lambda m: m.internal_date, reverse=True)
        found = [m for m in found if all(lb in m.labels for lb in labels)]
        for term in q.split():
            if term == "is:unread":
                found = [m for m in found if "UNREAD" in m.labels]
            elif term == "is:read":
                found = [m for m in found if "UNREAD" not in m.labels]
            elif term == "has:attachment":
                found = [m for m in found if email.message_from_bytes(
                    m.raw, policy=email.policy.default).is_multipart() and any(
                    p.get_filename() for p in email.message_from_bytes(
                        m.raw, policy=email.policy.default).walk())]
            elif term.startswith("after:"):
                found = [m for m in found if m.internal_date // 1000 > int(term[6:])]
            elif term.startswith("subject:"):
                word = term[8:].strip("()").lower()
                found = [m for m in found if word in str(email.message_from_bytes(
                    m.raw, policy=email.policy.default)["Subject"] or "").lower()]
        limit = int(request.query.get("maxResults") or 100)
        page = found[:limit]
        body: dict[str, Any] = {"resultSizeEstimate": len(page)}
        if page:
            body["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        return Answer.of(200, body)

    def _attachment_data(self, mid: str, aid: str) -> bytes:
        parsed = email.message_from_bytes(self.messages[mid].raw, policy=email.policy.default)
        for number, part in enumerate(parsed.walk()):
            if f"att{number}" == aid:
                payload = part.get_payload(decode=True)
                return payload if isinstance(payload, bytes) else b""
        raise GoogleError(404, "Requested entity was not found.", "notFound")

    def message_resource(self, mid: str, fmt: str = "full") -> dict[str, Any]:
        message = self._message(mid)
        parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
        resource: dict[str, Any] = {
            "id": mid, "threadId": message.thread_id, "labelIds": list(message.labels),
            "snippet": "", "sizeEstimate": len(message.raw), "historyId": "1234",
            "internalDate": str(message.internal_date)}
        if fmt == "raw":
            resource["raw"] = base64.urlsafe_b64encode(message.raw).decode()
            return resource
        counter = iter(range(10_000))

        def part(node: Any, part_id: str) -> dict[str, Any]:
            number = next(counter)
            headers = [{"name": k, "value": str(v)} for k, v in node.items()]
            out: dict[str, Any] = {"partId": part_id, "mimeType": node.get_content_type(),
                                   "filename": node.get_filename() or "", "headers": headers}
            if node.is_multipart():
                out["body"] = {"size": 0}
                out["parts"] = [part(child, f"{part_id}.{i}".lstrip("."))
                                for i, child in enumerate(node.iter_parts())]
            else:
                data = node.get_payload(decode=True) or b""
                if node.get_filename():
                    out["body"] = {"size": len(data), "attachmentId": f"att{number}"}
                else:
                    out["body"] = {"size": len(data),
                                   "data": base64.urlsafe_b64encode(data).decode()}
                    if node.get_content_type() == "text/plain" and not resource["snippet"]:
                        resource["snippet"] = data.decode("utf-8", "replace")[:100].strip()
            return out

        payload = part(parsed, "")
        if fmt == "metadata":
            payload = {"mimeType": payload["mimeType"], "headers": payload["headers"]}
        if fmt != "minimal":
            resource["payload"] = payload
        return resource

    def _batch(self, request: Recorded) -> Answer:
        """Google's batch endpoint: a multipart/mixed of application/http requests, each
        answered in a multipart/mixed part with its Content-ID as `response-<id>`."""
        match = re.search(r'boundary="?([^";]+)"?', request.headers.get("content-type", ""))
        if not request.headers.get("content-type", "").startswith("multipart/mixed") or (
                match is None):
            raise GoogleError(400, "Batch requests must be multipart/mixed")
        out = []
        for chunk in request.body.decode().split("--" + match.group(1)):
            if "application/http" not in chunk:
                continue
            content_id = re.search(r"Content-ID:\s*<([^>]+)>", chunk, re.I)
            _, _, inner = chunk.replace("\r\n", "\n").partition("\n\n")
            method, target = inner.strip().splitlines()[0].split()[:2]
            path, _, query = target.partition("?")
            inner_request = Recorded(method, path, dict(request.headers), b"", query,
                                     dict(parse_qsl(query)))
            answer = self.handle(inner_request)
            reason = "OK" if answer.status < 400 else "Error"
            out.append(f"--batch_fake\r\nContent-Type: application/http\r\n"
                       f"Content-ID: <response-{content_id.group(1) if content_id else ''}>"
                       f"\r\n\r\nHTTP/1.1 {answer.status} {reason}\r\n"
                       f"Content-Type: {answer.content_type}\r\n\r\n"
                       f"{answer.body.decode()}\r\n")
        if not out:
            raise GoogleError(400, "Empty batch")
        body = "".join(out) + "--batch_fake--\r\n"
        return Answer(200, body.encode(), "multipart/mixed; boundary=batch_fake")

    # --- Docs v1 ----------------------------------------------------------------------------

    def _docs(self, request: Recorded, rest: str) -> Answer:
        if rest == "" and request.method == "POST":
            title = request.json().get("title") or "Untitled document"
            did = self.add_document(title, "")
            return Answer.of(200, {"documentId": did, "title": title})
        did, _, action = rest.lstrip("/").partition(":")
        document = self.documents.get(did)
        if document is None:
            raise GoogleError(404, "Requested entity was not found.")
        if action == "batchUpdate" and request.method == "POST":
            requests = request.json().get("requests")
            if not isinstance(requests, list) or not requests:
                raise GoogleError(400, "Must specify at least one request.")
            replies: list[dict[str, Any]] = []
            for item in requests:
                if "replaceAllText" in item:
                    spec = item["replaceAllText"]
                    needle = spec["containsText"]["text"]
                    count = document["text"].count(needle)
                    document["text"] = document["text"].replace(needle, spec["replaceText"])
                    replies.append({"replaceAllText": {"occurrencesChanged": count}})
                elif "replaceImage" in item:
                    document.setdefault("images", {})[item["replaceImage"]["imageObjectId"]] = (
                        item["replaceImage"]["uri"])
                    replies.append({})
                else:
                    raise GoogleError(400, f"Unsupported request {sorted(item)}")
            return Answer.of(200, {"documentId": did, "replies": replies})
        if not action and request.method == "GET":
            return Answer.of(200, {"documentId": did, "title": document["title"],
                                   "body": {"content": [{"paragraph": {"elements": [
                                       {"textRun": {"content": document["text"]}}]}}]}})
        raise GoogleError(404, f"no such path {rest}")


@contextmanager
def serve_fake_google(fake: FakeGoogle | None = None) -> Iterator[FakeGoogle]:
    fake = fake or FakeGoogle()
    with serve(fake.handle) as port:
        fake.port = port
        yield fake


@pytest.fixture
def fake_google() -> Iterator[FakeGoogle]:
    with serve_fake_google() as fake:
        yield fake


