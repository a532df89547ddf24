"""Sub-scenarios through `scenarist run`: a parent calls a scenario of the workspace with
inputs and maps what it returns; the child is a run of its own in history, linked to its
parent. The children are real Make exports where there are some."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.mail.helpers import Cli, module, scenario

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "blueprints"
GREETER = CORPUS / "integromat__make-typescript-sdk__test__mocks__executions__blueprint.json"


def call(module_id: int, reference: Any, data: dict[str, Any], *, wait: bool = True,
         label: str | None = None) -> dict[str, Any]:
    node = module(module_id, "scenario-service:CallSubscenario", 2,
                  parameters={"scenario": reference, "shouldWaitForExecutionEnd": wait},
                  mapper={"data": data})
    if label is not None:
        node["metadata"]["restore"] = {"parameters": {"scenario": {"label": label}}}
    return node


def child(name: str, *flow: dict[str, Any], inputs: list[dict[str, Any]],
          outputs: list[dict[str, Any]], make_id: int | None = None) -> dict[str, Any]:
    blueprint = scenario(name, *flow, io={"input_spec": inputs, "output_spec": outputs})
    if make_id is not None:
        blueprint["metadata"]["scenarist"] = {"makeScenarioId": make_id}
    return blueprint


def put(workspace: Path, blueprint: dict[str, Any], file: str) -> None:
    folder = workspace / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{file}.blueprint.json").write_text(json.dumps(blueprint), encoding="utf-8")


PRICE = child(
    "Price with tax",
    module(1, "scenario-service:StartSubscenario", 2),
    module(2, "util:SetVariable2", parameters={}, mapper={
        "name": "gross", "scope": "roundtrip", "value": "{{1.net * (1 + var.input.rate)}}"}),
    module(3, "scenario-service:ReturnData", 2, mapper={
        "gross": "{{2.gross}}", "label": "{{1.sku}}: {{2.gross}}", "paid": "{{1.paid}}"}),
    inputs=[{"name": "sku", "type": "text", "required": True},
            {"name": "net", "type": "number", "required": True},
            {"name": "rate", "type": "number", "default": "0.2"},
            {"name": "paid", "type": "boolean", "default": False}],
    outputs=[{"name": "gross", "type": "number"}, {"name": "label", "type": "text"},
             {"name": "paid", "type": "boolean"}, {"name": "missing", "type": "text"}],
    make_id=4882761)


def test_a_parent_calls_a_sub_scenario_and_maps_its_returned_data(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = tmp_path / "ws"
    put(workspace, PRICE, "price")
    cli = Cli(workspace, capsys)
    parent = scenario(
        "Order",
        module(1, "util:SetVariables", mapper={"scope": "roundtrip", "variables": [
            {"name": "sku", "value": "A-1"}, {"name": "net", "value": "100"}]}),
        call(2, "SCN_4882761", {"sku": "{{1.sku}}", "net": "{{1.net}}", "paid": "true"}),
        module(3, "util:ComposeTransformer",
               mapper={"value": "{{2.label}} / {{2.gross + 1}} / {{2.paid}}"}))
    report = cli.run(parent, name="order")
    assert report["status"] == "success", report
    assert report["modules"]["2"]["outputs"] == [
        {"gross": 120, "label": "A-1: 120", "paid": True, "missing": None}]
    assert report["modules"]["3"]["outputs"] == [{"value": "A-1: 120 / 121 / true"}]

    runs = json.loads(cli("history", "list", "--json"))
    [parent_run] = [r for r in runs if r["scenario"] == "Order"]
    [child_run] = [r for r in runs if r["scenario"] == "Price with tax"]
    assert child_run["trigger"] == "subscenario" and child_run["status"] == "success"
    assert child_run["resumed_from"] == parent_run["id"]
    shown = json.loads(cli("history", "show", child_run["id"], "--json"))
    assert shown["modules"]["1"]["outputs"] == [
        {"sku": "A-1", "net": 100, "rate": 0.2, "paid": True}]


def test_the_real_exports_reference_finds_the_child_by_its_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ldecibe's export calls `SCN_4882761` labelled with the child's name; Make's own
    on-demand scenario (the SDK's mock export: `{{var.input.name}}`, io specs) answers."""
    workspace = tmp_path / "ws"
    (workspace / "scenarios").mkdir(parents=True)
    shutil.copy(GREETER, workspace / "scenarios" / "Simple scenario.blueprint.json")
    export = json.loads((CORPUS / "ldecibe__make-scenarios__scenarios__Prot IA extraccion "
                                  "datos v1 MailHook.blueprint.json").read_text())
    real = next(m for _, m in _walk(export["flow"])
                if m["module"] == "scenario-service:CallSubscenario")
    real = {**{k: v for k, v in real.items() if k != "filter"}, "id": 2,
            "mapper": {"data": {"name": "{{1.who}}"}}}
    real["metadata"]["restore"]["parameters"]["scenario"]["label"] = "Simple scenario "
    parent = scenario("Greet", module(1, "util:SetVariables", mapper={
        "scope": "roundtrip", "variables": [{"name": "who", "value": "Ada"}]}), real,
        module(3, "util:ComposeTransformer", mapper={"value": "{{2.greeting}}"}))
    report = Cli(workspace, capsys).run(parent)
    assert report["status"] == "success", report
    assert report["modules"]["3"]["outputs"] == [{"value": "Hello, Ada!"}]


def _walk(flow: list[dict[str, Any]]) -> Any:
    for node in flow:
        yield node["id"], node
        for route in node.get("routes") or []:
            yield from _walk(route["flow"])


def test_not_waiting_returns_the_execution_id_and_the_child_still_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = tmp_path / "ws"
    writer = child("Writer", module(1, "scenario-service:StartSubscenario", 2),
                   module(2, "datastore:AddRecord", parameters={"datastore": 1}, mapper={
                       "key": "{{1.key}}", "data": {"note": "{{var.input.note}}"},
                       "overwrite": True}),
                   inputs=[{"name": "key", "type": "text"}, {"name": "note", "type": "text"}],
                   outputs=[])
    put(workspace, writer, "Writer")
    cli = Cli(workspace, capsys)
    parent = scenario("Fire and forget", call(1, "Writer", {"key": "k1", "note": "hi"},
                                              wait=False),
                      module(2, "datastore:GetRecord", parameters={"datastore": 1},
                             mapper={"key": "k1"}))
    report = cli.run(parent)
    assert report["status"] == "success", report
    [output] = report["modules"]["1"]["outputs"]
    runs = json.loads(cli("history", "list", "--json"))
    [child_run] = [r for r in runs if r["scenario"] == "Writer"]
    assert child_run["id"] == output["executionId"] and child_run["status"] == "success"
    again = cli.run(scenario("Read", module(1, "datastore:GetRecord",
                                            parameters={"datastore": 1},
                                            mapper={"key": "k1"})))
    assert again["modules"]["1"]["outputs"] == [{"note": "hi"}]


def test_a_missing_input_a_failing_child_and_an_unknown_scenario_fail_the_call(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = tmp_path / "ws"
    put(workspace, PRICE, "price")
    failing = child("Failing", module(1, "scenario-service:StartSubscenario", 2),
                    module(2, "json:ParseJSON", mapper={"json": "{{1.text}}"}),
                    inputs=[{"name": "text", "type": "text"}], outputs=[])
    put(workspace, failing, "failing")
    cli = Cli(workspace, capsys)
    report = cli.run(scenario("P", call(1, "Price with tax", {"net": 5})), code=1)
    assert "needs its input 'sku'" in report["error"]["message"]
    report = cli.run(scenario("P", call(1, "Failing", {"text": "{not json"})), code=1)
    assert report["error"]["name"] == "DataError"
    assert "sub-scenario 'Failing' failed" in report["error"]["message"]
    report = cli.run(scenario("P", call(1, "SCN_999", {}, label="Gone")), code=1)
    assert "sub-scenario SCN_999 ('Gone') is not in this workspace" in (
        report["error"]["message"])


def test_a_scenario_calling_itself_stops(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    workspace = tmp_path / "ws"
    loop = child("Loop", module(1, "scenario-service:StartSubscenario", 2),
                 call(2, "Loop", {}), inputs=[], outputs=[])
    put(workspace, loop, "Loop")
    report = Cli(workspace, capsys).run(scenario("Start", call(1, "Loop", {})), "--no-history",
                                        code=1)
    assert "calls deep" in report["error"]["message"]


def test_a_deterministic_replay_feeds_back_what_the_child_returned(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = tmp_path / "ws"
    put(workspace, PRICE, "price")
    cli = Cli(workspace, capsys)
    parent = scenario("Order", call(1, "Price with tax", {"sku": "B", "net": "10"}))
    first = cli.run(parent)
    runs = json.loads(cli("history", "list", "--json"))
    parent_id = next(r["id"] for r in runs if r["scenario"] == "Order")
    (workspace / "scenarios" / "price.blueprint.json").unlink()  # replay must not need it
    replayed = json.loads(cli("replay", parent_id, "--deterministic", "--report", "json"))
    assert replayed["modules"]["1"]["outputs"] == first["modules"]["1"]["outputs"]
    runs = json.loads(cli("history", "list", "--json"))
    assert sum(r["scenario"] == "Price with tax" for r in runs) == 1  # no second child run


def test_a_registered_scenario_is_found_by_its_registered_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from engine.runtime.registry import register
    from engine.runtime.workspace import Workspace

    workspace = tmp_path / "ws"
    cli = Cli(workspace, capsys)
    cli.run(scenario("Warm up", module(1, "util:ComposeTransformer", mapper={"value": "x"})))
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(PRICE), encoding="utf-8")
    register(Workspace(workspace).state, "pricing", elsewhere)
    report = cli.run(scenario("Order", call(1, "pricing", {"sku": "C", "net": 1})))
    assert report["modules"]["1"]["outputs"][0]["label"] == "C: 1.2"
    runs = json.loads(cli("history", "list", "--json"))
    assert any(r["scenario"] == "pricing" for r in runs)
