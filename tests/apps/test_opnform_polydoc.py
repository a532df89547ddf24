"""OpnForm and PolyDoc (real custom apps) against local fakes: a self-hosted base URL from
the connection, next-URL pagination, webhook attach/detach/respond, binary downloads and
the app's own JavaScript functions."""

from __future__ import annotations

import shutil
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


def opnform(fake_url: list[str]) -> Any:
    def handle(request: Request) -> tuple[int, Any]:
        if request.headers.get("authorization") != "Bearer opn-1":
            return 401, {"message": "Unauthenticated."}
        if request.path == "/open/workspaces":
            return 200, [{"id": 7, "name": "Main"}]
        if request.path == "/open/workspaces/7/forms":
            page = int(request.query.get("page", 1))
            nxt = f"{fake_url[0]}/open/workspaces/7/forms?page={page + 1}" if page < 2 else None
            return 200, {"data": [{"id": page * 10, "title": f"Form {page}"}],
                         "links": {"next": nxt}}
        if request.path == "/open/forms/10/integrations" and request.method == "POST":
            return 200, {"form_integration": {"id": 55}}
        if request.path == "/open/forms/10/integrations/55":
            return 200, {"message": "deleted"}
        return 404, {"message": "Not found"}

    return handle


async def test_opnform_against_a_self_hosted_fake() -> None:
    app = corpus_app("opnform")
    url: list[str] = []
    with fake_service(opnform(url)) as fake:
        url.append(fake.url)
        run = RunServices()
        checked = await verify_connection(app, "apiKeyAuth",
                                          {"apiKey": "opn-1", "baseUrl": fake.url}, run)
        # No override needed: the connection's baseUrl is the base's base URL.
        conn = ConnectionData(checked.data)
        assert await run_rpc(app, "listWorkspaces", run, connection=conn) == [
            {"label": "Main", "value": 7}]
        forms = await run_rpc(app, "rpc://listForms?workspaceId=7", run, connection=conn)
        assert forms == [{"label": "Form 1", "value": 10}, {"label": "Form 2", "value": 20}]
        assert fake.requests[-1].query == {"page": "2", "per_page": "100"}
        saved = await attach_webhook(app, "newSubmission", "http://hook/1", run,
                                     parameters={"workspaceId": 7, "formId": 10},
                                     connection=conn)
        assert saved == {"externalHookId": 55, "formId": 10}
        assert fake.requests[-1].json()["data"] == {"webhook_url": "http://hook/1"}
        await detach_webhook(app, "newSubmission", saved, run, connection=conn)
        assert fake.requests[-1].path == "/open/forms/10/integrations/55"
        bind_connections(run, {"opnform-65ly55": conn})
        specs = {s.id.split(":", 1)[1]: s for s in module_specs(app)}
        out = await call_module(specs["makeAnApiCall"], run, mapper={
            "url": "/open/workspaces", "method": "GET",
            "headers": [{"key": "X-Trace", "value": "t"}]})
        assert out[0]["body"] == [{"id": 7, "name": "Main"}]
        assert fake.requests[-1].headers["x-trace"] == "t"
        assert fake.requests[-1].headers["accept"] == "application/json"
        with pytest.raises(ModuleError) as caught:
            await call_module(specs["makeAnApiCall"], run, mapper={"url": "/x", "method": "GET"})
        assert caught.value.message == "[404] Not found"
        await run.aclose()
    hook = RunServices(webhook_request={"body": {"form_id": 10, "submission_id": 1}})
    assert await call_module(specs["watchNewSubmissions"], hook) == [
        {"form_id": 10, "submission_id": 1}]


PDF = b"%PDF-1.7 fake"


def polydoc(request: Request) -> tuple[int, Any] | tuple[int, Any, str]:
    if request.headers.get("authorization") != "Bearer pd-1":
        return 401, {"message": "bad key"}
    body = request.json()
    if request.path == "/pdf/convert":
        if body.get("source") == "":
            return 422, {"message": "source is required"}
        if "cloudStorage" in body:
            return 200, {"status": "uploaded"}
        return 200, PDF, "application/pdf"
    if request.path == "/screenshot/convert":
        return 200, b"\x89PNG", "image/png"
    return 404, {"message": "no"}


async def test_polydoc_runs_its_javascript_functions() -> None:
    assert shutil.which("node"), "custom-app functions need Node.js (.ci/run installs nodejs)"
    app = corpus_app("polydoc")
    specs = {s.id.split(":", 1)[1]: s for s in module_specs(app)}
    with fake_service(polydoc) as fake:
        run = RunServices()
        await verify_connection(app, "polydoc", {"apiKey": "pd-1"}, run,
                                base_url_override=fake.url)
        bind_connections(run, {"polydoc-vnm0g9": ConnectionData(
            {"apiKey": "pd-1", "sandbox": True}, fake.url)})
        out = await call_module(specs["convertToPdf"], run, mapper={
            "sourceType": "url", "url": "https://example.com", "format": "A4",
            "landscape": True, "delivery": "download",
            "advanced": '{"pdf": {"watermark": {"text": "draft"}}}'})
        assert out == [{"fileName": "document.pdf", "contentType": "application/pdf",
                        "data": PDF}]
        sent = fake.requests[-1]
        assert sent.headers["x-sandbox"] == "true"
        assert sent.json() == {"source": "https://example.com",
                               "layout": {"format": "A4", "landscape": True},
                               "pdf": {"watermark": {"text": "draft"}}}
        shot = await call_module(specs["captureScreenshot"], run, mapper={
            "sourceType": "html", "html": "<p>x</p>", "imageType": "png",
            "delivery": "download"})
        assert shot[0]["fileName"] == "screenshot.png" and shot[0]["data"] == b"\x89PNG"
        stored = await call_module(specs["createEInvoice"], run, mapper={
            "sourceType": "html", "html": "<p>i</p>", "eInvoiceStandard": "zugferd",
            "eInvoiceProfile": "en16931", "invoice": '{"number": "1"}',
            "delivery": "cloudStorage", "presignedUrl": "https://bucket/x"})
        assert stored == [{"status": "uploaded"}]
        assert fake.requests[-1].json()["eInvoice"]["invoice"] == {"number": "1"}
        with pytest.raises(ModuleError) as caught:
            await call_module(specs["convertToPdf"], run, mapper={"sourceType": "url"})
        assert caught.value.message == "[422] source is required"
        await run.aclose()
