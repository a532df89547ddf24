"""A local fake of Microsoft Graph's Excel workbook API and the Microsoft identity platform
(OAuth 2.0 v2.0 endpoints) for the Microsoft Excel connector's tests: real HTTP on 127.0.0.1.

Written from learn.microsoft.com (Graph v1.0 "Working with Excel in Microsoft Graph", the
workbook, worksheet, range, table, tableRow and workbookRangeView resources; "OAuth 2.0
authorization code flow" of the identity platform): requests carry `Authorization: Bearer`;
`GET .../worksheets/{name}/usedRange(valuesOnly=true)` answers a range (`address`,
`rowIndex` 0-based, `rowCount`, `values`); `PATCH .../range(address='A5:Z5')` with `values`,
`formulas` or `formulasLocal` writes the cells (a null leaves a cell as it is);
`.../visibleView/rows` lists row views (`index`, `cellAddresses`, `values`);
`POST .../tables/{name}/rows` adds `{"values": [[...]]}` (as many cells as the table has
columns, else 400 InvalidArgument); `GET .../tables/{name}/rows` pages with `$top`/`$skip`.
Errors are `{"error": {"code", "message"}}`; an expired token is 401
InvalidAuthenticationToken; throttling is 429 TooManyRequests with Retry-After. The
authorize endpoint takes client_id, response_type=code, redirect_uri, scope, state and the PKCE
challenge; /token exchanges the code (with code_verifier) or a refresh token (rotated) for
`access_token`, `refresh_token`, `expires_in`.

Modelled, not confirmed: that usedRange of an empty sheet is A1 (rowCount 1), and formula
evaluation (a formula is stored as its text, and `values` keeps it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

import pytest

from tests.support.http_stub import Answer, Recorded, consent_in_browser, serve


class GraphError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _column(index: int) -> str:
    return chr(ord("A") + index)


@dataclass
class Table:
    name: str
    sheet: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class FakeGraph:
    port: int = 0
    client_id: str = "6731de76-14a6-49ae-97bc-6eba6914391e"
    client_secret: str = "azure-client-secret~7Q8"
    workbook_id: str = "01BYE5RZ6QN3ZWBTUFOFD3GSPGOHDJD36K"
    workbook_name: str = "Orders.xlsx"
    sheets: dict[str, list[list[Any]]] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    authorizations: list[dict[str, str]] = field(default_factory=list)
    token_forms: list[dict[str, str]] = field(default_factory=list)
    access: list[str] = field(default_factory=list)
    throttle: int | None = None

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._codes: dict[str, dict[str, str]] = {}
        self._refresh: set[str] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graph(self) -> str:
        """The base URL override: what stands for https://graph.microsoft.com/v1.0."""
        return f"{self.url}/v1.0"

    def issue(self) -> str:
        token = f"eyJ0eXAiOiJKV1Qi.fake-graph-access-{len(self.access)}"
        self.access.append(token)
        return token

    def revoke_all(self) -> None:
        """Every access token expires (the refresh token still works)."""
        self.access.append("-expired-")

    # -- for tests ---------------------------------------------------------------------

    def add_sheet(self, name: str, rows: list[list[Any]]) -> None:
        self.sheets[name] = [list(r) for r in rows]

    def add_table(self, name: str, sheet: str, columns: list[str]) -> Table:
        self.tables[name] = Table(name, sheet, columns)
        return self.tables[name]

    def browser(self, url: str) -> None:
        def grant(query: dict[str, str]) -> str:
            code = f"M.C5{len(self._codes)}_BAY.2.U"
            self._codes[code] = query
            return code

        consent_in_browser(url, grant)

    # -- the API -----------------------------------------------------------------------

    def respond(self, request: Recorded) -> Answer:
        with self._lock:
            self.requests.append(request)
            path = unquote(request.path)
            try:
                if "/oauth2/v2.0/" in path:
                    return self._oauth(request, path)
                if self.throttle is not None:
                    return Answer.of(429, {"error": {"code": "TooManyRequests",
                                                     "message": "Too many requests"}},
                                     headers={"Retry-After": str(self.throttle)})
                bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
                if not self.access or bearer != self.access[-1]:
                    raise GraphError(401, "InvalidAuthenticationToken",
                                     "Access token has expired or is not yet valid.")
                body = json.loads(request.body) if request.body else {}
                return Answer.of(200, self._graph(request.method, path, request.query, body))
            except GraphError as exc:
                return Answer.of(exc.status, {"error": {"code": exc.code,
                                                        "message": exc.message}})

    def _oauth(self, request: Recorded, path: str) -> Answer:
        if path.endswith("/authorize"):
            self.authorizations.append(dict(request.query))
            return Answer(200, b"<p>Sign in to your account</p>", "text/html")
        form = dict(parse_qsl(request.body.decode()))
        self.token_forms.append(form)

        def refused(error: str, description: str) -> Answer:
            return Answer.of(400, {"error": error, "error_description": description})

        if form.get("client_id") != self.client_id or form.get(
                "client_secret") != self.client_secret:
            return refused("invalid_client", "AADSTS7000215: Invalid client secret provided.")
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self._refresh:
                return refused("invalid_grant", "AADSTS70000: The refresh token is invalid.")
            self._refresh.discard(form["refresh_token"])
        else:
            asked = self._codes.pop(form.get("code", ""), None)
            if asked is None or asked.get("redirect_uri") != form.get("redirect_uri"):
                return refused("invalid_grant", "AADSTS70000: The code is invalid.")
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != asked.get(
                    "code_challenge"):
                return refused("invalid_grant", "AADSTS501481: The Code_Verifier does not "
                                                "match the code_challenge.")
        refresh = f"M.R3_BAY.refresh-{len(self.token_forms)}"
        self._refresh.add(refresh)
        return Answer.of(200, {"token_type": "Bearer", "scope": form.get("scope", ""),
                               "expires_in": 3600, "ext_expires_in": 3600,
                               "access_token": self.issue(), "refresh_token": refresh})

    def _graph(self, method: str, path: str, query: dict[str, str], body: Any) -> Any:
        if path == "/v1.0/me":
            return {"id": "48d31887-5fad-4d73-a9f5-3c356e68a038", "displayName": "Ada",
                    "userPrincipalName": "ada@contoso.onmicrosoft.com"}
        if path.startswith("/v1.0/me/drive/root/search("):
            return {"value": [{"id": self.workbook_id, "name": self.workbook_name},
                              {"id": "01OTHER", "name": "notes.docx"}]}
        prefix = f"/v1.0/me/drive/items/{self.workbook_id}/workbook"
        if not path.startswith(prefix):
            raise GraphError(404, "itemNotFound", "The resource could not be found.")
        rest = path[len(prefix):]
        if rest == "/worksheets":
            return {"value": [{"id": f"{{{i}}}", "name": n, "position": i, "visibility":
                               "Visible"} for i, n in enumerate(self.sheets)]}
        if rest == "/tables":
            return {"value": [{"id": str(i), "name": t.name} for i, t in
                              enumerate(self.tables.values())]}
        found = re.fullmatch(r"/worksheets/([^/]+)/(.+)", rest)
        if found:
            return self._sheet(method, found.group(1), found.group(2), body)
        found = re.fullmatch(r"/tables/([^/]+)/(columns|rows)", rest)
        if found:
            return self._table(method, found.group(1), found.group(2), query, body)
        raise GraphError(400, "BadRequest", f"Unsupported segment: {rest}")

    def _rows(self, name: str) -> list[list[Any]]:
        if name not in self.sheets:
            raise GraphError(404, "ItemNotFound",
                             "The requested resource doesn't exist.")
        return self.sheets[name]

    def _range(self, sheet: str, first: int, count: int) -> dict[str, Any]:
        rows = self._rows(sheet)
        width = max([len(r) for r in rows] + [1])
        values = [(rows[i] + [""] * width)[:width] if i < len(rows) else [""] * width
                  for i in range(first, first + count)]
        return {"address": f"{sheet}!A{first + 1}:{_column(width - 1)}{first + count}",
                "rowIndex": first, "columnIndex": 0, "rowCount": count,
                "columnCount": width, "values": values}

    def _sheet(self, method: str, sheet: str, what: str, body: Any) -> Any:
        rows = self._rows(sheet)
        if what == "usedRange(valuesOnly=true)":
            return self._range(sheet, 0, max(1, len(rows)))
        if what == "usedRange(valuesOnly=true)/visibleView/rows":
            used = self._range(sheet, 0, len(rows)) if rows else {"values": []}
            return {"value": [{"index": i, "rowCount": 1, "values": [values],
                               "cellAddresses": [[f"{sheet}!{_column(c)}{i + 1}"
                                                  for c in range(len(values))]]}
                              for i, values in enumerate(used["values"])]}
        found = re.fullmatch(r"range\(address='([A-Z])(\d+):([A-Z])(\d+)'\)", what)
        if not found or method != "PATCH":
            raise GraphError(400, "InvalidArgument", "The argument is invalid or missing or "
                                                     "has an incorrect format.")
        row_index = int(found.group(2)) - 1
        kinds = [k for k in ("values", "formulas", "formulasLocal") if k in body]
        if len(kinds) != 1 or len(body[kinds[0]]) != 1:
            raise GraphError(400, "InvalidArgument", "The argument is invalid or missing or "
                                                     "has an incorrect format.")
        cells = body[kinds[0]][0]
        if len(cells) != ord(found.group(3)) - ord(found.group(1)) + 1:
            raise GraphError(400, "InvalidArgument", "The number of rows or columns in the "
                                                     "input array doesn't match the size or "
                                                     "dimensions of the range.")
        while len(rows) <= row_index:
            rows.append([])
        row = rows[row_index]
        for i, value in enumerate(cells):
            if value is None:
                continue
            while len(row) <= i:
                row.append("")
            row[i] = value
        while row and row[-1] == "":
            row.pop()
        written = self._range(sheet, row_index, 1)
        return {**written, "address": f"{sheet}!A{row_index + 1}:Z{row_index + 1}"}

    def _table(self, method: str, name: str, what: str, query: dict[str, str],
               body: Any) -> Any:
        table = self.tables.get(name)
        if table is None:
            raise GraphError(404, "ItemNotFound", "The requested resource doesn't exist.")
        if what == "columns":
            return {"value": [{"id": str(i + 1), "name": c, "index": i}
                              for i, c in enumerate(table.columns)]}
        if method == "POST":
            values = body.get("values") if isinstance(body, dict) else None
            if not values or any(len(r) != len(table.columns) for r in values):
                raise GraphError(400, "InvalidArgument", "The argument is invalid or missing "
                                                         "or has an incorrect format.")
            for row in values:
                table.rows.append([c if c is not None else "" for c in row])
            return {"index": len(table.rows) - 1, "values": [table.rows[-1]]}
        skip, top = int(query.get("$skip", 0)), int(query.get("$top", 100))
        return {"value": [{"index": i, "values": [r]} for i, r in
                          enumerate(table.rows)][skip:skip + top]}


@contextmanager
def serve_fake_graph() -> Iterator[FakeGraph]:
    fake = FakeGraph()
    with serve(fake.respond, keep_alive=True, poll_interval=0.05, name="fake-graph") as port:
        fake.port = port
        yield fake


@pytest.fixture
def fake_graph() -> Iterator[FakeGraph]:
    with serve_fake_graph() as fake:
        yield fake
