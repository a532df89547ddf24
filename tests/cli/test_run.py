"""`scenarist run`: the CLI contract the acceptance suite and users depend on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from tests.support.http_stub import http_stub


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def webhook_to_http(url: str) -> dict[str, Any]:
    return {
        "name": "Leads",
        "flow": [
            {
                "id": 1,
                "module": "gateway:CustomWebHook",
                "parameters": {"maxResults": 1},
                "mapper": {},
            },
            {"id": 2, "module": "builtin:BasicFeeder", "mapper": {"array": "{{1.items}}"}},
            {
                "id": 3,
                "module": "http:MakeRequest",
                "version": 4,
                "parameters": {"authenticationType": "noAuth"},
                "filter": {
                    "name": "adults",
                    "conditions": [[{"a": "{{2.age}}", "o": "number:greaterorequal", "b": "18"}]],
                },
                "mapper": {
                    "url": f"{url}/people",
                    "method": "post",
                    "contentType": "json",
                    "inputMethod": "jsonString",
                    "parseResponse": True,
                    "jsonStringBodyContent": '{"name": "{{upper(2.name)}}"}',
                },
            },
            {
                "id": 4,
                "module": "gateway:WebhookRespond",
                "mapper": {
                    "status": "201",
                    "body": "{{3.data.id}}",
                    "headers": [{"key": "X-Count", "value": "{{2.__IMTINDEX__}}"}],
                },
            },
        ],
        "metadata": {"scenario": {"roundtrips": 1}},
    }


def run_cli(
    capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, dict[str, Any] | None, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip().startswith("{") else None), err


def test_run_reports_operations_bundles_and_the_webhook_response(tmp_path, capsys):
    request = {
        "body": {"items": [{"name": "ada", "age": 36}, {"name": "kid", "age": 9}]},
        "headers": {"content-type": "application/json"},
        "method": "POST",
        "query": {},
    }
    with http_stub({"POST /people": (200, {"id": "p-1"})}) as stub:
        blueprint = write(tmp_path / "leads.json", webhook_to_http(stub.url))
        code, report, _ = run_cli(
            capsys,
            "run",
            str(blueprint),
            "--input",
            str(write(tmp_path / "req.json", request)),
            "--data-dir",
            str(tmp_path / "ws"),
            "--report",
            "json",
        )
    assert code == 0
    assert [r.json() for r in stub.requests] == [{"name": "ADA"}]
    assert report["status"] == "success"
    assert report["operations"] == 1 + 1 + 1 + 1  # webhook, iterator, HTTP (kid filtered), respond
    assert report["modules"]["3"]["operations"] == 1
    assert report["modules"]["3"]["outputs"][0]["data"] == {"id": "p-1"}
    assert report["webhook_response"] == {"status": 201, "headers": {"X-Count": "1"}, "body": "p-1"}
    assert report["data_transfer"] > 0
    assert report["incomplete_executions"] == 0


def test_summary_report_leaves_out_bundles(tmp_path, capsys):
    request = {"body": {"items": []}}
    blueprint = write(tmp_path / "b.json", webhook_to_http("http://127.0.0.1:9"))
    code, report, _ = run_cli(
        capsys,
        "run",
        str(blueprint),
        "--input",
        str(write(tmp_path / "r.json", request)),
        "--report",
        "summary",
        "--data-dir",
        str(tmp_path / "ws"),
    )
    assert code == 0
    assert report["operations"] == 2
    assert all("outputs" not in m for m in report["modules"].values())
    assert report["webhook_response"] is None


def test_without_a_report_a_short_human_summary_is_printed(tmp_path, capsys):
    blueprint = write(tmp_path / "b.json", webhook_to_http("http://127.0.0.1:9"))
    code = main(
        [
            "run",
            str(blueprint),
            "--input",
            str(write(tmp_path / "r.json", {"body": {}})),
            "--data-dir",
            str(tmp_path / "ws"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Leads: success" in out and "operations: 2" in out


def test_a_failing_run_exits_1_with_the_error_in_the_report(tmp_path, capsys):
    request = {"body": {"items": [{"name": "ada", "age": 40}]}}
    with http_stub() as stub:
        flow = webhook_to_http(stub.url)
        flow["flow"][2]["mapper"]["stopOnHttpError"] = True  # the stub answers 404
        code, report, _ = run_cli(
            capsys,
            "run",
            str(write(tmp_path / "b.json", flow)),
            "--input",
            str(write(tmp_path / "r.json", request)),
            "--report",
            "json",
            "--data-dir",
            str(tmp_path / "ws"),
        )
    assert code == 1
    assert report["status"] == "error"
    assert report["error"]["module_id"] == 3
    assert len(report["modules"]["3"]["errors"]) == 1
    assert report["modules"]["4"]["operations"] == 0


def test_invalid_blueprint_exits_2_naming_file_module_and_path(tmp_path, capsys):
    bad = {
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook"},
            {
                "id": 2,
                "module": "builtin:BasicRouter",
                "routes": [{"flow": [{"id": 1, "module": "util:ComposeTransformer"}]}],
            },
        ]
    }
    path = write(tmp_path / "dup.json", bad)
    code, _, err = run_cli(capsys, "run", str(path), "--report", "json")
    assert code == 2
    assert "dup.json" in err and "module 1" in err and "flow[1].routes[0].flow[0]" in err
    assert json.loads(path.read_text()) == bad  # a broken blueprint is never touched


def test_bad_mapping_syntax_fails_the_module_naming_module_field_and_column(tmp_path, capsys):
    flow = {
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook"},
            {
                "id": 2,
                "module": "util:ComposeTransformer",
                "mapper": {"value": "Hi {{upper(1.name}}"},
            },
        ]
    }
    request = write(tmp_path / "request.json", {"body": {"name": "ada"}})
    code, report, _ = run_cli(capsys, "run", str(write(tmp_path / "b.json", flow)),
                              "--input", str(request), "--report", "json")
    assert code == 1  # as in Make, the module fails when it runs ("Failed to map ...")
    assert report is not None
    assert report["error"]["message"].startswith("module 2, field value, column 18:")


def test_bad_arguments_exit_2(tmp_path, capsys):
    blueprint = write(tmp_path / "b.json", webhook_to_http("http://127.0.0.1:9"))
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(blueprint), "--report", "xml"])
    assert exit_.value.code == 2
    code, _, err = run_cli(capsys, "run", str(blueprint), "--input", str(tmp_path / "none.json"))
    assert code == 2 and "none.json" in err
    code, _, err = run_cli(capsys, "run", str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json" in err


def test_data_stores_persist_in_the_data_dir_between_runs(tmp_path, capsys):
    flow = {
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook"},
            {
                "id": 2,
                "module": "datastore:ExistRecord",
                "parameters": {"datastore": 7},
                "mapper": {"key": "{{1.id}}"},
            },
            {
                "id": 3,
                "module": "datastore:AddRecord",
                "parameters": {"datastore": 7},
                "filter": {
                    "name": "new",
                    "conditions": [[{"a": "{{2.exist}}", "o": "boolean:equal", "b": "false"}]],
                },
                "mapper": {"key": "{{1.id}}", "data": {"seen": "{{now}}"}},
            },
        ]
    }
    blueprint = write(tmp_path / "b.json", flow)
    request = write(tmp_path / "r.json", {"body": {"id": "k1"}})
    results = []
    for _ in range(2):
        code, report, _ = run_cli(
            capsys,
            "run",
            str(blueprint),
            "--input",
            str(request),
            "--report",
            "json",
            "--data-dir",
            str(tmp_path / "ws"),
        )
        results.append((code, report["modules"]["2"]["outputs"], report["operations"]))
    assert results == [(0, [{"exist": False}], 3), (0, [{"exist": True}], 2)]


def test_a_missing_keychain_stops_the_run_before_any_request_naming_it(tmp_path, capsys):
    with http_stub({"GET /me": (200, {"ok": True})}) as stub:
        flow = {
            "flow": [
                {
                    "id": 1,
                    "module": "http:ActionSendDataBasicAuth",
                    "version": 3,
                    "parameters": {"key": 4242, "handleErrors": True},
                    "mapper": {"url": f"{stub.url}/me", "method": "get"},
                }
            ]
        }
        code, report, err = run_cli(
            capsys,
            "run",
            str(write(tmp_path / "b.json", flow)),
            "--report",
            "json",
            "--data-dir",
            str(tmp_path / "ws"),
        )
    # Never an unauthenticated request in its place: the run says what to add.
    assert code == 1 and stub.requests == []
    assert report["status"] == "error"
    assert "module 1" in report["error"]["message"] and "4242" in report["error"]["message"]
    assert "4242" in err


def test_break_at_stops_before_the_module_and_prints_its_bundles(tmp_path, capsys):
    request = {"body": {"items": [{"name": "ada", "age": 36}]}}
    with http_stub({"POST /people": (200, {"id": "p-1"})}) as stub:
        blueprint = write(tmp_path / "b.json", webhook_to_http(stub.url))
        code, out, _ = run_cli(capsys, "run", str(blueprint), "--input",
                               str(write(tmp_path / "r.json", request)), "--break-at", "3",
                               "--data-dir", str(tmp_path / "ws"))
    assert code == 0
    assert stub.requests == []  # stopped before the HTTP module ran
    assert out["paused_at"] == 3
    assert out["bundles"]["2"]["name"] == "ada" and out["bundles"]["1"]["items"][0]["age"] == 36
    assert out["input"]["jsonStringBodyContent"] == '{"name": "ADA"}'
    code, _, err = run_cli(capsys, "run", str(blueprint), "--break-at", "99")
    assert code == 2 and "99" in err
