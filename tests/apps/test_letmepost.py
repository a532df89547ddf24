"""letmepost (a real custom app) against a local fake of api.letmepost.dev, including its
own test scenario run through the executor."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.apps import ConnectionData, bind_connections, module_specs, run_rpc, verify_connection
from engine.blueprint import Blueprint
from engine.context import RunServices
from engine.errors import ModuleError
from engine.executor.plan import compile_plan
from engine.executor.run import run_plan
from engine.registry import Registry
from tests.apps.fakes import CORPUS, Request, call_module, corpus_app, fake_service

ACCOUNTS = [{"id": "acct_1", "platform": "bluesky", "platformAccountId": "did:1",
             "displayName": "Ada"}]


def letmepost(request: Request) -> tuple[int, Any]:
    if request.headers.get("authorization") != "Bearer lmp_test_1":
        return 401, {"error": {"code": "unauthorized", "message": "Invalid API key"}}
    if request.path == "/v1/accounts":
        return 200, {"data": ACCOUNTS}
    if request.path == "/v1/media":
        return 200, {"data": [{"id": f"m{i}"} for i in range(int(request.query["limit"]))]}
    if request.path == "/v1/posts" and request.method == "POST":
        sent = request.json()
        if not sent.get("targets"):
            return 422, {"error": {"code": "validation", "message": "targets required"}}
        return 201, {"id": "post_1", "status": "published", "results": [
            {"accountId": t["accountId"], "status": "published"} for t in sent["targets"]]}
    if request.path.startswith("/v1/posts/"):
        return 200, {"id": request.path.rsplit("/", 1)[1], "status": "scheduled"}
    return 404, {"error": {"code": "not_found", "message": "no route"}}


@pytest.fixture
def fake() -> Any:
    with fake_service(letmepost) as running:
        yield running


@pytest.fixture
def run(fake: Any) -> RunServices:
    services = RunServices()
    bind_connections(services, {"letmepost-v8hb99": ConnectionData(
        {"apiKey": "lmp_test_1"}, base_url_override=fake.url)})
    return services


def specs() -> dict[str, Any]:
    return {s.id.split(":", 1)[1]: s for s in module_specs(corpus_app("letmepost"))}


async def test_publish_post_sends_the_body_without_unset_fields(fake: Any,
                                                                run: RunServices) -> None:
    out = await call_module(specs()["publishPost"], run, mapper={
        "targets": [{"accountId": "acct_1"}], "text": "Hello", "publishNow": True,
        "idempotencyKey": "k-1"})
    await run.aclose()
    assert out == [{"id": "post_1", "status": "published",
                    "results": [{"accountId": "acct_1", "status": "published"}]}]
    sent = fake.requests[-1]
    assert sent.json() == {"targets": [{"accountId": "acct_1"}], "text": "Hello",
                           "firstComment": {}, "publishNow": True}
    assert sent.headers["idempotency-key"] == "k-1"
    assert sent.headers["content-type"] == "application/json"


async def test_errors_format_the_letmepost_envelope(run: RunServices) -> None:
    with pytest.raises(ModuleError) as caught:
        await call_module(specs()["publishPost"], run, mapper={"targets": []})
    await run.aclose()
    assert caught.value.message == "[422] validation: targets required"
    assert caught.value.detail["statusCode"] == 422


async def test_searches_get_and_api_call(fake: Any, run: RunServices) -> None:
    s = specs()
    assert await call_module(s["listAccounts"], run) == ACCOUNTS
    assert len(await call_module(s["listMedia"], run, mapper={"limit": 3})) == 3
    assert (await call_module(s["getPost"], run, mapper={"postId": "p9"}))[0]["id"] == "p9"
    out = await call_module(s["makeApiCall"], run, mapper={
        "url": "/v1/posts", "method": "POST",
        "headers": [{"key": "Content-Type", "value": "application/json"}],
        "qs": [{"key": "dry", "value": "1"}],
        "body": json.dumps({"targets": [{"accountId": "acct_1"}]})})
    await run.aclose()
    assert out[0]["statusCode"] == 201 and out[0]["body"]["id"] == "post_1"
    assert fake.requests[-1].query == {"dry": "1"}
    assert fake.requests[-1].headers["authorization"] == "Bearer lmp_test_1"


async def test_connection_check_and_rpc(fake: Any, run: RunServices) -> None:
    app = corpus_app("letmepost")
    checked = await verify_connection(app, "letmepost", {"apiKey": "lmp_test_1"}, run,
                                      base_url_override=fake.url)
    assert checked.label == "Ada"
    with pytest.raises(ModuleError) as refused:
        await verify_connection(app, "letmepost", {"apiKey": "nope"}, run,
                                base_url_override=fake.url)
    assert refused.value.message == "[401] unauthorized: Invalid API key"
    options = await run_rpc(app, "rpc://getAccounts", run,
                            connection=ConnectionData({"apiKey": "lmp_test_1"}, fake.url))
    await run.aclose()
    assert options == [{"label": "Ada (bluesky)", "value": "acct_1"}]


async def test_the_apps_own_test_scenario_runs(fake: Any) -> None:
    blueprint = Blueprint.model_validate(
        json.loads((CORPUS / "letmepost" / "test-scenario.blueprint.json").read_text()))
    registry = Registry(module_specs(corpus_app("letmepost")))
    plan = compile_plan(blueprint, registry)
    services = RunServices()
    bind_connections(services, {"letmepost-v8hb99": ConnectionData(
        {"apiKey": "lmp_test_1"}, base_url_override=fake.url)})
    events: list[Any] = []
    result = await run_plan(plan, services, [events.append])
    assert result.status == "success", result
    posted = [r for r in fake.requests if r.method == "POST"]
    assert len(posted) == 1
