"""The Gemini AI connector (connectors/gemini-ai): the module types the corpus' Make exports
use, under Make's ids and field names, run against the local fake of the Gemini API
(tests/support/fake_gemini.py): the Files API's resumable upload, generateContent with parts
as the API takes them, `result` as the exports map it, errors as Make's error types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.apps import (
    App,
    ConnectionData,
    bind_connections,
    check_app,
    module_specs,
    run_rpc,
    verify_connection,
)
from engine.context import RunServices
from engine.errors import IMLError, ModuleError
from engine.spec import ModuleSpec
from tests.apps.fakes import call_module
from tests.connectors.corpus import field_names, used_names, uses
from tests.support import fake_gemini as support
from tests.support.fake_gemini import DEFAULT_KEY, FakeGemini

fake_gemini = support.fake_gemini  # the fixture

CONNECTOR = Path(__file__).resolve().parents[2] / "connectors" / "gemini-ai"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
INVOICE = {"Invoice number": "INV-1042", "Invoice date": "2026-02-27",
           "Vendor name": "Desert Supplies LLC", "Total amount": "1050.00",
           "Tax amount": "50.00", "Currency": "AED", "Due date": "2026-03-29"}


@pytest.fixture(scope="module")
def specs(app: App) -> dict[str, ModuleSpec]:
    return {s.id.split(":")[1]: s for s in module_specs(app)}


@pytest.fixture
def run(fake_gemini: FakeGemini) -> RunServices:
    services = RunServices()
    bind_connections(services, {"gemini-ai": ConnectionData({"apiKey": DEFAULT_KEY},
                                                            base_url_override=fake_gemini.url)})
    return services


async def call(spec: ModuleSpec, run: RunServices, **mapper: Any) -> list[dict[str, Any]]:
    return await call_module(spec, run, parameters={"__IMTCONN__": 1}, mapper=mapper)


def test_every_corpus_module_type_is_there_with_the_fields_exports_carry(
        app: App, specs: dict[str, ModuleSpec]) -> None:
    assert app.name == "gemini-ai" and app.problems == [] and check_app(CONNECTOR) == []
    corpus = uses("gemini-ai")
    assert {m.split(":")[1] for m in corpus} == {"createACompletionGeminiPro", "uploadAFile"}
    assert set(specs) == {"createACompletionGeminiPro", "uploadAFile", "makeApiCall"}
    for module, nodes in corpus.items():
        spec = specs[module.split(":")[1]]
        declared = field_names(spec.parameters) | field_names(spec.mapper)
        for node in nodes:
            names = used_names({**node.get("parameters", {}), **node.get("mapper", {})}, set())
            assert names <= declared, (module, names - declared)


async def test_upload_then_complete_as_the_invoice_exports_do(
        specs: dict[str, ModuleSpec], run: RunServices, fake_gemini: FakeGemini) -> None:
    corpus = uses("gemini-ai")
    upload = corpus["gemini-ai:uploadAFile"][0]["mapper"]
    [file] = await call(specs["uploadAFile"], run, **{**upload, "file_data": PDF,
                                                      "file_name": "invoice-1042.pdf"})
    start, send = fake_gemini.requests
    assert start.path == "/upload/v1beta/files"
    assert start.headers["x-goog-api-key"] == DEFAULT_KEY
    assert start.headers["x-goog-upload-header-content-length"] == str(len(PDF))
    assert start.headers["x-goog-upload-header-content-type"] == "application/pdf"
    assert start.json() == {"file": {"display_name": "invoice-1042.pdf"}}
    assert send.body == PDF and send.headers["x-goog-upload-command"] == "upload, finalize"
    assert file["mimeType"] == "application/pdf" and file["uri"] in fake_gemini.files
    assert file["displayName"] == "invoice-1042.pdf" and file["state"] == "ACTIVE"

    fake_gemini.reply = lambda body: json.dumps(INVOICE)
    mapper = json.loads(json.dumps(corpus["gemini-ai:createACompletionGeminiPro"][1]["mapper"])
                        .replace("{{3.uri}}", file["uri"])
                        .replace("{{3.mimeType}}", file["mimeType"]))
    [out] = await call(specs["createACompletionGeminiPro"], run, **mapper)
    request = fake_gemini.requests[-1]
    assert request.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    body = request.json()
    assert body["contents"] == [{"role": "user", "parts": [{"file_data": {
        "mime_type": "application/pdf", "file_uri": file["uri"]}}]}]
    assert body["system_instruction"]["parts"][0]["text"].startswith("you are an expert")
    assert set(body) == {"contents", "system_instruction"}  # empty configs left out
    assert out["result"] == INVOICE  # `{{4.result.Currency}}` in the export
    assert out["candidates"][0]["finishReason"] == "STOP"


async def test_parts_configs_tools_and_fenced_json(
        specs: dict[str, ModuleSpec], run: RunServices, fake_gemini: FakeGemini) -> None:
    fake_gemini.reply = lambda body: '```json\n{"ok": true}\n```'
    [out] = await call(
        specs["createACompletionGeminiPro"], run, model="models/gemini-2.5-pro",
        contents=[{"role": "user", "parts": [{"type": "text", "text": "Hi"}]},
                  {"role": "model", "parts": [{"type": "functionCall", "functionCall": {
                      "name": "lookup", "args": '{"q": "x"}'}, "thoughtSignature": "sig"}]},
                  {"role": "user", "parts": [{"type": "functionResponse",
                                              "functionResponse": {"name": "lookup",
                                                                   "response": '{"r": 1}'}}]}],
        generationConfig={"temperature": "0.2", "maxOutputTokens": "512",
                          "responseModalities": ["text"], "stopSequences": [],
                          "thinkingConfig": {"thinkingBudget": "0", "include_thoughts": False,
                                             "thinking_level": ""}},
        safetySettings=[{"category": "HARM_CATEGORY_HARASSMENT",
                         "threshold": "BLOCK_ONLY_HIGH"}],
        google_search_context=True, url_context=False)
    body = fake_gemini.requests[-1].json()
    assert body["contents"][1]["parts"] == [{"functionCall": {"name": "lookup",
                                                              "args": {"q": "x"}},
                                             "thoughtSignature": "sig"}]
    assert body["contents"][2]["parts"][0]["functionResponse"]["response"] == {"r": 1}
    assert body["generationConfig"] == {"temperature": 0.2, "maxOutputTokens": 512,
                                        "responseModalities": ["TEXT"],
                                        "thinkingConfig": {"thinkingBudget": 0,
                                                           "includeThoughts": False}}
    assert body["tools"] == [{"google_search": {}}]
    assert out["result"] == {"ok": True}
    fake_gemini.reply = lambda body: "Plain words."
    [plain] = await call(specs["createACompletionGeminiPro"], run, model="gemini-2.5-flash",
                         contents=[{"role": "user", "parts": [{"type": "text",
                                                               "text": "Hi"}]}])
    assert plain["result"] == "Plain words."


async def test_errors_rpcs_and_the_connection(app: App, specs: dict[str, ModuleSpec],
                                              run: RunServices, fake_gemini: FakeGemini
                                              ) -> None:
    wrong = RunServices()
    bind_connections(wrong, {"gemini-ai": ConnectionData({"apiKey": "AIzaWrong"},
                                                         fake_gemini.url)})
    with pytest.raises(ModuleError) as refused:
        await call(specs["createACompletionGeminiPro"], wrong, model="gemini-2.5-flash",
                   contents=[{"role": "user", "parts": [{"type": "text", "text": "Hi"}]}])
    assert refused.value.name == "InvalidAccessTokenError"
    fake_gemini.limit_rate()
    with pytest.raises(ModuleError) as limited:
        await call(specs["createACompletionGeminiPro"], run, model="gemini-2.5-flash",
                   contents=[{"role": "user", "parts": [{"type": "text", "text": "Hi"}]}])
    assert limited.value.name == "RateLimitError"
    with pytest.raises(ModuleError) as missing:
        await call(specs["createACompletionGeminiPro"], run, model="gemini-2.5-flash",
                   contents=[{"role": "user", "parts": [{"type": "file", "file_data": {
                       "file_uri": "https://x/files/none", "mime_type": "text/plain"}}]}])
    assert missing.value.name == "InvalidAccessTokenError" and "403" in missing.value.message
    with pytest.raises(IMLError, match="File Search store is not supported yet"):
        await call(specs["uploadAFile"], run, file_name="a.txt", file_data=b"a",
                   useFileSearchStore=True)  # a DataError of the module in a run
    models = await run_rpc(app, "rpc://listModels", RunServices(), connection=ConnectionData(
        {"apiKey": DEFAULT_KEY}, fake_gemini.url))
    assert [m["value"] for m in models] == ["gemini-2.5-flash", "gemini-2.5-pro"]
    [out] = await call(specs["makeApiCall"], run, url="/v1beta/models", method="GET")
    assert out["statusCode"] == 200 and len(out["body"]["models"]) == 3
    check = await verify_connection(app, "gemini", {"apiKey": DEFAULT_KEY}, RunServices(),
                                    base_url_override=fake_gemini.url)
    assert check.data["apiKey"] == DEFAULT_KEY
    with pytest.raises(ModuleError) as bad_key:
        await verify_connection(app, "gemini", {"apiKey": "AIzaNope"}, RunServices(),
                                base_url_override=fake_gemini.url)
    assert bad_key.value.name == "InvalidAccessTokenError"
