"""An error's `type` may be IML over the response: services that answer every error with HTTP
200 and a code in the body (Slack's `{"ok": false, "error": "invalid_auth"}`) still fail with
Make's error types, so handlers and automatic retries behave as in Make."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.apps import ConnectionData, bind_connections, load_makecomapp, module_specs
from engine.context import RunServices
from engine.errors import ModuleError
from tests.apps.fakes import Request, call_module, fake_service
from tests.connections.apps import _write

TYPE = ("{{if(body.error == 'invalid_auth', 'InvalidAccessTokenError', "
        "if(body.error == 'ratelimited', 'RateLimitError', 'DataError'))}}")


def app(folder: Path, error_type: str) -> Path:
    return _write(folder, {
        "makecomapp.json": {
            "fileVersion": 1, "generalCodeFiles": {"base": "base.iml.json"},
            "components": {"module": {"post": {
                "moduleType": "action", "label": "Post",
                "codeFiles": {"communication": "post.iml.json"}}}},
            "origins": [{"label": "Production", "appId": "okapp", "appVersion": 1,
                         "baseUrl": "https://eu1.make.com/api"}]},
        "base.iml.json": {"baseUrl": "https://ok.example.com", "response": {
            "valid": {"condition": "{{body.ok}}", "message": "[{{statusCode}}] {{body.error}}",
                      "type": error_type}}},
        "post.iml.json": {"url": "/post", "method": "POST", "qs": {"e": "{{parameters.e}}"},
                          "body": {}},
    })


def answer(request: Request) -> tuple[int, Any]:
    return 200, {"ok": False, "error": request.query.get("e", "channel_not_found")}


@pytest.mark.parametrize(("code", "expected"), [
    ("invalid_auth", "InvalidAccessTokenError"), ("ratelimited", "RateLimitError"),
    ("channel_not_found", "DataError")])
async def test_the_type_is_chosen_from_the_body(tmp_path: Path, code: str,
                                                expected: str) -> None:
    [spec] = module_specs(load_makecomapp(app(tmp_path / "okapp", TYPE)))
    with fake_service(answer) as fake:
        run = RunServices()
        bind_connections(run, {"okapp": ConnectionData({}, fake.url)})
        with pytest.raises(ModuleError) as failed:
            await call_module(spec, run, parameters={"__IMTCONN__": 1}, mapper={"e": code})
        await run.aclose()
    assert failed.value.name == expected
    assert failed.value.message == f"[200] {code}"


async def test_a_plain_name_and_a_broken_expression(tmp_path: Path) -> None:
    for error_type, expected in (("DataError", "DataError"),
                                 ("{{nosuchfunction(body)}}", "RuntimeError")):
        [spec] = module_specs(load_makecomapp(app(tmp_path / error_type[:4], error_type)))
        with fake_service(answer) as fake:
            run = RunServices()
            bind_connections(run, {"okapp": ConnectionData({}, fake.url)})
            with pytest.raises(ModuleError) as failed:
                await call_module(spec, run, parameters={"__IMTCONN__": 1})
            await run.aclose()
        assert failed.value.name == expected
