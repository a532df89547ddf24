"""The OpenAI connector (connectors/openai, Make's `openai-gpt-3` app): every module type the
corpus' Make exports use, under Make's ids and field names, run against the local fake of
OpenAI's API (tests/support/fake_openai.py): requests the API accepts, outputs as Make gives
them (`result`, `choices[]`, image URLs or files, audio), errors as Make's error types."""

from __future__ import annotations

import base64
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
from engine.errors import ModuleError
from engine.iml import Scope, compile_template
from engine.spec import ModuleSpec
from tests.apps.fakes import call_module
from tests.connectors.corpus import field_names, used_names, uses
from tests.support import fake_openai as support
from tests.support.fake_openai import DEFAULT_KEY, MP3, PNG, FakeOpenAI

fake_openai = support.fake_openai  # the fixture

CONNECTOR = Path(__file__).resolve().parents[2] / "connectors" / "openai"
CORPUS_TYPES = {"CreateCompletion", "GenerateImage", "generateAnAudio", "createModelResponse"}


@pytest.fixture(scope="module")
def specs(app: App) -> dict[str, ModuleSpec]:
    return {s.id.split(":")[1]: s for s in module_specs(app)}


@pytest.fixture
def run(fake_openai: FakeOpenAI) -> RunServices:
    services = RunServices()
    bind_connections(services, {"openai-gpt-3": ConnectionData(
        {"apiKey": DEFAULT_KEY, "organization": "org-Scenarist"},
        base_url_override=fake_openai.url)})
    return services


async def call(spec: ModuleSpec, run: RunServices, **mapper: Any) -> list[dict[str, Any]]:
    return await call_module(spec, run, parameters={"__IMTCONN__": 1}, mapper=mapper)


def test_every_corpus_module_type_is_there_with_the_fields_exports_carry(
        app: App, specs: dict[str, ModuleSpec]) -> None:
    assert app.name == "openai-gpt-3" and app.problems == [] and check_app(CONNECTOR) == []
    corpus = uses("openai-gpt-3")
    assert {m.split(":")[1] for m in corpus} == CORPUS_TYPES
    assert set(specs) == CORPUS_TYPES | {"makeApiCall"}
    for module, nodes in corpus.items():
        spec = specs[module.split(":")[1]]
        declared = field_names(spec.parameters) | field_names(spec.mapper)
        for node in nodes:
            names = used_names({**node.get("parameters", {}), **node.get("mapper", {})},
                               {"format", "reasoning"})
            assert names <= declared, (module, names - declared)


async def test_create_a_completion_as_the_corpus_exports_it(
        specs: dict[str, ModuleSpec], run: RunServices, fake_openai: FakeOpenAI) -> None:
    # module 5 of the corpus' "RAG Email" scenario, its mapper as exported (o1-mini)
    [node] = [n for n in uses("openai-gpt-3")["openai-gpt-3:CreateCompletion"]
              if n["mapper"]["model"] == "o1-mini"]
    mapper = {**node["mapper"], "messages": [{**m, "content": "Hi, it's Ada."}
                                             for m in node["mapper"]["messages"]]}
    [out] = await call_module(specs["CreateCompletion"], run, parameters={"__IMTCONN__": 1},
                              mapper=mapper)
    [request] = fake_openai.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {DEFAULT_KEY}"
    assert request.headers["openai-organization"] == "org-Scenarist"
    assert request.json() == {"model": "o1-mini", "messages": [
        {"role": "user", "content": "Hi, it's Ada."}], "max_completion_tokens": 2048,
        "temperature": 1, "top_p": 1, "n": 1, "response_format": {"type": "text"}}
    assert out["result"] == "echo: Hi, it's Ada."
    scope = Scope({5: out})
    assert compile_template("{{5.choices[].message.content}}")(scope) == out["result"]
    assert out["object"] == "chat.completion" and out["usage"]["total_tokens"] == 29


async def test_messages_images_json_and_other_parameters(
        specs: dict[str, ModuleSpec], run: RunServices, fake_openai: FakeOpenAI) -> None:
    fake_openai.reply = lambda body: '{"tier": "hot"}'
    [out] = await call(
        specs["CreateCompletion"], run, select="chat", model="gpt-4o", max_tokens="0",
        temperature="0.7", response_format="json_object", parseJSONResponse=True,
        stop=["END", ""], logit_bias=[{"token": "1734", "probability": "-100"}],
        additionalParameters=[{"key": "user", "type": "text", "value": "ada-7"},
                              {"key": "store", "type": "boolean", "value": "true"}],
        messages=[
            {"role": "system", "content": "Answer in JSON."},
            {"role": "user", "content": "What is this?", "imageInputType": "url",
             "imageUrl": "https://example.com/cat.png", "imageDetail": "low"},
            {"role": "user", "content": "And this?", "imageInputType": "file",
             "imageFile": {"imageFilename": "dot.png", "imageData": PNG}},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": "call_1", "function": {"name": "lookup", "arguments": "{}"}}]},
            {"role": "tool", "content": "42", "tool_call_id": "call_1"}])
    body = fake_openai.bodies("/v1/chat/completions")[0]
    assert out["result"] == {"tier": "hot"}
    assert "max_completion_tokens" not in body and body["temperature"] == 0.7
    assert body["stop"] == ["END"] and body["logit_bias"] == {"1734": -100}
    assert body["user"] == "ada-7" and body["store"] is True
    assert body["response_format"] == {"type": "json_object"}
    system, url, file, assistant, tool = body["messages"]
    assert system == {"role": "system", "content": "Answer in JSON."}
    assert url["content"] == [{"type": "text", "text": "What is this?"},
                              {"type": "image_url", "image_url": {
                                  "url": "https://example.com/cat.png", "detail": "low"}}]
    assert file["content"][1]["image_url"]["url"] == (
        "data:image/png;base64," + base64.b64encode(PNG).decode())
    assert assistant == {"role": "assistant", "tool_calls": [
        {"type": "function", "id": "call_1", "function": {"name": "lookup",
                                                          "arguments": "{}"}}]}
    assert tool == {"role": "tool", "content": "42", "tool_call_id": "call_1"}


async def test_a_legacy_prompt_completion(specs: dict[str, ModuleSpec], run: RunServices,
                                          fake_openai: FakeOpenAI) -> None:
    [out] = await call(specs["CreateCompletion"], run, select="prompt", model="gpt-4o-mini",
                       prompt="Say hi", max_tokens=20)
    assert fake_openai.bodies("/v1/completions") == [
        {"model": "gpt-4o-mini", "prompt": "Say hi", "max_tokens": 20}]
    assert out["result"] == "echo: Say hi" and out["choices"][0]["text"] == out["result"]


async def test_generate_an_image_as_url_or_file(specs: dict[str, ModuleSpec], run: RunServices,
                                                fake_openai: FakeOpenAI) -> None:
    corpus = uses("openai-gpt-3")["openai-gpt-3:GenerateImage"]
    as_url = next(n for n in corpus if n["mapper"]["response_format"] == "url")["mapper"]
    [out] = await call(specs["GenerateImage"], run, **{**as_url, "prompt": "A padlock"})
    assert fake_openai.bodies("/v1/images/generations")[0] == {
        "model": "dall-e-3", "prompt": "A padlock", "n": 1, "size": as_url["size"],
        "quality": "standard", "style": "vivid", "response_format": "url"}
    assert out["data"][0]["url"].endswith(".png") and "resImgData" not in out
    assert compile_template("{{3.data[].url}}")(Scope({3: out})) == out["data"][0]["url"]
    as_file = next(n for n in corpus if n["mapper"]["response_format"] == "imageFile")["mapper"]
    [image] = await call(specs["GenerateImage"], run, **{**as_file, "prompt": "A padlock"})
    assert fake_openai.bodies("/v1/images/generations")[1]["response_format"] == "b64_json"
    assert image["resImgData"] == PNG and image["resImgName"] == "image-1.png"
    assert image["data"][0]["fileData"] == PNG
    [newer] = await call(specs["GenerateImage"], run, model="gpt-image-1", prompt="A padlock",
                         response_format="url", style="vivid", quality="high")
    assert "response_format" not in fake_openai.bodies("/v1/images/generations")[2]
    assert newer["resImgData"] == PNG


async def test_generate_audio(specs: dict[str, ModuleSpec], run: RunServices,
                              fake_openai: FakeOpenAI) -> None:
    [node] = uses("openai-gpt-3")["openai-gpt-3:generateAnAudio"]
    [out] = await call(specs["generateAnAudio"], run, **{**node["mapper"], "input": "Hello"})
    assert fake_openai.bodies("/v1/audio/speech") == [
        {"model": "tts-1", "input": "Hello", "voice": "alloy", "response_format": "mp3",
         "speed": 1}]
    assert out == {"outputFilename": "openai-tts-output.mp3", "outputAudio": MP3}


async def test_generate_a_response_in_a_new_conversation(
        specs: dict[str, ModuleSpec], run: RunServices, fake_openai: FakeOpenAI) -> None:
    [node] = uses("openai-gpt-3")["openai-gpt-3:createModelResponse"]
    fake_openai.models = (*fake_openai.models, node["mapper"]["model"])
    fake_openai.reply = lambda body: '{"factors": [{"factor_key": "budget"}]}'
    [out] = await call(specs["createModelResponse"], run,
                       **{**node["mapper"], "input": "Extract the factors."})
    [conversation] = fake_openai.conversations
    body = fake_openai.bodies("/v1/responses")[0]
    assert body == {"model": "gpt-5.1", "input": "Extract the factors.", "truncation": "auto",
                    "temperature": 0.1, "store": True, "background": False,
                    "parallel_tool_calls": True, "conversation": conversation}
    assert out["result"] == '{"factors": [{"factor_key": "budget"}]}'
    assert out["conversationId"] == conversation and out["status"] == "completed"
    assert out["raw_result"][-1]["type"] == "message"
    [again] = await call(specs["createModelResponse"], run, model="gpt-4o", input="More?",
                         inputContentType="text", createConversation=False,
                         conversationId=conversation, previous_response_id=out["id"])
    assert fake_openai.bodies("/v1/responses")[1]["conversation"] == conversation
    assert "previous_response_id" not in fake_openai.bodies("/v1/responses")[1]
    assert again["conversationId"] == conversation and len(fake_openai.conversations) == 1


async def test_make_an_api_call_and_rpcs(app: App, specs: dict[str, ModuleSpec],
                                         run: RunServices, fake_openai: FakeOpenAI) -> None:
    [out] = await call(specs["makeApiCall"], run, url="/v1/embeddings", method="POST",
                       headers=[{"key": "Content-Type", "value": "application/json"}],
                       body='{"model": "text-embedding-3-small", "input": "hi"}')
    assert out["statusCode"] == 200 and out["body"]["data"][0]["embedding"][0] == 0.0023
    models = await run_rpc(app, "rpc://listModels", RunServices(), connection=ConnectionData(
        {"apiKey": DEFAULT_KEY}, fake_openai.url))
    assert {"label": "gpt-4o-mini", "value": "gpt-4o-mini"} in models
    assert models == sorted(models, key=lambda m: m["value"])


async def test_errors_are_makes_types(app: App, specs: dict[str, ModuleSpec],
                                      fake_openai: FakeOpenAI, run: RunServices) -> None:
    wrong = RunServices()
    bind_connections(wrong, {"openai-gpt-3": ConnectionData({"apiKey": "sk-wrong-key-123456"},
                                                            fake_openai.url)})
    with pytest.raises(ModuleError) as refused:
        await call(specs["CreateCompletion"], wrong, model="gpt-4o",
                   messages=[{"role": "user", "content": "hi"}])
    assert refused.value.name == "InvalidAccessTokenError"
    assert "sk-wrong-key-123456" not in refused.value.message
    fake_openai.limit_rate()
    with pytest.raises(ModuleError) as limited:
        await call(specs["CreateCompletion"], run, model="gpt-4o",
                   messages=[{"role": "user", "content": "hi"}])
    assert limited.value.name == "RateLimitError" and "Rate limit" in limited.value.message
    with pytest.raises(ModuleError) as unknown:
        await call(specs["CreateCompletion"], run, model="gpt-9",
                   messages=[{"role": "user", "content": "hi"}])
    assert unknown.value.name == "DataError" and "gpt-9" in unknown.value.message
    check = await verify_connection(app, "openai", {"apiKey": DEFAULT_KEY}, RunServices(),
                                    base_url_override=fake_openai.url)
    assert check.data["apiKey"] == DEFAULT_KEY
    with pytest.raises(ModuleError) as bad_key:
        await verify_connection(app, "openai", {"apiKey": "sk-nope"}, RunServices(),
                                base_url_override=fake_openai.url)
    assert bad_key.value.name == "InvalidAccessTokenError"
