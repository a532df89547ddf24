"""Items of every Make type travel through a run and show faithfully in the report."""

from __future__ import annotations

import hashlib

from app.cli import main
from tests.cli.test_run import run_cli, write
from tests.support.http_stub import http_stub


def test_binary_downloads_dates_and_native_types_in_the_report(tmp_path, capsys):
    payload = bytes(range(256)) * 40
    with http_stub({"GET /files/report.pdf": (200, payload)}) as stub:
        flow = {"flow": [
            {"id": 1, "module": "http:ActionGetFile", "version": 3,
             "parameters": {"handleErrors": True},
             "mapper": {"url": f"{stub.url}/files/report.pdf", "method": "get"}},
            {"id": 2, "module": "util:SetVariables",
             "mapper": {"scope": "roundtrip", "variables": [
                 {"name": "size", "value": "{{length(1.data)}}"},
                 {"name": "when", "value":
                  "{{parseDate(\"2024-05-01 10:00\"; \"YYYY-MM-DD HH:mm\"; \"Europe/Prague\")}}"},
                 {"name": "flags", "value": "{{emptyarray}}"},
                 {"name": "ok", "value": "{{1.statusCode = 200}}"},
             ]}},
        ]}
        code, report, _ = run_cli(capsys, "run", str(write(tmp_path / "b.json", flow)),
                                  "--report", "json", "--data-dir", str(tmp_path / "ws"))
    assert code == 0, report
    file_bundle = report["modules"]["1"]["outputs"][0]
    assert file_bundle["data"] == {
        "type": "buffer", "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    assert file_bundle["fileName"] == "report.pdf"
    variables = report["modules"]["2"]["outputs"][0]
    assert variables["size"] == len(payload)
    assert variables["when"] == "2024-05-01T08:00:00.000Z"  # 10:00 in Prague (UTC+2)
    assert variables["flags"] == [] and variables["ok"] is True
    # Binary data counts by its length in the data transfer.
    assert report["data_transfer"] >= len(payload)


def test_human_summary_of_a_binary_run(tmp_path, capsys):
    with http_stub({"GET /f": (200, b"\x00\x01")}) as stub:
        flow = {"flow": [{"id": 1, "module": "http:ActionGetFile",
                          "mapper": {"url": f"{stub.url}/f"}}]}
        assert main(["run", str(write(tmp_path / "b.json", flow)),
                     "--data-dir", str(tmp_path / "ws")]) == 0
    assert "operations: 1" in capsys.readouterr().out
