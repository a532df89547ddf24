"""Two `scenarist worker` processes with workspace folders of their own share one
PostgreSQL (`$SCENARIST_DATABASE`): what runs on either writes its data store records
there, the runs' history is recorded there, and any other folder pointed at the database
reads both."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.incomplete.helpers import scenarist_json
from tests.support.http_stub import http_stub
from tests.temporal.workers import WorkerProcess

DEDUPE = Path("/work/shared/acceptance/cases/datastore-dedupe")


async def test_workers_in_different_folders_share_one_database(
        temporal_server: str, postgres_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert DEDUPE.is_dir(), f"the acceptance case is missing: {DEDUPE}"
    monkeypatch.setenv("SCENARIST_DATABASE", postgres_url)  # the workers inherit it
    case = json.loads((DEDUPE / "case.json").read_text())
    workers = [WorkerProcess(temporal_server, "t-shared", tmp_path / f"worker-{n}",
                             tmp_path / f"worker-{n}.log") for n in (1, 2)]
    try:
        for worker in workers:
            await asyncio.to_thread(worker.wait_ready)
        with http_stub({"POST /new-records": (200, {"ok": True})}) as stub:
            blueprint = tmp_path / "dedupe.blueprint.json"
            blueprint.write_text((DEDUPE / "blueprint.json").read_text().replace(
                "https://stub.invalid", stub.url))
            reports = []
            for n, run in enumerate(case["runs"]):
                request = tmp_path / f"input-{n}.json"
                request.write_text(json.dumps(run["input"]))
                reports.append(await asyncio.to_thread(
                    scenarist_json, "run", str(blueprint), "--input", str(request),
                    "--report", "json", "--data-dir", str(tmp_path / "submitter"),
                    "--temporal", temporal_server, "--task-queue", "t-shared"))
            posted = len(stub.requests)
    finally:
        for worker in workers:
            worker.stop()
    assert [r["status"] for r in reports] == ["success"] * len(case["runs"])
    # The repeated key was seen in the shared store, whichever worker ran each run.
    assert [r["operations"] for r in reports] == [run["expect"]["operations"]
                                                  for run in case["runs"]]
    assert posted == len({json.dumps(run["input"]["body"]["id"]) for run in case["runs"]})
    records = await asyncio.to_thread(
        scenarist_json, "datastores", "records", "1", "--json", "--data-dir",
        str(tmp_path / "reader"))
    assert sorted(r["key"] for r in records) == sorted(
        {run["input"]["body"]["id"] for run in case["runs"]})
    # The runs' history is in the database too, listed from a folder that ran none of them.
    runs = await asyncio.to_thread(scenarist_json, "history", "list", "--json",
                                   "--data-dir", str(tmp_path / "reader"))
    assert [r["operations"] for r in reversed(runs)] == [
        run["expect"]["operations"] for run in case["runs"]]
    assert not (tmp_path / "submitter" / "history.db").exists()
    for n in (1, 2):  # nothing landed in the workers' own files
        assert scenarist_json("datastores", "list", "--json", "--data-dir",
                              str(tmp_path / f"worker-{n}"), "--database", "sqlite") == []
