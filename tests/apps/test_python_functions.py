"""An app's own IML functions in Python (engine.apps.functions), one file per function named
as its component (Notion's and OpenAI's way; the Google apps' one file with a FUNCTIONS
table is tests/apps/test_app_families.py): usable in any code file beside the app's
JavaScript functions, only in trusted (shipped or packaged) apps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.apps import (
    ConnectionData,
    bind_connections,
    check_app,
    load_makecomapp,
    module_specs,
)
from engine.apps.components import functions_of
from engine.context import RunServices
from engine.errors import IMLError
from tests.apps.fakes import Request, call_module, fake_service

TYPED = '''
def typed(fields, schema):
    """One Notion-like value per field, by the field's type in the schema."""
    out = {}
    for key, value in (fields or {}).items():
        kind = schema.get(key)
        out[key] = {"number": float(value)} if kind == "number" else {"text": str(value)}
    return out
'''


def write_app(folder: Path, functions: dict[str, tuple[str, str]]) -> Path:
    """An app with one action posting `typed(fields, schema)`; `functions` maps a name to
    (code file suffix, source)."""
    def put(name: str, value: Any) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value if isinstance(value, str) else json.dumps(value))

    put("makecomapp.json", {
        "fileVersion": 1, "generalCodeFiles": {"base": "base.iml.json"},
        "components": {
            "module": {"send": {"moduleType": "action", "label": "Send",
                                "codeFiles": {"communication": "send.iml.json"}}},
            "function": {name: {"codeFiles": {"code": f"functions/{name}/{name}{suffix}"}}
                         for name, (suffix, _) in functions.items()}},
        "origins": [{"label": "Production", "appId": "typed", "appVersion": 1}]})
    for name, (suffix, source) in functions.items():
        put(f"functions/{name}/{name}{suffix}", source)
    put("base.iml.json", {"baseUrl": "https://typed.example"})
    put("send.iml.json", {
        "url": "/items", "method": "POST",
        "body": {"properties": "{{typed(parameters.fields, parameters.schema)}}"},
        "response": {"output": "{{body}}"}})
    return folder


async def test_a_python_function_reshapes_a_request_body(tmp_path: Path) -> None:
    folder = write_app(tmp_path / "typed", {"typed": (".py", TYPED)})
    app = load_makecomapp(folder, source="shipped")
    assert app.python_functions.keys() == {"typed"} and app.functions == {}
    assert app.problems == []
    [spec] = module_specs(app)

    def echo(request: Request) -> tuple[int, Any]:
        return 200, request.json()

    with fake_service(echo) as fake:
        run = RunServices()
        bind_connections(run, {"typed": ConnectionData({}, base_url_override=fake.url)})
        [out] = await call_module(spec, run, mapper={
            "fields": {"n": "4.5", "t": 7}, "schema": {"n": "number", "t": "text"}})
    assert out == {"properties": {"n": {"number": 4.5}, "t": {"text": "7"}}}


def test_its_failures_are_iml_errors_naming_the_function(tmp_path: Path) -> None:
    broken = (".py", "def typed(fields, schema):\n    return fields['missing']\n")
    app = load_makecomapp(write_app(tmp_path / "typed", {"typed": broken}), source="shipped")
    functions = functions_of(app)
    assert functions is not None
    with pytest.raises(IMLError, match=r"function 'typed' failed: KeyError"):
        functions.call("typed", [{}, {}])
    other = (".py", "def other(): pass\n")
    wrong = load_makecomapp(write_app(tmp_path / "other", {"typed": other}), source="shipped")
    assert "defines no function 'typed'" in wrong.problems[0].message


def test_a_workspace_app_may_not_run_python(tmp_path: Path) -> None:
    """A folder someone hands the user must not run Python in the engine's process: check
    says so, and the function is unknown there."""
    folder = write_app(tmp_path / "typed", {"typed": (".py", TYPED)})
    (folder / "send.iml.json").write_text(json.dumps(
        {"url": "/items", "body": {"a": "{{typed(1, 2)}}"}}))
    assert load_makecomapp(folder).python_functions == {}
    problems = check_app(folder)
    assert any("run only in apps shipped with Scenarist" in p.message for p in problems)
    assert any(p.key == "body.a" for p in problems), problems


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_python_and_javascript_functions_live_side_by_side(tmp_path: Path) -> None:
    app = load_makecomapp(write_app(tmp_path / "typed", {
        "typed": (".py", TYPED), "twice": (".js", "function twice(x) { return x * 2; }")}),
        source="shipped")
    functions = functions_of(app)
    assert functions is not None and functions.names == {"typed", "twice"}
    assert functions.call("twice", [21]) == 42
    assert functions.call("typed", [{"a": 1}, {}]) == {"a": {"text": "1"}}
