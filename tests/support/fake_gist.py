"""A local fake of Gist's REST API (https://api.getgist.com) for the Gist connector's tests.

It serves real HTTP on 127.0.0.1 (a free port, in a thread) and keeps its state in memory.
Tests get it from the `fake_gist` fixture (import it into a conftest) or `serve_fake_gist()`.

References followed (stored copies; the full developers.getgist.com page was not readable,
so what is "modelled" below is inference, flagged as such):

- developers.getgist.com/api/ (introduction, Authentication): Bearer API key in the
  Authorization header, JSON everywhere, example `GET /contacts/146179`.
- developers.getgist.com (older reference, the one Make's connector was written against): nav
  Users, Leads, Tags, Segments, Events, Campaign, Webhooks; Bearer auth.
- gistplatform/gist-api-ruby (Gist's own Ruby bindings; lib/gist/*.rb, spec/spec_helper.rb):
  the paths and methods: `POST /contacts` create-or-update, `GET /contacts/:id`,
  `GET /contacts?email=`, `GET /contacts?user_id=`, `DELETE /contacts/:id|?email=|?user_id=`,
  `GET /contacts?order=&order_by=&page=&per_page=`, `POST /contacts/batch`, `GET|POST /tags`,
  `DELETE /tags/:id`, `GET /segments?page=&per_page=&include_count=`,
  `GET /segments/:id?include_count=`, `GET /campaigns`, `GET /campaigns/:id`,
  `GET /events?event_type=all`, `POST /events` (`event_name`, `email`, `properties`,
  `occurred_at`); single resources come wrapped (`{"contact": …}`), lists plural
  (`{"contacts": […]}`); `user_id` comes back as a string.
- gistplatform/demo-app (lib/welcome.rb): `PUT /contacts/:id` updates too.
- PipedreamHQ/pipedream components/gist (gist.app.mjs, sources/new-contact/test-event.mjs):
  the contact object's fields (ids numbers, timestamps Unix seconds, `tags: [{id, name}]`,
  `segments: [{id, name, created_at, updated_at}]`, `custom_properties`), `tag_id` filter,
  `per_page=60`, `order_by=created_at&order=desc`.
- WP Fusion's Gist CRM class (class-convertfox.php): tagging is `POST /tags` with
  `{"name": …, "contacts": [{"id": …, "untag": true}]}`; `type: "lead"` on create; errors are
  `{"errors": [{…, "message": …}]}`; `GET /contacts?email=` answers `{"contact": …}`.
- Gist help centre, "Gist Webhooks" (docs.getgist.com/article/122-webhooks): webhooks are set
  up by hand in Settings > API & Webhooks (name, URL, topics); Gist has NO public webhook
  subscription API, which matches the Make seed ("Watch Events": copy the URL into Gist).
  So there is no attach/detach endpoint here; the fake keeps webhooks "configured in the UI"
  (`add_webhook`) and posts queued deliveries when a test calls `deliver_webhooks()`.
- The Make seed (shared/seeds/003_*.txt): tag names are case-sensitive through the API, a
  missing tag is created when tagging, event names turn `.` and `$` into `-`, list filters
  segment ID / tag ID / created since / status, sorting by created at / last seen at / signed
  up at / updated at, order default descending.

Modelled, not confirmed (see the report): error `code` strings, 422 for invalid input, the 429
body and Retry-After, the `pages` keys beyond `next`/`first`/`last`, `created_since` in days
(as Intercom, whose API Gist's mirrors), the `status` values, the `type` filter, segment
`count`, campaign and event fields, DELETE answering `{}`, webhook payload keys.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from tests.support.http_stub import Answer, Recorded, serve

DEFAULT_API_KEY = "test-gist-key"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 60
ORDER_BY_FIELDS = ("created_at", "last_seen_at", "signed_up_at", "updated_at")
STATUS_FILTERS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "all": lambda c: True,
    "active": lambda c: not c["unsubscribed_from_emails"],
    "subscribed": lambda c: not c["unsubscribed_from_emails"],
    "unsubscribed": lambda c: bool(c["unsubscribed_from_emails"]),
}
CONTACT_INPUT_FIELDS = (
    "name", "email", "phone", "signed_up_at", "last_seen_at", "last_seen_ip",
    "last_seen_user_agent", "unsubscribed_from_emails", "landing_url", "original_referrer",
)


class GistError(Exception):
    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"errors": [{"code": self.code, "message": self.message}]}


def _not_found(what: str) -> GistError:
    return GistError(404, "not_found", f"{what} Not Found")


def _invalid(message: str) -> GistError:
    return GistError(422, "parameter_invalid", message)


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    json: Any  # the parsed body, None when empty or not JSON
    status: int = 0  # what the fake answered


@dataclass
class Webhook:
    """A webhook as set up by hand in Gist's Settings > API & Webhooks."""

    url: str
    topics: set[str]
    name: str = "Scenarist"
    active: bool = True


@dataclass
class FakeGist:
    api_key: str = DEFAULT_API_KEY
    port: int = 0
    clock: Callable[[], int] = field(default=lambda: int(time.time()))
    max_per_page: int = MAX_PER_PAGE
    requests: list[LoggedRequest] = field(default_factory=list)
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    tags: dict[int, dict[str, Any]] = field(default_factory=dict)
    segments: dict[int, dict[str, Any]] = field(default_factory=dict)
    campaigns: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    webhooks: list[Webhook] = field(default_factory=list)
    outbox: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = {"contact": 179350, "tag": 78, "segment": 577, "campaign": 1200, "event": 9000}
        self._tagged: dict[int, list[int]] = {}  # contact id -> tag ids, in tagging order
        self._members: dict[int, Callable[[dict[str, Any]], bool]] = {}  # segment id -> test
        self._rate = {"remaining": None, "retry_after": 10}

    # -- for tests ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def limit_rate(self, remaining: int = 0, retry_after: int = 10) -> None:
        """Answer 429 once `remaining` more requests have been served, until lifted."""
        self._rate = {"remaining": remaining, "retry_after": retry_after}

    def lift_rate_limit(self) -> None:
        self._rate["remaining"] = None

    def add_contact(self, **fields: Any) -> dict[str, Any]:
        """Seed a contact without a request (no log entry, no webhook). Fields as POST
        /contacts takes them, plus `created_at`/`updated_at` to age it."""
        with self._lock:
            created_at = fields.pop("created_at", None)
            updated_at = fields.pop("updated_at", None)
            contact = self._create_contact(fields, queue=False)
            if created_at is not None:
                contact["created_at"] = created_at
            contact["updated_at"] = updated_at or contact["created_at"]
            return self._contact_out(contact)

    def add_tag(self, name: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._tag_named(name))

    def add_segment(self, name: str, members: Iterable[int] | None = None,
                    match: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
        """A segment holds the contacts with the given ids, or those `match` accepts."""
        with self._lock:
            now = self.clock()
            segment = {"id": self._next("segment"), "name": name, "created_at": now,
                       "updated_at": now}
            self.segments[segment["id"]] = segment
            ids = set(members or ())
            self._members[segment["id"]] = match or (lambda c: c["id"] in ids)
            return dict(segment)

    def add_campaign(self, name: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            now = self.clock()
            campaign = {"id": self._next("campaign"), "name": name, "status": "live",
                        "created_at": now, "updated_at": now, **fields}
            self.campaigns[campaign["id"]] = campaign
            return dict(campaign)

    def add_webhook(self, url: str, topics: Iterable[str], name: str = "Scenarist") -> Webhook:
        webhook = Webhook(url, set(topics), name)
        self.webhooks.append(webhook)
        return webhook

    def deliver_webhooks(self, timeout: float = 5.0) -> list[httpx.Response]:
        """POST every queued webhook delivery, oldest first; the outbox is emptied."""
        with self._lock:
            pending, self.outbox = self.outbox, []
        with httpx.Client(timeout=timeout) as client:
            return [client.post(url, json=payload) for url, payload in pending]

    def calls(self, method: str, path: str) -> list[LoggedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # -- HTTP --------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            data = json.loads(body) if body.strip() else None
        except ValueError:
            data = None
        logged = LoggedRequest(method, parts.path, query, headers, body, data)
        with self._lock:
            self.requests.append(logged)
            try:
                status, payload = self._dispatch(method, parts.path, query, headers, body, data)
                extra: dict[str, str] = {}
            except GistError as error:
                status, payload, extra = error.status, error.body(), error.headers
            logged.status = status
            return status, extra, payload

    def _dispatch(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                  body: bytes, data: Any) -> tuple[int, Any]:
        auth = headers.get("authorization", "")
        scheme, _, key = auth.partition(" ")
        if scheme.lower() != "bearer" or key.strip() != self.api_key:
            raise GistError(401, "unauthorized", "Access Token Invalid")
        remaining = self._rate["remaining"]
        if remaining is not None:
            if remaining <= 0:
                retry = str(self._rate["retry_after"])
                raise GistError(429, "rate_limit_exceeded", "API rate limit exceeded",
                                {"retry-after": retry})
            self._rate["remaining"] = remaining - 1
        if body.strip() and data is None:
            raise GistError(400, "bad_request", "Request body is not valid JSON")
        if method in ("POST", "PUT", "PATCH") and data is not None and not isinstance(data, dict):
            raise _invalid("Request body must be a JSON object")
        data = data or {}
        segments = [s for s in path.split("/") if s]
        route = (method, *[s if not s.isdigit() else "#" for s in segments])
        ident = next((int(s) for s in segments if s.isdigit()), None)
        handlers: dict[tuple[str, ...], Callable[[], tuple[int, Any]]] = {
            ("GET", "contacts"): lambda: self._get_contacts(query),
            ("POST", "contacts"): lambda: (200, {"contact": self._upsert(data)}),
            ("POST", "contacts", "batch"): lambda: self._batch(data),
            ("GET", "contacts", "#"): lambda: (200, {"contact": self._contact_out(
                self._contact(ident))}),
            ("PUT", "contacts", "#"): lambda: (200, {"contact": self._upsert(
                {**data, "id": ident})}),
            ("PATCH", "contacts", "#"): lambda: (200, {"contact": self._upsert(
                {**data, "id": ident})}),
            ("DELETE", "contacts", "#"): lambda: self._delete_contact(self._contact(ident)),
            ("DELETE", "contacts"): lambda: self._delete_contact(self._lookup(query)),
            ("GET", "tags"): lambda: self._list("tags", list(self.tags.values()), query),
            ("POST", "tags"): lambda: (200, {"tag": self._post_tag(data)}),
            ("DELETE", "tags", "#"): lambda: self._delete_tag(ident),
            ("GET", "segments"): lambda: self._list(
                "segments", [self._segment_out(s, query) for s in self.segments.values()],
                query),
            ("GET", "segments", "#"): lambda: (200, {"segment": self._segment_out(
                self._find(self.segments, ident, "Segment"), query)}),
            ("GET", "campaigns"): lambda: self._get_campaigns(query),
            ("GET", "campaigns", "#"): lambda: (200, {"campaign": dict(
                self._find(self.campaigns, ident, "Campaign"))}),
            ("GET", "events"): lambda: self._get_events(query),
            ("POST", "events"): lambda: (200, {"event": self._track(data)}),
        }
        handler = handlers.get(route)
        if handler is None:
            raise _not_found("Resource")
        return handler()

    # -- contacts ----------------------------------------------------------------------

    def _next(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def _contact(self, ident: int | None) -> dict[str, Any]:
        return self._find(self.contacts, ident, "Contact")

    @staticmethod
    def _find(table: dict[int, dict[str, Any]], ident: int | None, what: str) -> dict[str, Any]:
        if ident is None or ident not in table:
            raise _not_found(what)
        return table[ident]

    def _by(self, key: str, value: Any) -> dict[str, Any] | None:
        return next((c for c in self.contacts.values()
                     if value not in (None, "") and c[key] == value), None)

    def _lookup(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("email"):
            found = self._by("email", query["email"])
        elif query.get("user_id"):
            found = self._by("user_id", query["user_id"])
        elif query.get("id", "").isdigit():
            found = self.contacts.get(int(query["id"]))
        else:
            raise _invalid("email, user_id or id is required")
        if found is None:
            raise _not_found("Contact")
        return found

    def _get_contacts(self, query: dict[str, str]) -> tuple[int, Any]:
        if query.get("email") or query.get("user_id"):
            return 200, {"contact": self._contact_out(self._lookup(query))}
        rows = list(self.contacts.values())
        if query.get("type"):
            rows = [c for c in rows if c["type"] == query["type"]]
        if query.get("segment_id"):
            test = self._members.get(int(self._number(query, "segment_id")))
            if test is None:
                raise _not_found("Segment")
            rows = [c for c in rows if test(c)]
        if query.get("tag_id"):
            tag_id = int(self._number(query, "tag_id"))
            rows = [c for c in rows if tag_id in self._tagged.get(c["id"], [])]
        if query.get("created_since"):
            since = self.clock() - int(self._number(query, "created_since")) * 86400
            rows = [c for c in rows if c["created_at"] >= since]
        status = query.get("status")
        if status:
            if status not in STATUS_FILTERS:
                raise _invalid(f"status must be one of {', '.join(STATUS_FILTERS)}")
            rows = [c for c in rows if STATUS_FILTERS[status](c)]
        order_by = query.get("order_by") or "created_at"
        if order_by not in ORDER_BY_FIELDS:
            raise _invalid(f"order_by must be one of {', '.join(ORDER_BY_FIELDS)}")
        order = query.get("order") or "desc"
        if order not in ("asc", "desc"):
            raise _invalid("order must be asc or desc")
        rows.sort(key=lambda c: (c[order_by] or 0, c["id"]), reverse=order == "desc")
        return self._list("contacts", [self._contact_out(c) for c in rows], query)

    @staticmethod
    def _number(query: dict[str, str], name: str) -> str:
        value = query[name]
        if not value.isdigit():
            raise _invalid(f"{name} must be a number")
        return value

    def _upsert(self, data: dict[str, Any]) -> dict[str, Any]:
        if "full_name" in data and "name" not in data:
            data = {**data, "name": data["full_name"]}
        user_id = data.get("user_id")
        user_id = None if user_id in (None, "") else str(user_id)
        if data.get("id") is not None:
            contact = self._contact(int(data["id"]))
        else:
            contact = (self._by("user_id", user_id) if user_id else None) or \
                self._by("email", data.get("email"))
        if contact is None:
            if not data.get("email") and not user_id:
                raise _invalid("email or user_id is required")
            contact = self._create_contact(data)
        else:
            self._update_contact(contact, data)
        return self._contact_out(contact)

    def _create_contact(self, data: dict[str, Any], queue: bool = True) -> dict[str, Any]:
        user_id = data.get("user_id")
        kind = data.get("type") or ("user" if user_id not in (None, "") else "lead")
        if kind not in ("user", "lead"):
            raise _invalid("type must be user or lead")
        if kind == "user" and user_id in (None, ""):
            raise _invalid("user_id is required to create a user")
        now = self.clock()
        contact: dict[str, Any] = {
            "type": kind, "id": self._next("contact"), "name": None, "email": None,
            "user_id": None, "phone": None, "created_at": now, "signed_up_at": 0,
            "last_seen_at": None, "last_contacted_at": None, "updated_at": now,
            "session_count": None, "avatar": None, "landing_url": None,
            "original_referrer": None, "last_seen_ip": "", "last_seen_user_agent": "",
            "location_data": {}, "social_profiles": [], "custom_properties": {},
            "unsubscribed_from_emails": False,
        }
        self.contacts[contact["id"]] = contact
        self._tagged[contact["id"]] = []
        self._update_contact(contact, data, queue=False)
        contact["updated_at"] = now
        if queue:
            self._queue(f"{kind.capitalize()} created", contact)
            self._queue("Contact created", contact)
        return contact

    def _update_contact(self, contact: dict[str, Any], data: dict[str, Any],
                        queue: bool = True) -> None:
        for name in CONTACT_INPUT_FIELDS:
            if name in data:
                contact[name] = data[name]
        if data.get("phone") is not None:
            contact["phone"] = str(data["phone"])
        if data.get("user_id") not in (None, ""):
            contact["user_id"] = str(data["user_id"])
            if data.get("type") != "lead":
                contact["type"] = "user"  # a lead given a user_id becomes a user
        elif data.get("type") in ("user", "lead") and data["type"] != contact["type"]:
            if data["type"] == "user" and not contact["user_id"]:
                raise _invalid("user_id is required to make a contact a user")
            contact["type"] = data["type"]
        properties = data.get("custom_properties")
        if properties is not None:
            if not isinstance(properties, dict):
                raise _invalid("custom_properties must be an object")
            contact["custom_properties"].update(properties)
        for tag_name in data.get("tags") or []:
            self._tag(contact, self._tag_named(str(tag_name)), queue=queue)
        contact["updated_at"] = self.clock()

    def _contact_out(self, contact: dict[str, Any]) -> dict[str, Any]:
        out = json.loads(json.dumps(contact))
        out["tags"] = [dict(self.tags[t]) for t in self._tagged.get(contact["id"], [])]
        out["segments"] = [dict(s) for s in self.segments.values()
                           if self._members[s["id"]](contact)]
        return out

    def _delete_contact(self, contact: dict[str, Any]) -> tuple[int, Any]:
        out = self._contact_out(contact)
        del self.contacts[contact["id"]]
        self._tagged.pop(contact["id"], None)
        self._queue(f"{contact['type'].capitalize()} deleted", out)
        return 200, {}

    def _batch(self, data: dict[str, Any]) -> tuple[int, Any]:
        items = data.get("contacts")
        if not isinstance(items, list) or not items:
            raise _invalid("contacts must be a non-empty list")
        return 200, {"contacts": [self._upsert(dict(item)) for item in items]}

    # -- tags --------------------------------------------------------------------------

    def _tag_named(self, name: str) -> dict[str, Any]:
        """Case-sensitive, as the API is (the seed: 'TAG' and 'tag' are two tags)."""
        found = next((t for t in self.tags.values() if t["name"] == name), None)
        if found is None:
            found = {"id": self._next("tag"), "name": name}
            self.tags[found["id"]] = found
        return found

    def _tag(self, contact: dict[str, Any], tag: dict[str, Any], queue: bool = True) -> None:
        tagged = self._tagged[contact["id"]]
        if tag["id"] not in tagged:
            tagged.append(tag["id"])
            if queue:
                self._queue("Contact tagged", contact, tag)

    def _post_tag(self, data: dict[str, Any]) -> dict[str, Any]:
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise _invalid("name is required")
        targets = [*(data.get("contacts") or []), *(data.get("users") or []),
                   *(data.get("leads") or [])]
        if data.get("id") is not None and not targets:  # rename
            tag = self._find(self.tags, int(data["id"]), "Tag")
            tag["name"] = name
            return dict(tag)
        tag = self._tag_named(name)
        for target in targets:
            if not isinstance(target, dict):
                raise _invalid("each contact must be an object with id, email or user_id")
            if target.get("id") is not None:
                contact = self._contact(int(target["id"]))
            else:
                contact = self._lookup({k: str(target[k]) for k in ("email", "user_id")
                                        if target.get(k) not in (None, "")})
            if target.get("untag"):
                tagged = self._tagged[contact["id"]]
                if tag["id"] in tagged:
                    tagged.remove(tag["id"])
                    self._queue("Contact untagged", contact, tag)
            else:
                self._tag(contact, tag)
            contact["updated_at"] = self.clock()
        return dict(tag)

    def _delete_tag(self, ident: int | None) -> tuple[int, Any]:
        tag = self._find(self.tags, ident, "Tag")
        del self.tags[tag["id"]]
        for tagged in self._tagged.values():
            if tag["id"] in tagged:
                tagged.remove(tag["id"])
        return 200, {}

    # -- segments, campaigns, events ---------------------------------------------------

    def _segment_out(self, segment: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        out = dict(segment)
        if query.get("include_count", "").lower() in ("true", "1"):
            test = self._members[segment["id"]]
            out["count"] = sum(1 for c in self.contacts.values() if test(c))
        return out

    def _get_campaigns(self, query: dict[str, str]) -> tuple[int, Any]:
        if query.get("campaign_id"):  # a third-party spec fetches one this way
            campaign = self._find(self.campaigns, int(self._number(query, "campaign_id")),
                                  "Campaign")
            return 200, {"campaign": dict(campaign)}
        return self._list("campaigns", [dict(c) for c in self.campaigns.values()], query)

    def _track(self, data: dict[str, Any]) -> dict[str, Any]:
        name = data.get("event_name")
        if not isinstance(name, str) or not name.strip():
            raise _invalid("event_name is required")
        if data.get("id") is not None:
            contact = self._contact(int(data["id"]))
        else:
            contact = self._lookup({k: str(data[k]) for k in ("email", "user_id")
                                    if data.get(k) not in (None, "")})
        properties = data.get("properties") or {}
        if not isinstance(properties, dict):
            raise _invalid("properties must be an object")
        now = self.clock()
        event = {
            "id": self._next("event"),
            "name": name.replace(".", "-").replace("$", "-"),
            "contact_id": contact["id"], "email": contact["email"],
            "user_id": contact["user_id"], "properties": properties,
            "occurred_at": data.get("occurred_at") or now, "created_at": now,
        }
        self.events.append(event)
        contact["last_seen_at"] = now
        return dict(event)

    def _get_events(self, query: dict[str, str]) -> tuple[int, Any]:
        rows = sorted(self.events, key=lambda e: (e["occurred_at"], e["id"]), reverse=True)
        if query.get("event_name"):
            wanted = query["event_name"].lower()
            rows = [e for e in rows if e["name"].lower() == wanted]
        return self._list("events", [dict(e) for e in rows], query)

    # -- shared ------------------------------------------------------------------------

    def _list(self, key: str, rows: list[dict[str, Any]], query: dict[str, str]
              ) -> tuple[int, Any]:
        page = int(self._number(query, "page")) if query.get("page") else 1
        per_page = int(self._number(query, "per_page")) if query.get("per_page") else \
            DEFAULT_PER_PAGE
        if page < 1 or per_page < 1:
            raise _invalid("page and per_page must be at least 1")
        per_page = min(per_page, self.max_per_page)
        total_pages = max(1, -(-len(rows) // per_page))

        def link(number: int) -> str:
            return f"{self.url}/{key}?{urlencode({**query, 'page': number})}"

        pages = {
            "page": page, "per_page": per_page, "total_pages": total_pages,
            "first": link(1), "last": link(total_pages),
            "next": link(page + 1) if page < total_pages else None,
            "prev": link(page - 1) if 1 < page <= total_pages + 1 else None,
        }
        start = (page - 1) * per_page
        return 200, {key: rows[start:start + per_page], "pages": pages}

    def _queue(self, topic: str, contact: dict[str, Any],
               tag: dict[str, Any] | None = None) -> None:
        payload: dict[str, Any] | None = None
        for webhook in self.webhooks:
            if webhook.active and topic in webhook.topics:
                if payload is None:
                    payload = {"topic": topic, "created_at": self.clock(),
                               "contact": (self._contact_out(contact)
                                           if contact["id"] in self.contacts else contact)}
                    if tag is not None:
                        payload["tag"] = dict(tag)
                self.outbox.append((webhook.url, payload))


@contextmanager
def serve_fake_gist(api_key: str = DEFAULT_API_KEY) -> Iterator[FakeGist]:
    """Serve a fresh fake on a free 127.0.0.1 port until the block ends."""
    fake = FakeGist(api_key=api_key)

    def respond(request: Recorded) -> Answer:
        target = f"{request.path}?{request.query_string}"
        status, extra, payload = fake.handle(request.method, target, request.headers,
                                             request.body)
        return Answer(status, json.dumps(payload).encode(), "application/json; charset=utf-8",
                      extra)

    with serve(respond, keep_alive=True, poll_interval=0.05, name="fake-gist") as port:
        fake.port = port
        yield fake


@pytest.fixture
def fake_gist() -> Iterator[FakeGist]:
    """A running fake Gist API; its base URL is `fake_gist.url`, its key `fake_gist.api_key`."""
    with serve_fake_gist() as fake:
        yield fake
