"""`scenarist datastores` and `scenarist structures` from the command line, on a real
workspace; the acceptance dedupe blueprint run twice leaves one record for its key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.incomplete.helpers import cli, cli_json
from tests.support.http_stub import http_stub

# State on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

DEDUPE = Path("/work/shared/acceptance/cases/datastore-dedupe")


def test_create_list_records_import_export(tmp_path: Path, capsys: Any) -> None:
    where = ["--data-dir", str(tmp_path / "ws")]
    structure = tmp_path / "contact.json"
    structure.write_text(json.dumps({"name": "Contact", "strict": True, "spec": [
        {"name": "email", "type": "text", "required": True},
        {"name": "score", "type": "number"}]}))
    created = cli_json(capsys, "datastores", "create", "Contacts", "--structure",
                       str(structure), "--json", *where)
    sid = created["id"]
    rows = tmp_path / "contacts.csv"
    rows.write_text("key,email,score\nada,ada@example.com,9\nbob,,3\ncy,cy@example.com,1\n")
    result = cli_json(capsys, "datastores", "import", sid, str(rows), "--json", *where)
    assert (result["imported"], result["skipped"]) == (2, 1)
    assert result["problems"] == ["row 2: email: is required"]
    assert cli_json(capsys, "datastores", "records", sid, "--json", *where) == [
        {"key": "ada", "data": {"email": "ada@example.com", "score": 9}},
        {"key": "cy", "data": {"email": "cy@example.com", "score": 1}}]
    listed = cli_json(capsys, "datastores", "list", "--json", *where)
    assert [(s["id"], s["name"], s["records"]) for s in listed] == [(sid, "Contacts", 2)]
    assert listed[0]["size"] > 0
    exported = tmp_path / "out.json"
    code, _out, err = cli(capsys, "datastores", "export", "Contacts", str(exported), *where)
    assert code == 0, err
    copy = cli_json(capsys, "datastores", "create", "Copy", "--json", *where)["id"]
    cli(capsys, "datastores", "import", copy, str(exported), *where)
    assert cli_json(capsys, "datastores", "records", copy, "--json", *where) == \
        cli_json(capsys, "datastores", "records", sid, "--json", *where)


def test_delete_names_the_scenarios_that_use_the_store(tmp_path: Path, capsys: Any) -> None:
    ws = tmp_path / "ws"
    where = ["--data-dir", str(ws)]
    sid = cli_json(capsys, "datastores", "create", "Seen", "--json", *where)["id"]
    (ws / "scenarios").mkdir()
    (ws / "scenarios" / "Dedupe.blueprint.json").write_text(json.dumps({"flow": [
        {"id": 2, "module": "datastore:ExistRecord", "parameters": {"datastore": int(sid)}}]}))
    code, _out, err = cli(capsys, "datastores", "delete", sid, *where)
    assert code == 1 and "used by Dedupe" in err
    code, _out, err = cli(capsys, "datastores", "delete", sid, "--yes", *where)
    assert code == 0, err
    assert cli_json(capsys, "datastores", "list", "--json", *where) == []


def test_structure_from_a_sample(tmp_path: Path, capsys: Any) -> None:
    where = ["--data-dir", str(tmp_path / "ws")]
    sample = tmp_path / "order.json"
    sample.write_text(json.dumps({"id": "A-1", "total": 3.5, "customer": {"vip": True}}))
    sid = cli_json(capsys, "structures", "create", "Order", "--from-sample", str(sample),
                   "--json", *where)["id"]
    listed = cli_json(capsys, "structures", "list", "--json", *where)
    assert listed == [{"id": sid, "name": "Order", "strict": False, "spec": [
        {"name": "id", "type": "text", "required": False},
        {"name": "total", "type": "number", "required": False},
        {"name": "customer", "type": "collection", "required": False,
         "spec": [{"name": "vip", "type": "boolean"}]}]}]


def test_acceptance_dedupe_twice_keeps_one_record(tmp_path: Path, capsys: Any) -> None:
    where = ["--data-dir", str(tmp_path / "ws")]
    case = json.loads((DEDUPE / "case.json").read_text())
    run = case["runs"][0]
    with http_stub({"POST /new-records": (200, {"ok": True})}) as stub:
        blueprint = tmp_path / "dedupe.blueprint.json"
        blueprint.write_text((DEDUPE / "blueprint.json").read_text().replace(
            "https://stub.invalid", stub.url))
        request = tmp_path / "input.json"
        request.write_text(json.dumps(run["input"]))
        for _ in range(2):
            report = cli_json(capsys, "run", str(blueprint), "--input", str(request),
                              "--report", "json", *where)
            assert report["status"] == "success"
        assert len(stub.requests) == 1  # the second run saw the key and stopped
    records = cli_json(capsys, "datastores", "records", "1", "--json", *where)
    assert [r["key"] for r in records] == ["rec-1"]
    assert records[0]["data"]["email"] == "first@example.com"


def test_records_are_written_a_page_at_a_time(tmp_path: Path, capsys: Any,
                                              monkeypatch: Any) -> None:
    import app.commands.datastores as command

    monkeypatch.setattr(command, "_PAGE", 2)
    where = ["--data-dir", str(tmp_path / "ws")]
    sid = cli_json(capsys, "datastores", "create", "Pages", "--json", *where)["id"]
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([{"key": f"k{i}", "n": i} for i in range(5)]))
    cli(capsys, "datastores", "import", sid, str(rows), *where)
    listed = cli_json(capsys, "datastores", "records", sid, "--json", *where)
    assert [r["key"] for r in listed] == ["k0", "k1", "k2", "k3", "k4"]
    part = cli_json(capsys, "datastores", "records", sid, "--offset", "1", "--limit", "3",
                    "--json", *where)
    assert [(r["key"], r["data"]["n"]) for r in part] == [("k1", 1), ("k2", 2), ("k3", 3)]
    code, out, _err = cli(capsys, "datastores", "records", sid, "--search", "k4", *where)
    assert code == 0 and out == 'k4  {"n":4}\n'
