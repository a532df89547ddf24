"""A local fake of Airtable's Web API (api.airtable.com/v0) and OAuth server (airtable.com/
oauth2/v1), on 127.0.0.1, for the Airtable connector's tests.

Written from Airtable's public API reference (airtable.com/developers/web/api: create, update,
get and list records, `POST .../listRecords`, the meta API's bases, base schema and whoami,
the OAuth reference and its example app Airtable/oauth-example) and client libraries
(pyairtable, airtable.js):
- `Authorization: Bearer <personal access token or OAuth access token>`; 401
  AUTHENTICATION_REQUIRED without a valid one.
- A record is `{id: "rec…", createdTime, fields}`; empty fields are left out of answers;
  `fields` keys may be field names or field IDs when writing; answers name fields unless
  `returnFieldsByFieldId`. `typecast` converts text to numbers and creates select options;
  without it a wrong value is 422 INVALID_VALUE_FOR_COLUMN / INVALID_MULTIPLE_CHOICE_OPTIONS,
  an unknown field 422 UNKNOWN_FIELD_NAME, an unknown record 404 NOT_FOUND.
- Computed fields (read only): created and last modified time, auto number, and lookups
  (`multipleLookupValues`: the values of `options.fieldIdInLinkedTable` in the records the
  link field `options.recordLinkFieldId` points at, one array for all of them).
- Lists are paged by an opaque `offset` (pageSize at most 100), sorted by `sort`, filtered by
  `filterByFormula` (tests.support.airtable_formula) and `view`, cut by `maxRecords`.
- OAuth: authorization code with PKCE (S256); the token request is form-encoded, with
  `Authorization: Basic base64(client_id:client_secret)` when the integration has a secret;
  access tokens last `expires_in` seconds (3600); refresh tokens are single use (a refresh
  answers a new one).
- Rate limit: 429 with `{"errors": [{"error": "RATE_LIMIT_REACHED", ...}]}` (modelled from
  Airtable's "Managing API call limits" article: 5 requests per second per base, wait 30 s).

Modelled, not confirmed: the exact error `type`s and messages beyond those named above, the
429 body, the offset format, which views hide which records (a view here is a predicate).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import pytest

from tests.support.airtable_formula import FormulaError, matches, text_of
from tests.support.http_stub import Answer, Recorded, consent_in_browser, served

DEFAULT_TOKEN = "patQ3fz1VrZL8MhXa.0123456789abcdef"
COMPUTED = {"createdTime", "lastModifiedTime", "autoNumber", "formula", "rollup", "count",
            "multipleLookupValues"}


class AirtableError(Exception):
    def __init__(self, status: int, kind: str, message: str = "") -> None:
        super().__init__(message or kind)
        self.status, self.kind, self.message = status, kind, message

    def body(self) -> Any:
        if self.status == 429:
            return {"errors": [{"error": "RATE_LIMIT_REACHED", "message": self.message}]}
        if self.status == 404 and not self.message:
            return {"error": self.kind}
        return {"error": {"type": self.kind, "message": self.message}}


@dataclass
class Table:
    id: str
    name: str
    fields: list[dict[str, Any]]
    views: list[dict[str, Any]] = field(default_factory=list)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # fields by field id
    view_filters: dict[str, Callable[[dict[str, Any]], bool]] = field(default_factory=dict)

    def field(self, key: str) -> dict[str, Any] | None:
        return next((f for f in self.fields if key in (f["id"], f["name"])), None)


@dataclass
class FakeAirtable:
    tokens: set[str] = field(default_factory=lambda: {DEFAULT_TOKEN})
    client_id: str = "airtable-client-7c1d"
    client_secret: str = "airtable-secret-90ab"
    user: dict[str, Any] = field(default_factory=lambda: {
        "id": "usrA1b2C3d4E5f6G7", "email": "ada@example.com"})
    expires_in: int = 3600
    port: int = 0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    bases: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    token_forms: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._codes: dict[str, dict[str, str]] = {}
        self.access_tokens: list[str] = []
        self.refresh_tokens: list[str] = []
        self._rate_limited = 0

    # -- for tests ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_base(self, base_id: str, name: str) -> None:
        self.bases[base_id] = {"id": base_id, "name": name, "permissionLevel": "create",
                               "tables": {}}

    def add_table(self, base_id: str, table_id: str, name: str, fields: list[dict[str, Any]],
                  views: list[dict[str, Any]] | None = None) -> Table:
        table = Table(table_id, name, [dict(f) for f in fields],
                      list(views or [{"id": "viwGrid0000000001", "name": "Grid view",
                                      "type": "grid"}]))
        self.bases[base_id]["tables"][table_id] = table
        return table

    def add_record(self, base_id: str, table: str, fields: dict[str, Any],
                   created: datetime | None = None) -> dict[str, Any]:
        with self._lock:
            found = self._table(base_id, table)
            record = self._new_record(found, self._values(found, fields, True), created)
            return self._out(found, record, False)

    def records(self, base_id: str, table: str) -> list[dict[str, Any]]:
        """Every record, fields by name (what a GET would answer)."""
        found = self._table(base_id, table)
        return [self._out(found, r, False) for r in found.records.values()]

    def limit_rate(self, times: int = 1) -> None:
        """Answer the next `times` API requests with 429."""
        self._rate_limited = times

    def calls(self, method: str, path_part: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == method and path_part in r.path]

    def browser(self, url: str) -> None:
        """What the user's browser does: the consent page, then the redirect with a code
        (the fake user grants access at once)."""
        def grant(query: dict[str, str]) -> str:
            code = f"code-{next(self._ids)}"
            self._codes[code] = {"challenge": query["code_challenge"],
                                 "redirect_uri": query["redirect_uri"],
                                 "method": query.get("code_challenge_method", "")}
            return code

        consent_in_browser(url, grant)

    def revoke_access(self) -> None:
        """Airtable stops accepting the current access token (its next use answers 401)."""
        self.access_tokens.clear()

    # -- serving -------------------------------------------------------------------------

    def respond(self, request: Recorded) -> Answer:
        self.requests.append(request)
        try:
            with self._lock:
                status, body = self._route(request)
        except AirtableError as exc:
            headers = {"retry-after": "30"} if exc.status == 429 else {}
            return Answer.of(exc.status, exc.body(), headers=headers)
        return Answer.of(status, body)

    def _route(self, request: Recorded) -> tuple[int, Any]:
        path = request.path
        if path == "/oauth2/v1/authorize":
            return 200, {"page": "Allow Scenarist to access your bases?"}
        if path == "/oauth2/v1/token":
            return self._token(request)
        self._authorized(request)
        if self._rate_limited:
            self._rate_limited -= 1
            raise AirtableError(429, "RATE_LIMIT_REACHED",
                                "Rate limit exceeded. Please try again later")
        parts = [p for p in path.split("/") if p][1:]  # after /v0
        query = parse_qs(request.query_string, keep_blank_values=True)
        body = json.loads(request.body) if request.body else {}
        if parts == ["meta", "whoami"]:
            return 200, dict(self.user)
        if parts == ["meta", "bases"]:
            return 200, {"bases": [{k: b[k] for k in ("id", "name", "permissionLevel")}
                                   for b in self.bases.values()]}
        if len(parts) == 4 and parts[:2] == ["meta", "bases"] and parts[3] == "tables":
            return 200, {"tables": [self._schema(t) for t in self._base(parts[2]).values()]}
        if len(parts) >= 2:
            table = self._table(parts[0], parts[1])
            rest = parts[2:]
            if request.method == "POST" and rest == ["listRecords"]:
                return 200, self._list(table, body)
            if request.method == "GET" and not rest:
                return 200, self._list(table, _list_query(query))
            if request.method == "POST" and not rest:
                return 200, self._create(table, body)
            if len(rest) == 1 and request.method == "GET":
                by_id = (query.get("returnFieldsByFieldId") or [""])[-1] == "true"
                return 200, self._out(table, self._record(table, rest[0]), by_id)
            if len(rest) == 1 and request.method in ("PATCH", "PUT"):
                return 200, self._update(table, rest[0], body, request.method == "PUT")
        raise AirtableError(404, "NOT_FOUND")

    def _authorized(self, request: Recorded) -> None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        if not header.startswith("Bearer ") or (
                token not in self.tokens and token not in self.access_tokens):
            raise AirtableError(401, "AUTHENTICATION_REQUIRED", "Authentication required")

    # -- OAuth ---------------------------------------------------------------------------

    def _token(self, request: Recorded) -> tuple[int, Any]:
        form = dict(parse_qsl(request.body.decode()))
        self.token_forms.append(form)
        expected = "Basic " + base64.b64encode(
            f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return 401, {"error": "invalid_client",
                         "error_description": "client authentication failed"}
        if form.get("grant_type") == "authorization_code":
            grant = self._codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(
                hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if grant is None or grant["challenge"] != challenge or grant["method"] != "S256" \
                    or grant["redirect_uri"] != form.get("redirect_uri") \
                    or not 43 <= len(verifier) <= 128:
                return 400, {"error": "invalid_grant",
                             "error_description": "the code or its verifier is wrong"}
        elif form.get("grant_type") == "refresh_token":
            if not self.refresh_tokens or form.get("refresh_token") != self.refresh_tokens[-1]:
                return 400, {"error": "invalid_grant",
                             "error_description": "refresh token is invalid"}
        else:
            return 400, {"error": "unsupported_grant_type"}
        serial = len(self.refresh_tokens)
        access, refresh = f"oaa{serial}.access-token-3f9e", f"oar{serial}.refresh-token-71c2"
        self.access_tokens = [access]
        self.refresh_tokens.append(refresh)
        return 200, {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
                     "scope": "data.records:read data.records:write schema.bases:read",
                     "expires_in": self.expires_in, "refresh_expires_in": 5184000}

    # -- records -------------------------------------------------------------------------

    def _base(self, base_id: str) -> dict[str, Table]:
        base = self.bases.get(base_id)
        if base is None:
            raise AirtableError(403, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
                                "Invalid permissions, or the requested model was not found.")
        tables: dict[str, Table] = base["tables"]
        return tables

    def _table(self, base_id: str, key: str) -> Table:
        for table in self._base(base_id).values():
            if key in (table.id, table.name):
                return table
        raise AirtableError(404, "TABLE_NOT_FOUND", f"Could not find table {key}")

    def _record(self, table: Table, record_id: str) -> dict[str, Any]:
        record = table.records.get(record_id)
        if record is None:
            raise AirtableError(404, "NOT_FOUND")
        return record

    @staticmethod
    def _schema(table: Table) -> dict[str, Any]:
        return {"id": table.id, "name": table.name, "primaryFieldId": table.fields[0]["id"],
                "fields": [dict(f) for f in table.fields],
                "views": [dict(v) for v in table.views]}

    def _values(self, table: Table, fields: Any, typecast: bool) -> dict[str, Any]:
        if not isinstance(fields, dict):
            raise AirtableError(422, "INVALID_REQUEST_MISSING_FIELDS",
                                "Could not find field \"fields\" in the request body")
        out = {}
        for key, value in fields.items():
            spec = table.field(key)
            if spec is None:
                raise AirtableError(422, "UNKNOWN_FIELD_NAME", f'Unknown field name: "{key}"')
            if spec["type"] in COMPUTED:
                raise AirtableError(422, "INVALID_VALUE_FOR_COLUMN",
                                    f'Field "{spec["name"]}" cannot accept a value because '
                                    "the field is computed")
            out[spec["id"]] = self._value(spec, value, typecast)
        return out

    def _value(self, spec: dict[str, Any], value: Any, typecast: bool) -> Any:
        kind, name = spec["type"], spec["name"]

        def refuse() -> AirtableError:
            return AirtableError(422, "INVALID_VALUE_FOR_COLUMN",
                                 f'Field "{name}" cannot accept the provided value')

        if value is None:
            return None
        if kind in ("number", "currency", "percent", "rating"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                if not typecast:
                    raise refuse()
                try:
                    return float(value)
                except (TypeError, ValueError):
                    raise refuse() from None
            return value
        if kind == "checkbox":
            if not isinstance(value, bool):
                raise refuse()
            return value
        if kind in ("singleSelect", "multipleSelects"):
            choices = spec.setdefault("options", {}).setdefault("choices", [])
            names = value if kind == "multipleSelects" else [value]
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise refuse()
            for option in names:
                if option not in [c["name"] for c in choices]:
                    if not typecast:
                        raise AirtableError(422, "INVALID_MULTIPLE_CHOICE_OPTIONS",
                                            f'Insufficient permissions to create new select '
                                            f'option ""{option}""')
                    choices.append({"id": f"sel{next(self._ids):014d}", "name": option})
            return value
        if kind == "multipleRecordLinks":
            if not isinstance(value, list) or not all(
                    isinstance(v, str) and v.startswith("rec") for v in value):
                raise AirtableError(422, "INVALID_RECORD_ID",
                                    f'Value is not an array of record IDs for "{name}"')
            return value
        if kind == "multipleAttachments":
            if not isinstance(value, list) or not all(
                    isinstance(v, dict) and v.get("url") for v in value):
                raise refuse()
            return [{"id": f"att{next(self._ids):014d}", "url": v["url"],
                     "filename": v.get("filename") or v["url"].rsplit("/", 1)[-1]}
                    for v in value]
        if kind in ("date", "dateTime"):
            if not isinstance(value, str):
                raise refuse()
            return value
        if not isinstance(value, str):
            if not typecast and not isinstance(value, (int, float)):
                raise refuse()
            return text_of(value)
        return value

    def _new_record(self, table: Table, values: dict[str, Any],
                    created: datetime | None = None) -> dict[str, Any]:
        when = (created or self.clock()).astimezone(UTC)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
        kept = {k: v for k, v in values.items() if v not in (None, "", [])}
        record = {"id": f"rec{next(self._ids):014d}", "createdTime": stamp, "modified": when,
                  "fields": kept, "number": len(table.records) + 1}
        table.records[record["id"]] = record
        return record

    def _out(self, table: Table, record: dict[str, Any], by_id: bool,
             only: list[str] | None = None) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for spec in table.fields:
            value = record["fields"].get(spec["id"])
            if spec["type"] == "createdTime":
                value = record["createdTime"]
            elif spec["type"] == "lastModifiedTime":
                value = record["modified"].strftime("%Y-%m-%dT%H:%M:%S.000Z")
            elif spec["type"] == "autoNumber":
                value = record["number"]
            elif spec["type"] == "multipleLookupValues":
                value = self._looked_up(table, record, spec)
            if value in (None, "", [], False):
                continue
            if only and spec["name"] not in only and spec["id"] not in only:
                continue
            fields[spec["id"] if by_id else spec["name"]] = value
        return {"id": record["id"], "createdTime": record["createdTime"], "fields": fields}

    def _looked_up(self, table: Table, record: dict[str, Any],
                   spec: dict[str, Any]) -> list[Any]:
        """A lookup: the values of `fieldIdInLinkedTable` in the records its link field
        (`recordLinkFieldId`, a multipleRecordLinks field with `linkedTableId`) points at."""
        options = spec.get("options") or {}
        link = table.field(str(options.get("recordLinkFieldId")))
        linked_id = ((link or {}).get("options") or {}).get("linkedTableId")
        linked = next((t for base in self.bases.values() for t in base["tables"].values()
                       if t.id == linked_id), None)
        if link is None or linked is None:
            return []
        values: list[Any] = []
        for record_id in record["fields"].get(link["id"]) or []:
            found = linked.records.get(record_id)
            value = found["fields"].get(options.get("fieldIdInLinkedTable")) if found else None
            if isinstance(value, list):
                values.extend(value)
            elif value not in (None, ""):
                values.append(value)
        return values

    def _create(self, table: Table, body: dict[str, Any]) -> Any:
        typecast = bool(body.get("typecast"))
        by_id = bool(body.get("returnFieldsByFieldId"))
        if "records" in body:
            made = [self._new_record(table, self._values(table, r.get("fields"), typecast))
                    for r in body["records"]]
            return {"records": [self._out(table, r, by_id) for r in made]}
        record = self._new_record(table, self._values(table, body.get("fields"), typecast))
        return self._out(table, record, by_id)

    def _update(self, table: Table, record_id: str, body: dict[str, Any],
                replace: bool) -> Any:
        record = self._record(table, record_id)
        values = self._values(table, body.get("fields"), bool(body.get("typecast")))
        if replace:
            record["fields"] = {}
        for key, value in values.items():
            if value in (None, "", []):
                record["fields"].pop(key, None)
            else:
                record["fields"][key] = value
        record["modified"] = self.clock()
        return self._out(table, record, bool(body.get("returnFieldsByFieldId")))

    def _list(self, table: Table, options: dict[str, Any]) -> Any:
        records = list(table.records.values())
        view = options.get("view")
        if view:
            known = {v["id"]: v["name"] for v in table.views}
            if view not in known and view not in known.values():
                raise AirtableError(422, "VIEW_NAME_NOT_FOUND", f'Could not find view "{view}"')
            key = view if view in known else next(i for i, n in known.items() if n == view)
            keep = table.view_filters.get(key)
            if keep is not None:
                records = [r for r in records if keep(self._out(table, r, False)["fields"])]
        formula = options.get("filterByFormula")
        if formula:
            def reader(record: dict[str, Any]) -> Callable[[str], Any]:
                named = self._out(table, record, False)["fields"]

                def read(name: str) -> Any:
                    if table.field(name) is None:
                        raise FormulaError(f"Unknown field names: {name.lower()}")
                    return named.get(name, "")

                return read
            try:
                records = [r for r in records if matches(formula, reader(r), r["id"])]
            except FormulaError as exc:
                raise AirtableError(422, "INVALID_FILTER_BY_FORMULA",
                                    f"The formula for filtering records is invalid: {exc}"
                                    ) from None
        for sort in reversed(options.get("sort") or []):
            spec = table.field(sort.get("field", ""))
            if spec is None:
                raise AirtableError(422, "UNKNOWN_FIELD_NAME",
                                    f'Unknown field name: "{sort.get("field")}"')
            records.sort(key=lambda r, s=spec: _sort_key(self._out(table, r, True)["fields"]
                                                         .get(s["id"])),
                         reverse=sort.get("direction") == "desc")
        if options.get("maxRecords"):
            records = records[: int(options["maxRecords"])]
        page_size = min(100, int(options.get("pageSize") or 100))
        start = int(str(options.get("offset") or "itr0/").split("/")[0][3:] or 0)
        page = records[start : start + page_size]
        fields = options.get("fields") or None
        out: dict[str, Any] = {"records": [
            self._out(table, r, bool(options.get("returnFieldsByFieldId")), fields)
            for r in page]}
        if start + page_size < len(records):
            out["offset"] = f"itr{start + page_size}/{page[-1]['id']}"
        return out


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, text_of(value))


def _list_query(query: dict[str, list[str]]) -> dict[str, Any]:
    """GET list parameters (`sort[0][field]=…`, `fields[]=…`) as the POST body has them."""
    options: dict[str, Any] = {k: v[-1] for k, v in query.items() if "[" not in k}
    options["fields"] = query.get("fields[]") or None
    sorts: dict[int, dict[str, str]] = {}
    for key, values in query.items():
        if key.startswith("sort["):
            index, name = key[5:].split("][")
            sorts.setdefault(int(index), {})[name.rstrip("]")] = values[-1]
    options["sort"] = [sorts[i] for i in sorted(sorts)]
    return options


@contextmanager
def serve_fake_airtable(fake: FakeAirtable | None = None) -> Iterator[FakeAirtable]:
    with served(fake or FakeAirtable()) as served_fake:
        yield served_fake


@pytest.fixture
def fake_airtable() -> Iterator[FakeAirtable]:
    with serve_fake_airtable() as fake:
        yield fake


def crm(fake: FakeAirtable) -> FakeAirtable:
    """A base like the corpus' lead-review scenarios: Leads (with a Created At field) and
    Companies, linked."""
    fake.add_base("appCRM0000000001", "CRM")
    fake.add_table("appCRM0000000001", "tblCompanies00001", "Companies", [
        {"id": "fldCoName00000001", "name": "Name", "type": "singleLineText"},
        {"id": "fldCoDomain000001", "name": "Domain", "type": "singleLineText"},
    ])
    fake.add_table("appCRM0000000001", "tblLeads000000001", "Leads", [
        {"id": "fldFullName000001", "name": "Full Name", "type": "singleLineText"},
        {"id": "fldEmail000000001", "name": "Email", "type": "email"},
        {"id": "fldScore000000001", "name": "Score", "type": "number",
         "options": {"precision": 0}},
        {"id": "fldStatus00000001", "name": "Lead Status", "type": "singleSelect",
         "options": {"choices": [{"id": "selNew", "name": "New"},
                                 {"id": "selPending", "name": "Pending Review"}]}},
        {"id": "fldNotes000000001", "name": "Notes", "type": "multilineText"},
        {"id": "fldCompany0000001", "name": "Company", "type": "multipleRecordLinks",
         "options": {"linkedTableId": "tblCompanies00001"}},
        {"id": "fldContacted00001", "name": "Contacted", "type": "checkbox"},
        {"id": "fldCreatedAt00001", "name": "Created At", "type": "createdTime"},
    ], views=[{"id": "viwAll0000000001", "name": "All leads", "type": "grid"},
              {"id": "viwNew0000000001", "name": "New leads", "type": "grid"}])
    fake.bases["appCRM0000000001"]["tables"]["tblLeads000000001"].view_filters[
        "viwNew0000000001"] = lambda fields: fields.get("Lead Status") == "New"
    return fake


