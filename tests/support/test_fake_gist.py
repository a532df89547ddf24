"""The fake Gist API behaves as the connector's tests will rely on."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.support import fake_gist as support
from tests.support.fake_gist import FakeGist

fake_gist = support.fake_gist  # the fixture, as a conftest will import it


@pytest.fixture
def api(fake_gist: FakeGist) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {fake_gist.api_key}"}
    with httpx.Client(base_url=fake_gist.url, headers=headers, timeout=5) as client:
        yield client


def test_user_lifecycle_create_list_tag_untag_delete(
        fake_gist: FakeGist, api: httpx.Client) -> None:
    created = api.post("/contacts", json={
        "email": "ada@example.com", "user_id": 100488, "name": "Ada",
        "custom_properties": {"plan": "pro"}, "tags": ["beta"],
    })
    assert created.status_code == 200
    user = created.json()["contact"]
    assert user["type"] == "user" and isinstance(user["id"], int)
    assert user["user_id"] == "100488"  # numbers sent, strings back
    assert isinstance(user["created_at"], int) and user["custom_properties"] == {"plan": "pro"}
    assert [t["name"] for t in user["tags"]] == ["beta"]

    # create-or-update: the same email updates, never duplicates
    again = api.post("/contacts", json={"email": "ada@example.com", "phone": 12345}).json()
    assert again["contact"]["id"] == user["id"] and again["contact"]["phone"] == "12345"
    lead = api.post("/contacts", json={"email": "lead@example.com"}).json()["contact"]
    assert lead["type"] == "lead" and lead["user_id"] is None

    listed = api.get("/contacts", params={"order_by": "created_at", "order": "asc"}).json()
    assert [c["id"] for c in listed["contacts"]] == [user["id"], lead["id"]]
    assert listed["pages"]["total_pages"] == 1 and listed["pages"]["next"] is None
    users = api.get("/contacts", params={"type": "user"}).json()["contacts"]
    assert [c["id"] for c in users] == [user["id"]]

    for query in ({"email": "ada@example.com"}, {"user_id": "100488"}):
        assert api.get("/contacts", params=query).json()["contact"]["id"] == user["id"]
    assert api.get(f"/contacts/{user['id']}").json()["contact"]["email"] == "ada@example.com"

    tagged = api.post("/tags", json={"name": "VIP", "contacts": [{"id": user["id"]},
                                                               {"email": "lead@example.com"}]})
    assert tagged.status_code == 200
    vip = tagged.json()["tag"]
    by_tag = api.get("/contacts", params={"tag_id": vip["id"]}).json()["contacts"]
    assert {c["id"] for c in by_tag} == {user["id"], lead["id"]}

    api.post("/tags", json={"name": "VIP", "contacts": [{"user_id": "100488", "untag": True}]})
    by_tag = api.get("/contacts", params={"tag_id": vip["id"]}).json()["contacts"]
    assert [c["id"] for c in by_tag] == [lead["id"]]
    assert [t["name"] for t in api.get(f"/contacts/{user['id']}").json()["contact"]["tags"]] \
        == ["beta"]

    assert api.delete(f"/contacts/{user['id']}").status_code == 200
    gone = api.get(f"/contacts/{user['id']}")
    assert gone.status_code == 404 and gone.json()["errors"][0]["code"] == "not_found"
    assert api.delete("/contacts", params={"email": "lead@example.com"}).status_code == 200
    assert api.get("/contacts").json()["contacts"] == []

    logged = fake_gist.calls("POST", "/tags")[0]
    assert logged.json["contacts"][0] == {"id": user["id"]}
    assert logged.headers["authorization"] == f"Bearer {fake_gist.api_key}"
    assert fake_gist.calls("GET", "/contacts")[0].query == {"order_by": "created_at",
                                                           "order": "asc"}


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-key", "Basic test-gist-key"])
def test_bad_or_missing_key_is_401_with_gist_errors(
        fake_gist: FakeGist, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = httpx.get(f"{fake_gist.url}/contacts", headers=headers, timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {"errors": [{"code": "unauthorized",
                                         "message": "Access Token Invalid"}]}
    assert fake_gist.requests[-1].status == 401


def test_pagination_follows_pages_links(fake_gist: FakeGist, api: httpx.Client) -> None:
    for n in range(7):
        fake_gist.add_contact(email=f"c{n}@example.com", created_at=1_700_000_000 + n)
    first = api.get("/contacts", params={"per_page": 3, "order": "asc"}).json()
    assert [c["email"] for c in first["contacts"]] == [f"c{n}@example.com" for n in range(3)]
    assert first["pages"]["page"] == 1 and first["pages"]["total_pages"] == 3
    assert first["pages"]["prev"] is None

    seen, url = [], f"{fake_gist.url}/contacts?per_page=3&order=asc"
    while url:
        body = api.get(url).json()
        seen += [c["email"] for c in body["contacts"]]
        url = body["pages"]["next"]
    assert seen == [f"c{n}@example.com" for n in range(7)]
    last = api.get("/contacts", params={"per_page": 3, "page": 3}).json()
    assert len(last["contacts"]) == 1 and last["pages"]["next"] is None
    assert api.get("/contacts", params={"page": 9}).json()["contacts"] == []
    assert api.get("/contacts", params={"per_page": 500}).json()["pages"]["per_page"] == 60


def test_filters_and_sorting(fake_gist: FakeGist, api: httpx.Client) -> None:
    now = fake_gist.clock()
    old = fake_gist.add_contact(email="old@example.com", created_at=now - 30 * 86400)
    new = fake_gist.add_contact(email="new@example.com", user_id="7",
                                unsubscribed_from_emails=True, last_seen_at=now)
    segment = fake_gist.add_segment("Fresh", members=[new["id"]])

    def ids(**params: Any) -> list[int]:
        return [c["id"] for c in api.get("/contacts", params=params).json()["contacts"]]

    assert ids() == [new["id"], old["id"]]  # created_at, descending by default
    assert ids(order="asc") == [old["id"], new["id"]]
    assert ids(created_since=7) == [new["id"]]
    assert ids(segment_id=segment["id"]) == [new["id"]]
    assert ids(status="unsubscribed") == [new["id"]] and ids(status="active") == [old["id"]]
    assert ids(order_by="last_seen_at", order="asc") == [old["id"], new["id"]]
    bad = api.get("/contacts", params={"order_by": "name"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "parameter_invalid"


def test_tags_create_rename_list_delete(api: httpx.Client) -> None:
    tag = api.post("/tags", json={"name": "tag"}).json()["tag"]
    upper = api.post("/tags", json={"name": "TAG"}).json()["tag"]
    assert tag["id"] != upper["id"]  # case-sensitive through the API
    assert api.post("/tags", json={"name": "tag"}).json()["tag"]["id"] == tag["id"]
    renamed = api.post("/tags", json={"id": tag["id"], "name": "Renamed"}).json()["tag"]
    assert renamed == {"id": tag["id"], "name": "Renamed"}
    listed = api.get("/tags").json()
    assert [t["name"] for t in listed["tags"]] == ["Renamed", "TAG"] and "pages" in listed
    assert api.delete(f"/tags/{tag['id']}").status_code == 200
    assert [t["name"] for t in api.get("/tags").json()["tags"]] == ["TAG"]
    assert api.delete(f"/tags/{tag['id']}").status_code == 404


def test_segments_campaigns_events(fake_gist: FakeGist, api: httpx.Client) -> None:
    ada = fake_gist.add_contact(email="ada@example.com", user_id="1")
    segment = fake_gist.add_segment("Everyone", match=lambda c: True)
    assert "count" not in api.get("/segments").json()["segments"][0]
    counted = api.get("/segments", params={"include_count": "true"}).json()["segments"][0]
    assert counted["count"] == 1
    one = api.get(f"/segments/{segment['id']}", params={"include_count": "true"}).json()
    assert one["segment"]["name"] == "Everyone" and one["segment"]["count"] == 1
    assert api.get(f"/contacts/{ada['id']}").json()["contact"]["segments"][0]["id"] \
        == segment["id"]

    campaign = fake_gist.add_campaign("Onboarding")
    assert [c["id"] for c in api.get("/campaigns").json()["campaigns"]] == [campaign["id"]]
    assert api.get(f"/campaigns/{campaign['id']}").json()["campaign"]["name"] == "Onboarding"
    assert api.get("/campaigns/1").status_code == 404

    tracked = api.post("/events", json={"event_name": "completed.order", "email": ada["email"],
                                        "properties": {"total": 3}})
    event = tracked.json()["event"]
    assert event["name"] == "completed-order" and event["email"] == "ada@example.com"
    assert event["contact_id"] == ada["id"] and isinstance(event["occurred_at"], int)
    listed = api.get("/events", params={"event_type": "all"}).json()
    assert [e["id"] for e in listed["events"]] == [event["id"]]
    missing = api.post("/events", json={"event_name": "x", "email": "nobody@example.com"})
    assert missing.status_code == 404


def test_rate_limit_answers_429_until_lifted(fake_gist: FakeGist, api: httpx.Client) -> None:
    fake_gist.limit_rate(remaining=1, retry_after=30)
    assert api.get("/tags").status_code == 200
    limited = api.get("/tags")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "30"
    assert limited.json()["errors"][0]["code"] == "rate_limit_exceeded"
    fake_gist.lift_rate_limit()
    assert api.get("/tags").status_code == 200


def test_invalid_bodies_and_unknown_routes(api: httpx.Client) -> None:
    assert api.post("/contacts", json={"name": "Nobody"}).status_code == 422
    assert api.post("/contacts", content=b"{not json",
                    headers={"content-type": "application/json"}).status_code == 400
    assert api.get("/webhooks").status_code == 404  # Gist has no webhook subscription API


def test_webhooks_configured_by_hand_are_delivered_on_demand(
        fake_gist: FakeGist, api: httpx.Client) -> None:
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        fake_gist.add_webhook(f"http://127.0.0.1:{server.server_address[1]}/hook",
                              ["User created", "Contact tagged"])
        user = api.post("/contacts", json={"email": "u@example.com", "user_id": "9"}).json()
        api.post("/tags", json={"name": "VIP", "contacts": [{"id": user["contact"]["id"]}]})
        api.post("/contacts", json={"email": "lead@example.com"})  # no "Lead created" hook
        assert received == []  # nothing is sent until the test says so
        answers = fake_gist.deliver_webhooks()
        assert [a.status_code for a in answers] == [200, 200]
        assert [r["topic"] for r in received] == ["User created", "Contact tagged"]
        assert received[0]["contact"]["email"] == "u@example.com"
        assert received[1]["tag"]["name"] == "VIP" and fake_gist.outbox == []
    finally:
        server.shutdown()
        server.server_close()
