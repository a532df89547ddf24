"""The webhook server on a real port: durable before answered, group commit, each limit's
answer, Make's options, and the Webhook response waiting for the scenario."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.blueprint import Blueprint
from engine.builtins.gateway import request_bundles
from engine.context import RunServices
from engine.executor.plan import compile_plan
from engine.executor.run import run_plan
from engine.runtime.webhook_hooks import HookOptions, new_hook_token
from engine.runtime.webhook_queue import DONE, QueuedRequest, WebhookQueue
from engine.runtime.webhook_server import NO_SCENARIO, WebhookServer
from engine.store.state_db import state_db_path


@dataclass
class Dispatcher:
    """A stand-in for the runtime: claims what `on_request` announces and completes it,
    answering the caller with `answer(queued)` when the hook responds."""

    queue: WebhookQueue
    server: WebhookServer | None = None
    answer: Callable[[QueuedRequest], Any] | None = None
    seen: list[QueuedRequest] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def on_request(self, queued: QueuedRequest) -> None:
        task = asyncio.get_running_loop().create_task(self._run(queued.scenario))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, scenario: str) -> None:
        claimed = await self.queue.claim_next(scenario)
        if claimed is None:
            return
        self.seen.append(claimed)
        if claimed.respond and self.answer is not None and self.server is not None:
            response = await self.answer(claimed)
            self.server.respond_with(claimed.id, response)
        await self.queue.complete(claimed.id, DONE, f"exec-{claimed.id}")

    async def drain(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks))


@dataclass
class Env:
    queue: WebhookQueue
    server: WebhookServer
    dispatcher: Dispatcher
    client: httpx.AsyncClient
    workspace: Path

    def hook(self, **options: Any) -> str:
        """Register a hook; its URL."""
        options.setdefault("scenario", "Leads")
        return self.server.register(HookOptions(token=new_hook_token(), **options))

    def stored(self) -> list[tuple[Any, ...]]:
        """The rows as a separate connection sees them."""
        conn = sqlite3.connect(state_db_path(self.workspace))
        try:
            return conn.execute("SELECT id, status, method FROM webhook_request ORDER BY id"
                                ).fetchall()
        finally:
            conn.close()


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    queue = await WebhookQueue.open(tmp_path)
    dispatcher = Dispatcher(queue)
    server = WebhookServer(queue, port=0, on_request=dispatcher.on_request,
                           respond_timeout=5.0)
    dispatcher.server = server
    await server.start(freeze_gc=False)  # gc.freeze would outlive the test
    async with httpx.AsyncClient(timeout=10.0) as client:
        yield Env(queue, server, dispatcher, client, tmp_path)
    await dispatcher.drain()
    await server.stop()
    await queue.close()


async def test_a_request_is_stored_before_it_is_accepted(env: Env) -> None:
    env.server.on_request = None  # nobody consumes: the row stays queued
    url = env.hook()
    response = await env.client.post(url, json={"email": "ada@example.com"})
    assert (response.status_code, response.text) == (200, "Accepted")
    # Read at once by another connection, the row is there: it was committed first.
    assert env.stored() == [(1, "queued", "POST")]


async def test_a_request_that_cannot_be_stored_is_not_accepted(env: Env) -> None:
    def broken(batch: Any) -> Any:
        raise sqlite3.OperationalError("disk I/O error")

    env.queue._write = broken  # type: ignore[method-assign]
    response = await env.client.post(env.hook(), json={"a": 1})
    assert response.status_code == 500
    assert env.dispatcher.seen == []


async def test_concurrent_requests_are_group_committed(env: Env) -> None:
    env.server.on_request = None
    url = env.hook()
    before = env.queue.stats.transactions
    answers = await asyncio.gather(*(env.client.post(url, json={"n": n}) for n in range(120)))
    assert {a.status_code for a in answers} == {200}
    assert len(env.stored()) == 120
    transactions = env.queue.stats.transactions - before
    assert transactions < 60, transactions  # many requests per transaction


async def test_on_request_leads_to_a_claimed_and_completed_run(env: Env) -> None:
    url = env.hook()
    await env.client.post(url, json={"n": 1})
    await env.dispatcher.drain()
    assert [q.body for q in env.dispatcher.seen] == [{"n": 1}]
    conn = sqlite3.connect(state_db_path(env.workspace))
    try:
        assert conn.execute("SELECT status, execution_id FROM webhook_request").fetchall() == [
            ("done", "exec-1")]
    finally:
        conn.close()


async def test_unknown_token_and_unsupported_method(env: Env) -> None:
    response = await env.client.post(env.server.url("no-such-token"), json={})
    assert (response.status_code, response.text) == (404, NO_SCENARIO)
    assert (await env.client.request("OPTIONS", env.hook())).status_code == 405
    url = env.hook()
    env.server.unregister(url.rsplit("/", 1)[1])
    assert (await env.client.post(url, json={})).status_code == 404


async def test_body_size_limit(env: Env) -> None:
    url = env.hook(max_body=1000)
    assert (await env.client.post(url, content=b"x" * 1000)).status_code == 200

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        for _ in range(5):
            yield b"y" * 300

    for body in (b"x" * 1001, chunked()):
        response = await env.client.post(url, content=body)
        assert (response.status_code, response.text) == (413, "Payload too large.")
    assert len(env.stored()) == 1


async def test_rate_limit(env: Env) -> None:
    now = [0.0]
    env.server._clock = lambda: now[0]
    url = env.hook(rate_limit=(3, 10.0))
    codes = [(await env.client.post(url, json={})).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    now[0] = 10.0  # the next window
    assert (await env.client.post(url, json={})).status_code == 200


async def test_api_keys(env: Env) -> None:
    url = env.hook(api_keys=["k-one", "k-two"])
    assert (await env.client.post(url, json={})).status_code == 401
    wrong = await env.client.post(url, json={}, headers={"x-make-apikey": "k-three"})
    assert (wrong.status_code, wrong.text) == (401, "Invalid API key.")
    right = await env.client.post(url, json={}, headers={"x-make-apikey": "k-two"})
    assert right.status_code == 200


async def test_ip_allowlist(env: Env) -> None:
    elsewhere = env.hook(ip_allowlist=["10.0.0.0/8", "192.168.1.7"])
    assert (await env.client.post(elsewhere, json={})).status_code == 403
    loopback = env.hook(ip_allowlist=["10.0.0.0/8", "127.0.0.0/8"])
    assert (await env.client.post(loopback, json={})).status_code == 200
    with pytest.raises(ValueError):
        env.hook(ip_allowlist=["not an address"])


async def test_queue_full(env: Env) -> None:
    env.server.on_request = None
    url = env.hook(queue_limit=2)
    codes = [(await env.client.post(url, json={})).status_code for _ in range(2)]
    full = await env.client.post(url, json={})
    assert codes == [200, 200]
    assert (full.status_code, full.text) == (400, "Queue is full.")


async def claimed(env: Env) -> QueuedRequest:
    await env.dispatcher.drain()
    return env.dispatcher.seen[-1]


async def test_json_form_multipart_and_query_bodies(env: Env) -> None:
    url = env.hook()
    await env.client.post(url + "?source=ads", json=[{"a": 1}, {"a": 2}])
    assert request_bundles((await claimed(env)).request) == [
        {"source": "ads", "a": 1}, {"source": "ads", "a": 2}]
    await env.client.post(url, data={"name": "Ada L", "tag": ["x", "y"]})
    assert (await claimed(env)).body == {"name": "Ada L", "tag": ["x", "y"]}
    await env.client.post(url, data={"title": "Report"},
                          files={"file": ("r.bin", b"\x00\x01\xff\r\n--x", "image/png")})
    assert (await claimed(env)).body == {
        "title": "Report", "file": {"name": "r.bin", "mime": "image/png",
                                    "data": b"\x00\x01\xff\r\n--x"}}
    await env.client.get(url, params={"q": "tea", "n": ["1", "2"]})
    get = await claimed(env)
    assert (get.method, get.body) == ("GET", None)
    assert request_bundles(get.request) == [{"q": "tea", "n": ["1", "2"]}]
    await env.client.post(url, content=b"plain words", headers={"content-type": "text/plain"})
    assert (await claimed(env)).body == {"value": "plain words"}


async def test_headers_method_and_json_pass_through_options(env: Env) -> None:
    from engine.builtins import gateway
    from engine.spec import ModuleCall

    url = env.hook(headers=True, method=True, stringify=True)
    await env.client.put(url, content=b'{"a": 1}',
                         headers={"content-type": "application/json", "X-Trace": "t-1"})
    queued = await claimed(env)
    assert queued.body == {"value": '{"a": 1}'}
    run = RunServices(webhook_request=queued.request)
    [bundle] = gateway.custom_webhook(ModuleCall(1, {}, {}, run, None))  # type: ignore[arg-type]
    assert bundle["value"] == '{"a": 1}'
    assert bundle["__IMTMETHOD__"] == "PUT"
    assert {"name": "x-trace", "value": "t-1"} in bundle["__IMTHEADERS__"]


async def test_data_structure_validation_names_the_failing_field(env: Env) -> None:
    url = env.hook(data_structure=[
        {"name": "email", "type": "text", "required": True},
        {"name": "score", "type": "number"},
        {"name": "customer", "type": "collection",
         "spec": [{"name": "id", "type": "uinteger", "required": True}]},
    ])
    ok = await env.client.post(url, json={"email": "a@b.c", "score": "12",
                                          "customer": {"id": 3}})
    assert ok.status_code == 200
    missing = await env.client.post(url, json={"score": 1})
    assert (missing.status_code, missing.text) == (
        400, "Validation failed for 1 parameter(s). "
             "Missing value of required parameter 'email'.")
    wrong = await env.client.post(url, json={"email": "x", "score": "many",
                                             "customer": {"id": -1}})
    assert wrong.status_code == 400
    assert "Invalid number in parameter 'score'." in wrong.text
    assert "Invalid integer in parameter 'customer.id'." in wrong.text
    assert len(env.stored()) == 1


RESPONDER = {
    "name": "Echo",
    "flow": [
        {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1},
         "mapper": {}},
        {"id": 2, "module": "gateway:WebhookRespond",
         "mapper": {"status": "201", "body": "Hello {{1.name}}",
                    "headers": [{"key": "X-Run", "value": "yes"}]}},
    ],
    "metadata": {"scenario": {}},
}


async def test_webhook_response_of_a_real_run_reaches_the_caller(env: Env) -> None:
    plan = compile_plan(Blueprint.model_validate(RESPONDER))

    async def run(queued: QueuedRequest) -> Any:
        services = RunServices(webhook_request=queued.request, scenario_name="Echo")
        await run_plan(plan, services)
        return services.webhook_response

    env.dispatcher.answer = run
    url = env.hook(scenario="Echo", responds=True)
    response = await env.client.post(url, json={"name": "Ada"})
    assert (response.status_code, response.text) == (201, "Hello Ada")
    assert response.headers["x-run"] == "yes"

    async def as_json(queued: QueuedRequest) -> Any:
        return {"status": 200, "body": {"ok": True}, "headers": {}}

    env.dispatcher.answer = as_json
    response = await env.client.post(url, json={})
    assert response.json() == {"ok": True}
    assert response.headers["content-type"] == "application/json"


async def test_a_run_without_a_response_answers_accepted(env: Env) -> None:
    async def nothing(queued: QueuedRequest) -> Any:
        return None

    env.dispatcher.answer = nothing
    response = await env.client.post(env.hook(responds=True), json={})
    assert (response.status_code, response.text) == (200, "Accepted")


async def test_a_slow_response_times_out_as_accepted(env: Env) -> None:
    env.server.respond_timeout = 0.2
    late: list[bool] = []

    async def slow(queued: QueuedRequest) -> Any:
        await asyncio.sleep(0.5)
        late.append(env.server.respond(queued.id, 201, body="too late"))
        return None

    env.dispatcher.answer = slow
    response = await env.client.post(env.hook(responds=True), json={})
    assert (response.status_code, response.text) == (200, "Accepted")
    await env.dispatcher.drain()
    assert late == [False]  # nobody waits any more
    assert env.server._waiting == {}
