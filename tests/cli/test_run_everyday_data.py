"""`scenarist run` with real blueprints using the CSV, XML, Archive, Math and Files on this
computer apps, and the HTTP and data store modules they lean on, end to end."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from app.cli import main
from engine.store.data_structures import DataStructure, StructureField, save_structure
from engine.store.state_db import state_engine
from tests.cli.test_run import run_cli, write
from tests.support.http_stub import Answer, recording

CSV = 'id,name,note\n1,Ada,"a, b"\n2,Bo,"say ""hi"""\n3,Cy,"two\nlines"\n4,Di,'


def module(id_: int, name: str, mapper: dict[str, Any] | None = None,
           parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": id_, "module": name, "version": 1, "parameters": parameters or {},
            "mapper": mapper or {}, "metadata": {"designer": {"x": id_ * 300, "y": 0}}}


def blueprint(name: str, *flow: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "flow": list(flow),
            "metadata": {"version": 1, "scenario": {"roundtrips": 1, "maxErrors": 3}}}


def run(capsys: Any, tmp_path: Path, scenario: dict[str, Any], body: Any = None
        ) -> tuple[int, dict[str, Any]]:
    argv = ["run", str(write(tmp_path / f"{scenario['name']}.json", scenario)),
            "--report", "json", "--data-dir", str(tmp_path / "ws")]
    if body is not None:
        argv += ["--input", str(write(tmp_path / "request.json", {"body": body}))]
    code, report, err = run_cli(capsys, *argv)
    assert report is not None, err
    return code, report


def grant(capsys: Any, tmp_path: Path, *folders: Path) -> None:
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    code = main(["settings", "set", "granted_folders", os.pathsep.join(map(str, folders)),
                 "--data-dir", str(tmp_path / "ws")])
    assert code == 0
    capsys.readouterr()


def test_csv_parsed_iterated_aggregated_and_created_again_is_the_same_text(tmp_path, capsys):
    scenario = blueprint(
        "csv-round-trip",
        module(1, "gateway:CustomWebHook", parameters={"hook": 1, "maxResults": 1}),
        module(2, "csv:ParseCSV", {"csv": "{{1.csv}}"},
               {"columns": 3, "containsHeader": True, "delimiterType": ","}),
        module(3, "builtin:BasicAggregator",
               {"id": "{{2.col1}}", "name": "{{2.col2}}", "note": "{{2.col3}}"}, {"feeder": 2}),
        module(4, "builtin:BasicFeeder", {"array": "{{3.array}}"}),
        module(5, "csv:MakeAggregator", {"id": "{{4.id}}", "name": "{{4.name}}",
                                         "note": "{{4.note}}"},
               {"feeder": 4, "includeHeaders": True, "delimiterType": ","}),
        module(6, "gateway:WebhookRespond", {"status": "200", "body": "{{5.text}}"}),
    )
    code, report = run(capsys, tmp_path, scenario, {"csv": CSV})
    assert code == 0, report.get("error")
    assert report["modules"]["2"]["operations"] == 1
    assert len(report["modules"]["2"]["outputs"]) == 4
    assert report["webhook_response"]["body"] == CSV


def test_create_csv_advanced_follows_the_workspace_data_structure(tmp_path, capsys):
    save_structure(state_engine(tmp_path / "ws"), DataStructure(id="31", name="contacts", spec=[
        StructureField(name="email"), StructureField(name="name")]))
    scenario = blueprint(
        "csv-advanced",
        module(1, "gateway:CustomWebHook", parameters={"hook": 1, "maxResults": 1}),
        module(2, "builtin:BasicFeeder", {"array": "{{1.people}}"}),
        module(3, "csv:MakeAdvancedAggregator", {"name": "{{2.name}}", "email": "{{2.email}}"},
               {"feeder": 2, "type": 31, "delimiterType": "\t"}),
    )
    people = [{"name": "Ada", "email": "ada@x.org"}, {"name": "Bo\tB", "email": "bo@x.org"}]
    code, report = run(capsys, tmp_path, scenario, {"people": people})
    assert code == 0, report.get("error")
    assert report["modules"]["3"]["outputs"] == [
        {"text": 'email\tname\nada@x.org\tAda\nbo@x.org\t"Bo\tB"'}]


def test_files_zipped_written_extracted_and_written_again_are_the_same(tmp_path, capsys):
    source, store, copy = tmp_path / "in", tmp_path / "zips", tmp_path / "copy"
    grant(capsys, tmp_path, source, store, copy)
    files = {"notes.txt": b"hello", "photo.png": bytes(range(256)) * 8, "data.csv": b"a,b\n"}
    for name, data in files.items():
        (source / name).write_bytes(data)
    scenario = blueprint(
        "zip-round-trip",
        module(1, "local-files:ListFolder", {"folder": str(source)}, {"includeData": True}),
        module(2, "archive:PackAggregator", {"name": "all.zip", "fileName": "{{1.fileName}}",
                                             "data": "{{1.data}}"}, {"feeder": 1}),
        module(3, "local-files:WriteFile", {"folder": str(store), "fileName": "{{2.fileName}}",
                                            "data": "{{2.data}}", "ifExists": "overwrite"}),
        module(4, "local-files:GetFile", {"path": "{{3.path}}"}),
        module(5, "archive:UnpackAction", {"data": "{{4.data}}"}),
        module(6, "local-files:WriteFile", {"folder": str(copy), "fileName": "{{5.fileName}}",
                                            "data": "{{5.data}}"}),
    )
    code, report = run(capsys, tmp_path, scenario)
    assert code == 0, report.get("error")
    assert report["modules"]["3"]["outputs"][0]["fileName"] == "all.zip"
    assert report["modules"]["5"]["operations"] == 1
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == files


def test_a_file_written_outside_the_granted_folders_fails_clearly_and_writes_nothing(
        tmp_path, capsys):
    granted, outside = tmp_path / "granted", tmp_path / "outside"
    grant(capsys, tmp_path, granted)
    scenario = blueprint(
        "escape",
        module(1, "gateway:CustomWebHook", parameters={"hook": 1, "maxResults": 1}),
        module(2, "local-files:WriteFile", {"folder": "{{1.folder}}", "fileName": "x.txt",
                                            "data": "leak"}),
    )
    code, report = run(capsys, tmp_path, scenario, {"folder": str(outside)})
    assert code == 1
    message = report["error"]["message"]
    assert f"folder: {outside} is outside" in message and str(granted) in message
    assert "scenarist settings set granted_folders" in message
    assert not outside.exists()
    assert [p.name for p in granted.iterdir()] == []


def test_a_watched_folder_moves_each_new_file_once(tmp_path, capsys):
    inbox, done = tmp_path / "inbox", tmp_path / "done"
    grant(capsys, tmp_path, inbox, done)
    for name in ("a.txt", "b.txt", "skip.tmp"):
        (inbox / name).write_text(name)
    scenario = blueprint(
        "inbox",
        module(1, "local-files:WatchFolder", parameters={
            "folder": str(inbox), "pattern": "*.txt", "minAge": 0, "limit": 10}),
        module(2, "local-files:MoveFile", {"path": "{{1.path}}", "folder": str(done),
                                           "copy": True}),
        module(3, "local-files:DeleteFile", {"path": "{{1.path}}"}),
    )
    code, report = run(capsys, tmp_path, scenario)
    assert code == 0, report.get("error")
    assert sorted(p.name for p in done.iterdir()) == ["a.txt", "b.txt"]
    assert sorted(p.name for p in inbox.iterdir()) == ["skip.tmp"]
    (done / "a.txt").rename(inbox / "a.txt")  # back, but unchanged since: not new
    code, report = run(capsys, tmp_path, scenario)
    assert code == 0 and report["modules"]["1"]["outputs"] == []
    (inbox / "c.txt").write_text("c")
    code, report = run(capsys, tmp_path, scenario)
    assert [b["fileName"] for b in report["modules"]["1"]["outputs"]] == ["c.txt"]


FEED = b"""<?xml version="1.0"?><orders source="shop">
<order id="A1"><qty>2</qty><price>4.5</price></order>
<order id="B2"><qty>3</qty><price>10</price></order>
<note>Questions: help@shop.example or https://shop.example/help</note></orders>"""


def test_xml_downloaded_computed_stored_and_written_back(tmp_path, capsys):
    def respond(request: Any) -> Answer:
        if request.path == "/feed.xml":
            return Answer(200, FEED, "application/xml")
        if request.path == "/people":
            page = int(request.query.get("page", "1"))
            return Answer.of(200, [f"p{page}-{k}" for k in range(2)] if page <= 2 else [])
        return Answer(200, b"", "text/plain", {"X-Quota": "99"})

    with recording(respond) as stub:
        scenario = blueprint(
            "orders",
            module(1, "http:DownloadFile", {"url": f"{stub.url}/feed.xml"},
                   {"authenticationType": "noAuth"}),
            module(2, "xml:ParseXML", {"xml": "{{1.data}}"}),
            module(3, "builtin:BasicFeeder", {"array": "{{2.orders.order}}"}),
            module(4, "math:EvaluateExpression", {"expression": "{{3.qty}} * {{3.price}}"}),
            module(5, "datastore:AddRecord", {"key": "{{3.`_attributes`.id}}",
                                              "data": {"total": "{{4.result}}"},
                                              "overwrite": True}, {"datastore": 12}),
            module(6, "builtin:BasicAggregator", {"total": "{{4.result}}"}, {"feeder": 3}),
            module(7, "datastore:Stats", parameters={"datastore": 12}),
            module(8, "xml:CreateXML", {"summary": {
                "_attributes": {"orders": "{{7.count}}"},
                "total": "{{sum(map(6.array; \"total\"))}}"}}),
            module(9, "regexp:GetElementsFromText", {"text": "{{2.orders.note}}"},
                   {"pattern": "email"}),
            module(10, "http:MakeRequest", {"url": f"{stub.url}/people", "method": "get",
                                            "parseResponse": True,
                                            "paginationType": "pageBased"},
                   {"authenticationType": "noAuth"}),
            module(11, "http:ActionRetrieveHeaders", {"url": f"{stub.url}/quota"}),
        )
        scenario["flow"][-1]["version"] = 3
        scenario["flow"][-2]["version"] = 4
        code, report = run(capsys, tmp_path, scenario)
    assert code == 0, report.get("error")
    modules = report["modules"]
    assert modules["1"]["outputs"][0]["mimeType"] == "application/xml"
    assert [b["result"] for b in modules["4"]["outputs"]] == [9, 30]
    assert modules["7"]["outputs"][0]["count"] == 2
    assert modules["8"]["outputs"] == [{"xml": '<?xml version="1.0" encoding="UTF-8"?>'
                                                '<summary orders="2"><total>39</total></summary>'}]
    assert [b["match"] for b in modules["9"]["outputs"]] == ["help@shop.example"]
    assert [b["data"] for b in modules["10"]["outputs"]] == [["p1-0", "p1-1"], ["p2-0", "p2-1"]]
    assert {"name": "x-quota", "value": "99"} in modules["11"]["outputs"]
