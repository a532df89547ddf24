"""A run on the cluster reports exactly what the same run reports locally: the acceptance
cases that need no HTTP stub (their mappings, filters, dates and webhook responses), and a
webhook scenario whose HTTP call goes to a local stub, compared as whole JSON reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.loading import blueprint_from_data
from engine.report import OutputCollector, build_report
from engine.runtime.policy import RunPolicy
from engine.runtime.start import start_run
from engine.runtime.workspace import Workspace
from engine.temporal.client import start_execution
from engine.temporal.worker import connect, make_worker
from engine.values import to_json_value
from tests.support.http_stub import Answer, recording
from tests.temporal.scenarios import webhook_forward

CASES = Path(__file__).resolve().parents[3] / "shared" / "acceptance" / "cases"
STUBLESS = ["filter-operators", "iml-numbers-and-dates", "iml-text-and-arrays",
            "webhook-api-endpoint"]


def _runs() -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    runs = []
    for name in STUBLESS:
        case = json.loads((CASES / name / "case.json").read_text(encoding="utf-8"))
        source = json.loads((CASES / name / "blueprint.json").read_text(encoding="utf-8"))
        runs += [(f"{name}#{n}", source, run.get("input")) for n, run in
                 enumerate(case["runs"], 1)]
    return runs


async def _local(workspace: Path, source: dict[str, Any], request: Any) -> dict[str, Any]:
    blueprint = blueprint_from_data(source)
    collector = OutputCollector()
    handle = start_run(workspace, blueprint, RunPolicy.manual(history=False), request=request,
                       scenario=blueprint.name, listeners=[collector])
    result = await handle.run()
    handle.finish(result)
    report: dict[str, Any] = to_json_value(build_report(handle.plan, result, collector))
    return report


async def test_cluster_reports_equal_local_reports(temporal_server: str, tmp_path: Path) -> None:
    assert CASES.is_dir(), f"the shared acceptance cases are missing: {CASES}"
    client = await connect(temporal_server)
    with recording(lambda r: Answer.of(200, {"id": 41, "name": r.json()["name"]})) as stub:
        runs = [*_runs(), ("forward", webhook_forward(stub.url),
                           {"body": {"name": "Ada"}, "headers": {}, "method": "POST",
                            "query": {}})]
        async with make_worker(client, Workspace(tmp_path / "cluster"), task_queue="t-same"):
            for label, source, request in runs:
                local = await _local(tmp_path / "local", source, request)
                handle = await start_execution(
                    client, blueprint_from_data(source), scenario=source["name"],
                    request=request, report="json", task_queue="t-same")
                remote = (await handle.result())["report"]
                for report in (local, remote):  # the stub's answers carry their own time
                    for entry in report["modules"].values():
                        for bundle in entry.get("outputs", []):
                            if isinstance(bundle, dict) and "headers" in bundle:
                                bundle["headers"].pop("date", None)
                assert remote == local, label
    assert len(stub.requests) == 2  # the forward scenario ran on both sides
