"""What a family of shipped apps (Google's) needs from the app SDK: functions written in
Python (trusted apps only, no Node.js), a connection type one app declares and the others
use (`google:google`), a module naming its connection `account` as Make's older modules
do, and a base URL override that moves the service's other hosts (`serviceUrls`) too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.apps import (
    ConnectionData,
    bind_connections,
    discover_apps,
    load_makecomapp,
    module_specs,
)
from engine.context import RunServices
from engine.errors import IMLError
from tests.apps.fakes import Request, call_module, fake_service

FUNCTIONS_PY = '''
from typing import Any


def columns(values: Any) -> list[Any]:
    if not isinstance(values, dict):
        return []
    width = max((int(k) for k in values), default=-1) + 1
    return [values.get(str(i)) for i in range(width)]


def broken(value: Any) -> Any:
    return 1 / 0


FUNCTIONS = {"columns": columns, "broken": broken}
'''


def _write(folder: Path, files: dict[str, Any]) -> Path:
    for name, value in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value if isinstance(value, str) else json.dumps(value))
    return folder


def family(root: Path) -> tuple[Path, Path]:
    """`acct` declares the connection; `rows` uses it, with Python functions."""
    acct = _write(root / "acct", {
        "makecomapp.json": {
            "fileVersion": 1,
            "components": {"connection": {"acct": {
                "label": "Account", "connectionType": "basic",
                "codeFiles": {"params": "conn.params.iml.json"}}}},
            "origins": [{"label": "Production", "appId": "acct", "appVersion": 1}]},
        "conn.params.iml.json": [{"name": "apiKey", "type": "password", "label": "Key"}],
    })
    rows = _write(root / "rows", {
        "makecomapp.json": {
            "fileVersion": 1, "generalCodeFiles": {"base": "base.iml.json"},
            "components": {
                "function": {"columns": {"codeFiles": {"code": "functions.py"}},
                             "broken": {"codeFiles": {"code": "functions.py"}}},
                "module": {
                    "addRow": {"moduleType": "action", "label": "Add a row",
                               "connection": "acct:acct",
                               "codeFiles": {"communication": "add.iml.json"}},
                    "crash": {"moduleType": "action", "label": "Crash",
                              "connection": "acct:acct",
                              "codeFiles": {"communication": "crash.iml.json"}}}},
            "origins": [{"label": "Production", "appId": "rows", "appVersion": 1}]},
        "base.iml.json": {"baseUrl": "https://rows.example.com",
                          "serviceUrls": ["https://files.example.com"],
                          "headers": {"authorization": "Bearer {{connection.apiKey}}"}},
        "functions.py": FUNCTIONS_PY,
        "add.iml.json": [
            {"url": "https://files.example.com/check", "response": {"temp": {"ok": "{{body.ok}}"}}},
            {"url": "/rows", "method": "POST", "body": {"row": "{{columns(parameters.values)}}"},
             "response": {"output": {"ok": "{{temp.ok}}", "row": "{{body.row}}"}}}],
        "crash.iml.json": {"url": "/rows", "response": {"output": "{{broken(1)}}"}},
    })
    return acct, rows


def handler(request: Request) -> tuple[int, Any]:
    if request.headers.get("authorization") != "Bearer k-1":
        return 401, {"error": "who?"}
    if request.path == "/check":
        return 200, {"ok": True}
    if request.path == "/rows":
        return 200, {"row": request.json()["row"] if request.body else None}
    return 404, {}


async def test_python_functions_and_another_apps_connection(tmp_path: Path) -> None:
    _, rows_folder = family(tmp_path)
    app = load_makecomapp(rows_folder, source="shipped")
    assert not app.problems and set(app.python_functions) == {"columns", "broken"}
    specs = {s.id: s for s in module_specs(app)}
    assert specs["rows:addRow"].connection == "acct:acct"
    with fake_service(handler) as fake:
        run = RunServices()
        bind_connections(run, {"5": ConnectionData({"apiKey": "k-1"},
                                                   base_url_override=fake.url)})
        out = await call_module(specs["rows:addRow"], run, parameters={"account": 5},
                                mapper={"values": {"0": "a", "2": "c"}})
        assert out == [{"ok": True, "row": ["a", None, "c"]}]
        # the service's other host moved to the override with the base URL
        assert [r.path for r in fake.requests] == ["/check", "/rows"]
        with pytest.raises(IMLError, match="function 'broken' failed: ZeroDivisionError"):
            await call_module(specs["rows:crash"], run, parameters={"__IMTCONN__": 5})


def test_python_functions_are_refused_outside_trusted_apps(tmp_path: Path) -> None:
    family(tmp_path / "ws" / "apps")
    loaded = discover_apps(tmp_path / "ws", entry_points=False)
    rows = loaded.app("rows")
    assert rows is not None and rows.python_functions == {}
    assert any("Python run only in apps shipped" in p.message for p in loaded.problems)


def test_the_connection_type_is_the_declaring_apps(tmp_path: Path) -> None:
    from engine.connections import find_type

    family(tmp_path / "ws" / "apps")
    loaded = discover_apps(tmp_path / "ws", entry_points=False)
    kind = find_type("acct", loaded)
    assert kind.key == "acct:acct" and kind.is_secret("apiKey")


async def test_an_error_type_chosen_by_iml() -> None:
    from engine.apps.communication import Context, execute
    from engine.apps.declaration import Base
    from engine.errors import ModuleError

    def limited(request: Request) -> tuple[int, Any]:
        reason = request.query.get("reason", "forbidden")
        return 403, {"error": {"code": 403, "errors": [{"reason": reason}]}}

    error = {"403": {"type": "{{if(contains(body.error.errors[1].reason, 'RateLimit'),"
                             " 'RateLimitError', 'InvalidConfigurationError')}}"}}
    with fake_service(limited) as fake:
        for reason, kind in (("userRateLimitExceeded", "RateLimitError"),
                             ("forbidden", "InvalidConfigurationError")):
            ctx = Context(run=RunServices(), base=Base(baseUrl=fake.url))
            spec = {"url": "/x", "qs": {"reason": reason}, "response": {"error": error}}
            with pytest.raises(ModuleError) as caught:
                await execute(spec, ctx)
            assert caught.value.name == kind
