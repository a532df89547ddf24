"""A local fake of Notion's API (api.notion.com/v1), on 127.0.0.1, for the Notion connector's
tests.

Written from Notion's API reference (developers.notion.com/reference: page, database, data
source, property object and property values, block, rich text, query a database, search,
append block children, errors and request limits, authorization and the OAuth token,
refresh and revoke endpoints) and its official client (@notionhq/client):
- `Authorization: Bearer <token>` and a `Notion-Version` header are required (400
  `missing_version` without it). With 2025-09-03 a database answers its `data_sources` and
  no properties, data sources have the schema, and `databases/{id}/query` is gone; with
  2022-06-28 databases carry their properties and are queried directly.
- Page property values are checked against the schema: the key is a property's name or ID,
  the value holds exactly the property's type (`{"rich_text": [...]}`), rich text objects hold
  at most 2000 characters, numbers are numbers, selects `{name}`, dates `{start}`; computed
  properties are refused. Blocks use `rich_text` (not the pre-2022 `text`), at most 100 per
  request. Errors are `{"object": "error", "status", "code", "message"}`.
- Answers: pages with `properties` keyed by name (rich text with `plain_text`,
  `annotations`, `href`), lists `{object: "list", results, next_cursor, has_more}`.
- OAuth (public integrations): authorize at /v1/oauth/authorize, token exchange and refresh
  at /v1/oauth/token with HTTP Basic client credentials and a JSON body, revoke at
  /v1/oauth/revoke. Modelled: refreshed tokens rotate; access tokens carry no expiry.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.http_stub import Answer, Recorded, consent_in_browser, served

DEFAULT_TOKEN = "ntn_4512345678901fakeSecretAbCdEfGhIjKlMnOpQr"
LEGACY, DATA_SOURCES = "2022-06-28", "2025-09-03"
VERSIONS = {LEGACY, DATA_SOURCES}
READ_ONLY = {"formula", "rollup", "created_time", "created_by", "last_edited_time",
             "last_edited_by", "unique_id"}
TEXT_BLOCKS = {"paragraph", "heading_1", "heading_2", "heading_3", "bulleted_list_item",
               "numbered_list_item", "toggle", "to_do", "quote", "callout"}
BOT = {"object": "user", "id": "c2f20311-9e54-4d11-8c79-7398424ae41e"}


class NotionError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return {"object": "error", "status": self.status, "code": self.code,
                "message": self.message, "request_id": str(uuid.uuid4())}


def _invalid(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


def _plain(items: list[dict[str, Any]]) -> str:
    return "".join(i.get("plain_text", "") for i in items)


def _key(value: str) -> str:
    return value.replace("-", "")


@dataclass
class Database:
    id: str
    title: str
    properties: dict[str, dict[str, Any]]  # name -> {id, type, <type>: config}
    data_source: str = ""
    pages: list[str] = field(default_factory=list)


@dataclass
class FakeNotion:
    token: str = DEFAULT_TOKEN
    client_id: str = "1f3d8a2c-notion-client"
    client_secret: str = "secret_notion_client_51e0"
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._clock = itertools.count(1)
        self.databases: dict[str, Database] = {}
        self.pages: dict[str, dict[str, Any]] = {}
        self.blocks: dict[str, list[dict[str, Any]]] = {}
        self.access_tokens: list[str] = []
        self.refresh_tokens: list[str] = []
        self.revoked: list[str] = []
        self.token_bodies: list[dict[str, Any]] = []
        self._codes: dict[str, str] = {}
        self._limited = 0

    # -- for tests ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def new_id(self) -> str:
        return str(uuid.UUID(int=next(self._ids) * 7919 + 0x1A2F0BA27C328000))

    def now(self) -> str:
        """Each call a minute later (Notion's timestamps are rounded to the minute)."""
        minute = next(self._clock)
        return f"2026-03-02T{9 + minute // 60:02d}:{minute % 60:02d}:00.000Z"

    def add_database(self, database_id: str, title: str,
                     properties: dict[str, dict[str, Any]]) -> Database:
        props = {}
        for name, prop in properties.items():
            kind = prop["type"]
            props[name] = {"id": prop.get("id", quote(name[:4])), "name": name, "type": kind,
                           kind: {k: v for k, v in prop.items() if k not in ("id", "type")}}
        database = Database(database_id, title, props, self.new_id())
        self.databases[_key(database_id)] = database
        return database

    def add_page(self, database_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Seed an item: `values` by property name, as the API's property values."""
        database = self.databases[_key(database_id)]
        with self._lock:
            return self._create({"parent": {"database_id": database.id},
                                 "properties": values}, LEGACY)

    def add_plain_page(self, title: str) -> dict[str, Any]:
        page_id = self.new_id()
        stamp = self.now()
        page = {"object": "page", "id": page_id, "created_time": stamp,
                "last_edited_time": stamp, "created_by": BOT, "last_edited_by": BOT,
                "cover": None, "icon": None, "parent": {"type": "workspace",
                                                        "workspace": True},
                "archived": False, "in_trash": False,
                "properties": {"title": {"id": "title", "type": "title",
                                         "title": self._rich([{"type": "text", "text": {
                                             "content": title}}])}},
                "url": f"https://www.notion.so/{_key(page_id)}", "public_url": None}
        self.pages[page_id] = page
        self.blocks[page_id] = []
        return page

    def limit_rate(self, times: int = 1) -> None:
        self._limited = times

    def bodies(self, method: str, path_part: str) -> list[Any]:
        return [json.loads(r.body) for r in self.requests
                if r.method == method and path_part in r.path and r.body]

    def browser(self, url: str) -> None:
        def grant(query: dict[str, str]) -> str:
            code = f"notion-code-{next(self._ids)}"
            self._codes[code] = query["redirect_uri"]
            return code

        consent_in_browser(url, grant)

    def revoke_access(self) -> None:
        self.access_tokens.clear()

    # -- serving -------------------------------------------------------------------------

    def respond(self, request: Recorded) -> Answer:
        self.requests.append(request)
        try:
            with self._lock:
                return Answer.of(200, self._route(request))
        except NotionError as exc:
            headers = {"retry-after": "2"} if exc.status == 429 else {}
            return Answer.of(exc.status, exc.body(), headers=headers)

    def _route(self, request: Recorded) -> Any:
        path, method = request.path, request.method
        if path.startswith("/v1/oauth/"):
            return self._oauth(request)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token != self.token and token not in self.access_tokens:
            raise NotionError(401, "unauthorized", "API token is invalid.")
        version = request.headers.get("notion-version")
        if version is None:
            raise NotionError(400, "missing_version", "Notion-Version header failed "
                                                      "validation: should be defined.")
        if version not in VERSIONS:
            raise _invalid(f"Notion-Version {version} is not supported by this fake")
        if self._limited:
            self._limited -= 1
            raise NotionError(429, "rate_limited", "You have been rate limited. Please try "
                                                   "again in a few minutes.")
        body = json.loads(request.body) if request.body else {}
        parts = path.strip("/").split("/")[1:]
        if parts == ["users", "me"]:
            return {**BOT, "type": "bot", "name": "Scenarist",
                    "bot": {"owner": {"type": "workspace", "workspace": True},
                            "workspace_name": "Ada's Notion"}}
        if parts[0] == "databases" and len(parts) == 2 and method == "GET":
            return self._database_out(self._database(parts[1]), version)
        if parts[0] == "databases" and parts[2:] == ["query"] and method == "POST":
            if version == DATA_SOURCES:
                raise _invalid("Databases are queried through their data sources with "
                               "Notion-Version 2025-09-03.")
            return self._query(self._database(parts[1]), body)
        if parts[0] == "data_sources" and len(parts) == 2 and method == "GET":
            if version != DATA_SOURCES:
                raise _invalid("Data sources need Notion-Version 2025-09-03.")
            database = self._source(parts[1])
            return {"object": "data_source", "id": database.data_source,
                    "properties": database.properties,
                    "parent": {"type": "database_id", "database_id": database.id},
                    "title": self._rich([{"type": "text", "text": {
                        "content": database.title}}])}
        if parts == ["pages"] and method == "POST":
            return self._create(body, version)
        if parts[0] == "pages" and len(parts) == 2:
            page = self._page(parts[1])
            if method == "GET":
                return page
            if method == "PATCH":
                return self._update(page, body)
        if parts[0] == "blocks" and parts[2:] == ["children"] and method == "PATCH":
            return self._append(parts[1], body)
        if parts == ["search"] and method == "POST":
            return self._search(body, version)
        raise NotionError(400, "invalid_request_url", "Invalid request URL.")

    # -- OAuth ---------------------------------------------------------------------------

    def _oauth(self, request: Recorded) -> Any:
        if request.path == "/v1/oauth/authorize":
            return {"page": "Allow Scenarist to access your pages?"}
        basic = "Basic " + base64.b64encode(
            f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != basic:
            raise NotionError(401, "invalid_client", "Client authentication failed.")
        body = json.loads(request.body or b"{}")
        if request.path == "/v1/oauth/revoke":
            self.revoked.append(body.get("token", ""))
            return {}
        self.token_bodies.append(body)
        if body.get("grant_type") == "authorization_code":
            if self._codes.pop(body.get("code", ""), None) != body.get("redirect_uri"):
                raise NotionError(400, "invalid_grant", "Invalid code or redirect_uri.")
        elif body.get("grant_type") == "refresh_token":
            if not self.refresh_tokens or body.get("refresh_token") != self.refresh_tokens[-1]:
                raise NotionError(400, "invalid_grant", "Token has been expired or revoked.")
        else:
            raise NotionError(400, "unsupported_grant_type", "Unsupported grant type.")
        serial = len(self.refresh_tokens)
        self.access_tokens = [f"ntn_oauth_access_{serial}_7c1d"]
        self.refresh_tokens.append(f"nrt_oauth_refresh_{serial}_90ab")
        return {"access_token": self.access_tokens[-1], "token_type": "bearer",
                "refresh_token": self.refresh_tokens[-1], "bot_id": BOT["id"],
                "workspace_name": "Ada's Notion", "workspace_icon": None,
                "workspace_id": "a8f4b1c2-0d9e-4f7a-8b6c-5d4e3f2a1b0c",
                "owner": {"type": "user", "user": {"object": "user", "id": "u-ada"}},
                "duplicated_template_id": None, "request_id": str(uuid.uuid4())}

    # -- objects -------------------------------------------------------------------------

    def _database(self, database_id: str) -> Database:
        found = self.databases.get(_key(database_id))
        if found is None:
            raise NotionError(404, "object_not_found", f"Could not find database with ID: "
                                                       f"{database_id}. Make sure the relevant "
                                                       "pages and databases are shared with "
                                                       "your integration.")
        return found

    def _source(self, source_id: str) -> Database:
        for database in self.databases.values():
            if _key(database.data_source) == _key(source_id):
                return database
        raise NotionError(404, "object_not_found", f"Could not find data_source with ID: "
                                                   f"{source_id}.")

    def _page(self, page_id: str) -> dict[str, Any]:
        for key, page in self.pages.items():
            if _key(key) == _key(page_id):
                return page
        raise NotionError(404, "object_not_found", f"Could not find page with ID: {page_id}.")

    def _database_out(self, database: Database, version: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "object": "database", "id": database.id, "created_time": "2026-01-05T10:00:00.000Z",
            "last_edited_time": "2026-03-01T10:00:00.000Z", "created_by": BOT,
            "last_edited_by": BOT, "icon": None, "cover": None,
            "title": self._rich([{"type": "text", "text": {"content": database.title}}]),
            "description": [], "is_inline": False, "archived": False, "in_trash": False,
            "parent": {"type": "page_id", "page_id": "3790f5a5-c7e6-8085-af4a-c238a8ac3280"},
            "url": f"https://www.notion.so/{_key(database.id)}", "public_url": None}
        if version == DATA_SOURCES:
            out["data_sources"] = [{"id": database.data_source, "name": database.title}]
        else:
            out["properties"] = database.properties
        return out

    @staticmethod
    def _rich(items: Any) -> list[dict[str, Any]]:
        if not isinstance(items, list):
            raise _invalid("body failed validation: rich text should be an array.")
        out = []
        for item in items:
            text = item.get("text") if isinstance(item, dict) else None
            if not isinstance(text, dict) or not isinstance(text.get("content"), str):
                raise _invalid("body failed validation: a rich text item needs text.content.")
            if len(text["content"]) > 2000:
                raise _invalid("body failed validation: body.properties.*.rich_text[0].text"
                               f".content.length should be ≤ `2000`, instead was "
                               f"`{len(text['content'])}`.")
            annotations = {"bold": False, "italic": False, "strikethrough": False,
                           "underline": False, "code": False, "color": "default",
                           **(item.get("annotations") or {})}
            link = text.get("link")
            out.append({"type": "text", "text": {"content": text["content"],
                                                 "link": link},
                        "annotations": annotations, "plain_text": text["content"],
                        "href": (link or {}).get("url")})
        return out

    def _value(self, name: str, prop: dict[str, Any], value: Any) -> dict[str, Any]:
        kind = prop["type"]
        if not isinstance(value, dict) or set(value) - {"type"} != {kind}:
            raise _invalid(f"{name} is expected to be {kind}.")
        raw = value[kind]
        if kind in READ_ONLY:
            raise _invalid(f"{name} is a {kind} property and cannot be updated.")
        if kind in ("title", "rich_text"):
            raw = self._rich(raw)
        elif kind == "number":
            if raw is not None and (isinstance(raw, bool) or not isinstance(raw, (int, float))):
                raise _invalid(f"{name} is expected to be number.")
        elif kind in ("select", "status"):
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                raise _invalid(f"{name} is expected to be {kind} with a name.")
            options = prop[kind].setdefault("options", [])
            if raw["name"] not in [o["name"] for o in options]:
                if kind == "status":
                    raise _invalid(f"Invalid status option. Status option \"{raw['name']}\" "
                                   "does not exist.")
                options.append({"id": self.new_id()[:8], "name": raw["name"],
                                "color": "default"})
            raw = next(o for o in options if o["name"] == raw["name"])
        elif kind == "multi_select":
            if not isinstance(raw, list) or not all(isinstance(o, dict) for o in raw):
                raise _invalid(f"{name} is expected to be multi_select.")
        elif kind == "date":
            if not isinstance(raw, dict) or not isinstance(raw.get("start"), str):
                raise _invalid(f"{name} is expected to be date with a start.")
            raw = {"start": raw["start"], "end": raw.get("end"),
                   "time_zone": raw.get("time_zone")}
        elif kind == "checkbox":
            if not isinstance(raw, bool):
                raise _invalid(f"{name} is expected to be checkbox.")
        elif kind in ("relation", "people"):
            if not isinstance(raw, list) or not all(isinstance(o, dict) and o.get("id")
                                                    for o in raw):
                raise _invalid(f"{name} is expected to be {kind}.")
        elif kind in ("url", "email", "phone_number"):
            if raw is not None and not isinstance(raw, str):
                raise _invalid(f"{name} is expected to be {kind}.")
        return {"id": prop["id"], "type": kind, kind: raw}

    def _properties(self, database: Database | None,
                    properties: dict[str, Any]) -> dict[str, dict[str, Any]]:
        out = {}
        for key, value in (properties or {}).items():
            if database is None:  # a page under a page: only its title
                if key != "title":
                    raise _invalid(f"{key} is not a property that exists.")
                out["title"] = {"id": "title", "type": "title",
                                "title": self._rich(value.get("title"))}
                continue
            found = next(((n, p) for n, p in database.properties.items()
                          if key in (n, p["id"])), None)
            if found is None:
                raise _invalid(f"{key} is not a property that exists.")
            out[found[0]] = self._value(found[0], found[1], value)
        return out

    def _create(self, body: dict[str, Any], version: str) -> dict[str, Any]:
        parent = body.get("parent") or {}
        database: Database | None = None
        if parent.get("database_id"):
            database = self._database(parent["database_id"])
            parent_out = {"type": "database_id", "database_id": database.id}
        elif parent.get("data_source_id"):
            if version != DATA_SOURCES:
                raise _invalid("body.parent.data_source_id should be not present (use "
                               "Notion-Version 2025-09-03).")
            database = self._source(parent["data_source_id"])
            parent_out = {"type": "data_source_id", "data_source_id": database.data_source,
                          "database_id": database.id}
        elif parent.get("page_id"):
            self._page(parent["page_id"])
            parent_out = {"type": "page_id", "page_id": parent["page_id"]}
        else:
            raise _invalid("body.parent should be defined.")
        properties = self._properties(database, body.get("properties") or {})
        if database is not None:
            for name, prop in database.properties.items():
                if name not in properties:
                    kind = prop["type"]
                    empty: Any = [] if kind in ("title", "rich_text", "multi_select",
                                                 "relation", "people", "files") else None
                    properties[name] = {"id": prop["id"], "type": kind, kind: empty}
        page_id = self.new_id()
        stamp = self.now()
        page = {"object": "page", "id": page_id, "created_time": stamp,
                "last_edited_time": stamp, "created_by": BOT, "last_edited_by": BOT,
                "cover": body.get("cover"), "icon": body.get("icon"), "parent": parent_out,
                "archived": False, "in_trash": False, "properties": properties,
                "url": f"https://www.notion.so/{_key(page_id)}", "public_url": None}
        self.pages[page_id] = page
        self.blocks[page_id] = []
        if database is not None:
            database.pages.append(page_id)
        if body.get("children"):
            self._append(page_id, {"children": body["children"]})
        return page

    def _update(self, page: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        parent = page["parent"]
        database = self._database(parent["database_id"]) if parent.get("database_id") else None
        page["properties"].update(self._properties(database, body.get("properties") or {}))
        page["last_edited_time"] = self.now()
        return page

    def _append(self, page_id: str, body: dict[str, Any]) -> dict[str, Any]:
        page = self._page(page_id)
        children = body.get("children")
        if not isinstance(children, list) or not children or len(children) > 100:
            raise _invalid("body.children.length should be ≤ `100` and ≥ `1`.")
        made = []
        for index, block in enumerate(children):
            kind = block.get("type")
            inner = block.get(kind) if kind else None
            if not isinstance(inner, dict):
                raise _invalid(f"body.children[{index}].{kind} should be defined.")
            if kind in TEXT_BLOCKS:
                if "text" in inner:
                    raise _invalid(f"body.children[{index}].{kind}.text should be not "
                                   "present, instead was defined.")
                inner = {**inner, "rich_text": self._rich(inner.get("rich_text"))}
            made.append({"object": "block", "id": self.new_id(), "type": kind,
                         "created_time": self.now(), "has_children": False, kind: inner})
        self.blocks[page["id"]].extend(made)
        return {"object": "list", "results": made, "next_cursor": None, "has_more": False}

    # -- queries -------------------------------------------------------------------------

    def _query(self, database: Database, body: dict[str, Any]) -> dict[str, Any]:
        pages = [self.pages[p] for p in database.pages]
        if body.get("filter"):
            pages = [p for p in pages if self._matches(p, body["filter"])]
        for sort in reversed(body.get("sorts") or []):
            if "timestamp" in sort:
                def key(p: dict[str, Any], s: dict[str, Any] = sort) -> Any:
                    return p[s["timestamp"]]
            else:
                def key(p: dict[str, Any], s: dict[str, Any] = sort) -> Any:
                    return _sortable(p["properties"][s["property"]])
            pages.sort(key=key, reverse=sort.get("direction") == "descending")
        return self._paged(pages, body)

    @staticmethod
    def _paged(items: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
        size = int(body.get("page_size") or 100)
        if not 1 <= size <= 100:
            raise _invalid("body.page_size should be ≤ `100`.")
        start = int(body.get("start_cursor") or 0)
        page = items[start:start + size]
        more = start + size < len(items)
        return {"object": "list", "results": page,
                "next_cursor": str(start + size) if more else None, "has_more": more,
                "type": "page_or_database", "page_or_database": {}}

    def _matches(self, page: dict[str, Any], rule: dict[str, Any]) -> bool:
        if "and" in rule:
            return all(self._matches(page, r) for r in rule["and"])
        if "or" in rule:
            return any(self._matches(page, r) for r in rule["or"])
        if "timestamp" in rule:
            stamp = rule["timestamp"]
            moment = _parse(rule[stamp]["after"])
            return _parse(page[stamp]) > moment
        prop = page["properties"].get(rule["property"])
        if prop is None:
            raise _invalid(f"Could not find property with name or id: {rule['property']}")
        kind = next(k for k in rule if k != "property")
        if kind != prop["type"]:
            raise _invalid(f"database property {prop['type']} does not match filter {kind}")
        (operation, wanted), = rule[kind].items()
        value = prop[prop["type"]]
        if kind in ("title", "rich_text"):
            value = _plain(value)
        elif kind in ("select", "status"):
            value = (value or {}).get("name", "")
        if operation == "is_empty":
            return value in (None, "", [])
        if operation == "is_not_empty":
            return value not in (None, "", [])
        if operation == "equals":
            return bool(value == wanted)
        if operation == "does_not_equal":
            return bool(value != wanted)
        if operation == "contains":
            return str(wanted) in str(value)
        if operation == "does_not_contain":
            return str(wanted) not in str(value)
        if operation == "starts_with":
            return str(value).startswith(str(wanted))
        if operation == "greater_than":
            return value is not None and value > wanted
        if operation == "less_than":
            return value is not None and value < wanted
        raise _invalid(f"filter operation {operation} is not supported by this fake")

    def _search(self, body: dict[str, Any], version: str) -> dict[str, Any]:
        wanted = (body.get("filter") or {}).get("value")
        query = str(body.get("query") or "").lower()
        items: list[dict[str, Any]] = []
        if wanted in (None, "database"):
            items += [self._database_out(d, version) for d in self.databases.values()]
        if wanted in (None, "page"):
            items += list(self.pages.values())
        if query:
            def title(item: dict[str, Any]) -> str:
                if item["object"] == "database":
                    return _plain(item["title"])
                titles = [p for p in item["properties"].values() if p["type"] == "title"]
                return _plain(titles[0]["title"]) if titles else ""
            items = [i for i in items if query in title(i).lower()]
        return self._paged(items, body)


def _parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _sortable(prop: dict[str, Any]) -> Any:
    value = prop[prop["type"]]
    if prop["type"] in ("title", "rich_text"):
        return _plain(value)
    if isinstance(value, dict):
        return value.get("name") or value.get("start") or ""
    return value if value is not None else ""


@contextmanager
def serve_fake_notion(fake: FakeNotion | None = None) -> Iterator[FakeNotion]:
    with served(fake or FakeNotion()) as served_fake:
        yield served_fake


@pytest.fixture
def fake_notion() -> Iterator[FakeNotion]:
    with serve_fake_notion() as fake:
        yield fake
