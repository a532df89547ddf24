"""Loading apps: the four real ones, JSONC with comments, broken files located by file,
key and line without stopping the others, discovery, the registry, list/check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.apps import check_app, discover_apps, list_apps, module_specs, register_apps
from engine.apps.jsonc import JsoncError, parse
from engine.iml.parser import app_code_to_scenario
from engine.registry import Registry, default_registry
from tests.apps.fakes import CORPUS, corpus_app

LABELS = {
    "hedy": {"watchEvents": "Watch events", "listSessions": "List sessions",
             "makeAnApiCall": "Make an API call"},
    "letmepost": {"publishPost": "Publish a Post", "makeApiCall": "Make an API Call"},
    "opnform": {"watchNewSubmissions": "Watch new submissions"},
    "polydoc": {"convertToPdf": "Convert to PDF", "createEInvoice": "Create E-Invoice"},
}


@pytest.mark.parametrize("name", sorted(LABELS))
def test_corpus_apps_load_whole(name: str) -> None:
    app = corpus_app(name)
    assert app.problems == []
    assert check_app(CORPUS / name) == []
    specs = {s.id.split(":", 1)[1]: s for s in module_specs(app)}
    for module, label in LABELS[name].items():
        assert specs[module].label == label
        assert specs[module].id == f"{app.name}:{module}"


def test_fields_interface_and_nested_options() -> None:
    hedy = {s.id.split(":")[1]: s for s in module_specs(corpus_app("hedy"))}
    limit = hedy["listSessions"].mapper[0]
    assert (limit.name, limit.type, limit.default) == ("limit", "uinteger", 10)
    assert [f.name for f in hedy["listSessions"].interface][:2] == ["sessionId", "title"]
    assert hedy["watchEvents"].kind == "instant_trigger"
    assert [p.name for p in hedy["watchEvents"].parameters] == [
        "__IMTCONN__", "__IMTHOOK__", "events"]
    assert hedy["makeAnApiCall"].kind == "action"
    polydoc = {s.id.split(":")[1]: s for s in module_specs(corpus_app("polydoc"))}
    fields = {f.name: f for f in polydoc["convertToPdf"].mapper}
    assert fields["url"].shown_when == {"sourceType": ["url"]}
    assert fields["presignedUrl"].shown_when == {"delivery": ["cloudStorage"]}
    assert fields["data"].type == "buffer" if "data" in fields else True
    assert {f.name: f.type for f in polydoc["convertToPdf"].interface}["data"] == "buffer"
    letmepost = {s.id.split(":")[1]: s for s in module_specs(corpus_app("letmepost"))}
    targets = letmepost["publishPost"].mapper[0]
    assert targets.type == "array" and targets.spec is not None
    assert targets.spec[0].name == "accountId" and targets.spec[0].type == "select"
    conn = corpus_app("opnform").connections["apiKeyAuth"]
    assert conn.parameters[0].type == "password"


def test_jsonc_comments_trailing_commas_and_lines() -> None:
    doc = parse('{\n  // a comment\n  "a": [1, 2,], /* block */\n  "b": {"c": "x",},\n}')
    assert doc.value == {"a": [1, 2], "b": {"c": "x"}}
    assert doc.line_of(("b", "c")) == 4
    with pytest.raises(JsoncError) as caught:
        parse('{\n  "a": 1\n  "b": 2\n}')
    assert caught.value.line == 3


def _broken_workspace(tmp_path: Path) -> Path:
    apps = tmp_path / "apps"
    shutil.copytree(CORPUS / "hedy", apps / "hedy", ignore=shutil.ignore_patterns("tests"))
    broken = apps / "broken"
    shutil.copytree(CORPUS / "letmepost", broken)
    (broken / "src/modules/getPost/api.imljson").write_text('{\n  "url": "/v1/x",\n  oops\n}')
    params = broken / "src/modules/listMedia/parameters.imljson"
    params.write_text('[\n  {"name": "limit", "required": "sometimes"}\n]')
    iml = broken / "src/modules/listAccounts/api.imljson"
    iml.write_text('{\n  "url": "/v1/accounts",\n  "response": {\n'
                   '    "output": "{{ifempty(item.id,}}"\n  }\n}')
    return tmp_path


def test_a_broken_app_is_located_and_never_stops_the_others(tmp_path: Path) -> None:
    workspace = _broken_workspace(tmp_path)
    loaded = discover_apps(workspace, shipped=None, entry_points=False)
    assert {a.name for a in loaded.apps} == {"hedy-p0dkfb", "letmepost-v8hb99"}
    described = [p.describe() for p in loaded.problems]
    assert any(d.startswith("src/modules/getPost/api.imljson:3") for d in described)
    assert any("src/modules/listMedia/parameters.imljson:2 (0.required)" in d
               for d in described)
    letmepost = loaded.app("letmepost-v8hb99")
    assert letmepost is not None and "getPost" not in letmepost.modules
    assert "publishPost" in letmepost.modules
    checked = [p.describe() for p in check_app(workspace / "apps" / "broken")]
    assert any(d.startswith("src/modules/listAccounts/api.imljson:4 (response.output)")
               for d in checked)


def test_manifest_errors_fail_only_that_app(tmp_path: Path) -> None:
    (tmp_path / "apps" / "old").mkdir(parents=True)
    (tmp_path / "apps" / "old" / "makecomapp.json").write_text(
        json.dumps({"fileVersion": 2}, indent=1))
    loaded = discover_apps(tmp_path, shipped=None, entry_points=False)
    assert loaded.apps == []
    assert loaded.problems[0].describe() == (
        "makecomapp.json:2 (fileVersion): fileVersion 2 is not supported (expected 1)")


def test_registry_aliases_and_list_apps() -> None:
    registry = Registry(default_registry().all())
    loaded = discover_apps(None, shipped=None, entry_points=False,
                           folders=[CORPUS / n for n in sorted(LABELS)])
    assert register_apps(registry, loaded) == []
    assert registry.get("app#polydoc-vnm0g9:convertToPdf") is not None
    assert registry.get("opnform-test-b1vi3x:makeAnApiCall") is registry.get(
        "opnform-65ly55:makeAnApiCall")
    rows = [r for r in list_apps(registry) if r["app"] == "hedy-p0dkfb"]
    assert {"app": "hedy-p0dkfb", "module": "hedy-p0dkfb:getSession",
            "label": "Get a session", "kind": "action"} in rows


@pytest.mark.parametrize(("app_code", "scenario"), [
    ("{{ifempty(parameters.limit, 10)}}", "{{ifempty(parameters.limit; 10)}}"),
    ("{{statusCode === 200}}", "{{`statusCode` =   200}}"),
    ("{{get(x, 'a, b')}}", "{{get(x; 'a, b')}}"),
    ("{{a && b || c}}", "{{a &  b |  c}}"),
    ("{{if(connection.sandbox; 'true'; 'false')}}",
     "{{if(connection.sandbox; 'true'; 'false')}}"),
    ("plain, text", "plain, text"),
])
def test_app_code_iml(app_code: str, scenario: str) -> None:
    assert app_code_to_scenario(app_code) == scenario


def test_app_code_reads_keys_in_brackets_as_make_documents() -> None:
    from engine.apps.iml import evaluate_text

    roots = {"headers": {"retry-after": "30"}, "body": {"@odata.nextLink": "/p2", "v": [7, 8]}}
    assert evaluate_text("{{headers['retry-after']}}", roots) == "30"
    assert evaluate_text('{{body["@odata.nextLink"]}}', roots) == "/p2"
    assert evaluate_text("{{body.v[2]}}", roots) == 8  # a number stays an index
