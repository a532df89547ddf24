"""The command line on a shared PostgreSQL: what one workspace folder's run writes, another
folder's commands read (the way a cluster's workers and windows share state)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.incomplete.helpers import scenarist_json
from tests.support.http_stub import http_stub

DEDUPE = Path("/work/shared/acceptance/cases/datastore-dedupe")


def test_a_run_stores_records_and_history_another_folder_reads(
        tmp_path: Path, postgres_url: str) -> None:
    assert DEDUPE.is_dir(), f"the acceptance case is missing: {DEDUPE}"
    case = json.loads((DEDUPE / "case.json").read_text())
    runner, reader = tmp_path / "runner", tmp_path / "reader"
    with http_stub({"POST /new-records": (200, {"ok": True})}) as stub:
        blueprint = tmp_path / "dedupe.blueprint.json"
        blueprint.write_text((DEDUPE / "blueprint.json").read_text().replace(
            "https://stub.invalid", stub.url))
        request = tmp_path / "input.json"
        request.write_text(json.dumps(case["runs"][0]["input"]))
        report = scenarist_json("run", str(blueprint), "--input", str(request), "--report",
                                "json", "--data-dir", str(runner), "--database", postgres_url)
        assert report["status"] == "success"
        # A second run from a third folder sees the key in the shared store and stops.
        again = scenarist_json("run", str(blueprint), "--input", str(request), "--report",
                               "json", "--data-dir", str(tmp_path / "other"), "--database",
                               postgres_url)
        assert again["status"] == "success"
        assert len(stub.requests) == 1
    records = scenarist_json("datastores", "records", "1", "--json", "--data-dir", str(reader),
                             "--database", postgres_url)
    assert [r["key"] for r in records] == ["rec-1"]
    assert records[0]["data"]["email"] == "first@example.com"
    # Both runs are in the shared history, listed from a folder that ran neither.
    runs = scenarist_json("history", "list", "--json", "--data-dir", str(reader),
                          "--database", postgres_url)
    assert [(r["status"], r["operations"]) for r in runs] == [("success", 2), ("success", 4)]
    shown = scenarist_json("history", "show", runs[1]["id"], "--json", "--data-dir",
                           str(reader), "--database", postgres_url)
    assert shown["modules"]["3"]["outputs"][0]["key"] == "rec-1"
    # Nothing of it is in the folders' own SQLite files.
    local = scenarist_json("datastores", "list", "--json", "--data-dir", str(runner))
    assert local == []
    assert not (runner / "history.db").exists()
