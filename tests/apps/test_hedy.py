"""Hedy (a real custom app): every module, its RPCs, its connection check and its webhook
run against a local fake of api.hedy.bot."""

from __future__ import annotations

from typing import Any

import pytest

from engine.apps import (
    ConnectionData,
    attach_webhook,
    bind_connections,
    detach_webhook,
    module_specs,
    run_rpc,
    verify_connection,
)
from engine.context import RunServices
from engine.errors import ModuleError
from tests.apps.fakes import Request, call_module, corpus_app, fake_service

SESSIONS = [{"sessionId": f"s{i}", "title": f"Session {i}", "duration": 60 * i}
            for i in range(1, 6)]


def hedy(request: Request) -> tuple[int, Any]:
    if request.headers.get("authorization") != "Bearer key-1":
        return 401, {"error": {"message": "bad key"}}
    path, method = request.path, request.method
    if path == "/me":
        return 200, {"email": "ada@example.com"}
    if path == "/sessions" and method == "GET":
        start = int(request.query.get("after") or 0)
        page = SESSIONS[start : start + 2]
        more = start + 2 < len(SESSIONS)
        return 200, {"data": page, "pagination": {"hasMore": more, "next": str(start + 2)}}
    if path.startswith("/sessions/"):
        return 200, {"sessionId": path.rsplit("/", 1)[1], "title": "One"}
    if path == "/todos":
        return 200, [{"id": "t1", "text": "Write"}, {"id": "t2", "text": "Test"}]
    if path == "/topics":
        return 200, {"data": [{"id": "tp1", "name": "Standups"}]}
    if path.startswith("/topics/"):
        return 200, {"data": {"id": "tp1", "name": "Standups"}}
    if path == "/highlights":
        return 200, {"data": [{"id": "h1"}], "pagination": {"hasMore": False}}
    if path.startswith("/highlights/"):
        return 200, {"id": "h1", "text": "Quote"}
    if path == "/webhooks" and method == "POST":
        return 201, {"data": {"id": "wh-9"}}
    if path.startswith("/webhooks/") and method == "DELETE":
        return 204, b""
    if path == "/limited":
        return 429, {"error": {"message": "slow down"}}
    return 404, {"error": {"message": "not found"}}


@pytest.fixture
def fake() -> Any:
    with fake_service(hedy) as running:
        yield running


@pytest.fixture
def run(fake: Any) -> Any:
    services = RunServices()
    bind_connections(services, {"hedy-p0dkfb": ConnectionData({"apiKey": "key-1"},
                                                               base_url_override=fake.url)})
    return services


def specs() -> dict[str, Any]:
    return {s.id.split(":", 1)[1]: s for s in module_specs(corpus_app("hedy"))}


async def test_list_sessions_pages_until_the_limit(fake: Any, run: RunServices) -> None:
    out = await call_module(specs()["listSessions"], run, mapper={"limit": 3})
    await run.aclose()
    assert [b["sessionId"] for b in out] == ["s1", "s2", "s3"]
    assert [r.query.get("after") for r in fake.requests] == [None, "2"]
    assert fake.requests[0].query == {"limit": "3", "format": "standard"}
    assert fake.requests[0].headers["content-type"] == "application/json"
    assert "key-1" in run.secrets  # base's log.sanitize: the header value is a secret


async def test_every_search_and_get(fake: Any, run: RunServices) -> None:
    s = specs()
    assert [b["id"] for b in await call_module(s["listTodos"], run, mapper={})] == ["t1", "t2"]
    assert (await call_module(s["listTopics"], run))[0]["name"] == "Standups"
    assert (await call_module(s["getTopic"], run, mapper={"topicId": "tp1"}))[0]["id"] == "tp1"
    assert (await call_module(s["listHighlights"], run))[0]["id"] == "h1"
    assert (await call_module(s["getHighlight"], run, mapper={"highlightId": "h1"}))[0][
        "text"] == "Quote"
    got = await call_module(s["getSession"], run, mapper={"sessionId": "abc"})
    await run.aclose()
    assert got == [{"sessionId": "abc", "title": "One"}]
    assert fake.requests[-1].path == "/sessions/abc"


async def test_make_an_api_call(fake: Any, run: RunServices) -> None:
    out = await call_module(specs()["makeAnApiCall"], run, mapper={
        "url": "sessions", "method": "GET", "qs": [{"key": "after", "value": "4"}]})
    await run.aclose()
    assert out[0]["statusCode"] == 200
    assert out[0]["body"]["data"] == [SESSIONS[4]]
    assert out[0]["headers"]["content-type"] == "application/json"
    assert fake.requests[-1].query == {"after": "4"}


async def test_errors_use_the_bases_error_directive(fake: Any, run: RunServices) -> None:
    s = specs()
    with pytest.raises(ModuleError) as limited:
        await call_module(s["makeAnApiCall"], run, mapper={"url": "limited", "method": "GET"})
    assert limited.value.name == "RateLimitError"
    assert limited.value.message.startswith("Rate limit exceeded")
    with pytest.raises(ModuleError) as missing:
        await call_module(s["makeAnApiCall"], run, mapper={"url": "nope", "method": "GET"})
    assert missing.value.message == "[404] not found"
    bind_connections(run, {"hedy-p0dkfb": ConnectionData({"apiKey": "wrong"},
                                                          base_url_override=fake.url)})
    with pytest.raises(ModuleError) as refused:
        await call_module(s["getSession"], run, mapper={"sessionId": "x"})
    await run.aclose()
    assert refused.value.name == "InvalidAccessTokenError"


async def test_connection_rpcs_and_webhook(fake: Any, run: RunServices) -> None:
    app = corpus_app("hedy")
    checked = await verify_connection(app, "apiKey", {"apiKey": "key-1"}, run,
                                      base_url_override=fake.url)
    assert checked.data["apiKey"] == "key-1" and checked.label == "ada@example.com"
    conn = ConnectionData({"apiKey": "key-1"}, fake.url)
    options = await run_rpc(app, "rpc://listSessionsRpc", run, connection=conn)
    assert options[:2] == [{"label": "Session 1", "value": "s1"},
                           {"label": "Session 2", "value": "s2"}]
    assert await run_rpc(app, "listTopicsRpc", run, connection=conn) == [
        {"label": "Standups", "value": "tp1"}]
    saved = await attach_webhook(app, "hedyEvents", "http://127.0.0.1:1/hook/abc", run,
                                 parameters={"events": ["session.ended"]}, connection=conn)
    assert saved == {"webhookId": "wh-9"}
    assert fake.requests[-1].json() == {"url": "http://127.0.0.1:1/hook/abc",
                                        "events": ["session.ended"]}
    await detach_webhook(app, "hedyEvents", saved, run, connection=conn)
    await run.aclose()
    assert (fake.requests[-1].method, fake.requests[-1].path) == ("DELETE", "/webhooks/wh-9")


async def test_instant_trigger_reads_the_webhook() -> None:
    spec = specs()["watchEvents"]
    run = RunServices(webhook_request={"body": {"event": "session.ended", "sessionId": "s1"},
                                       "headers": {}, "method": "POST"})
    assert await call_module(spec, run) == [{"event": "session.ended", "sessionId": "s1"}]
    ignored = RunServices(webhook_request={"body": {"ping": True}})
    assert await call_module(spec, ignored) == []  # the webhook's condition: no event
