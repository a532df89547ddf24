"""Confidential scenarios store no bundle data; secret values are never stored anywhere."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from engine.blueprint import Blueprint
from engine.context import RunServices
from engine.executor.plan import compile_plan
from engine.executor.run import run_plan
from engine.history import HistoryRecorder, HistoryWriter
from engine.history.payloads import REDACTED, unpack
from engine.history.queries import operations, show_execution
from tests.history.helpers import cli_json, leads_blueprint, read_engine, run_leads

SECRET = "skliveHqZtWqPpXyz"  # no digits: parseNumber must fail on it
CANARY = "canary-visible-value"


def _decompressed_payloads(db: Path) -> list[bytes]:
    """Every BLOB cell of every history table, unpacked (zlib would hide plain text)."""
    found = []
    conn = sqlite3.connect(db)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for cell in row:
                    if isinstance(cell, bytes):
                        found.append(unpack(cell))
                    elif isinstance(cell, str):
                        found.append(cell.encode())
    finally:
        conn.close()
    return found


def _secret_blueprint() -> dict[str, Any]:
    return {
        "name": "Secrets",
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1}},
            {"id": 2, "module": "util:SetVariables", "mapper": {"scope": "roundtrip",
             "variables": [
                 {"name": "auth", "value": f"Bearer {SECRET}"},  # the secret in the blueprint
                 {"name": "small", "value": "{{toBinary(1.token)}}"},
                 {"name": "big", "value": "{{toBinary(1.big)}}"},
                 {"name": "canary", "value": CANARY},
             ]}},
            {"id": 3, "module": "util:ComposeTransformer",
             "mapper": {"value": "{{parseNumber(1.token)}}"}},  # error message quotes it
        ],
    }


def test_secret_values_are_never_stored(tmp_path: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    workspace = tmp_path / "ws"
    blueprint = Blueprint.model_validate(_secret_blueprint())
    plan = compile_plan(blueprint)
    body = {"token": SECRET, "big": "x" * 70_000 + SECRET, "nested": {SECRET: [f"a{SECRET}b"]}}
    services = RunServices(webhook_request={"body": body}, execution_id="run-1",
                           scenario_name="Secrets", data_dir=workspace)
    writer = HistoryWriter(workspace)
    recorder = HistoryRecorder(writer, blueprint=blueprint, plan=plan, secrets=[SECRET])
    result = asyncio.run(run_plan(plan, services, [recorder]))
    assert result.status == "error" and SECRET in result.error["message"]
    recorder.finish(result)
    writer.close()

    report = show_execution(read_engine(writer), workspace, "run-1", with_operations=True)
    assert report["error"]["message"] == (
        f"module 3, field value, column 3: function 'parseNumber': '{REDACTED}' is not a number")
    log = operations(read_engine(writer), workspace, "run-1")
    assert log[0]["outputs"][0]["token"] == REDACTED
    assert log[0]["outputs"][0]["nested"] == {REDACTED: [f"a{REDACTED}b"]}  # only the secret
    assert log[1]["outputs"][0]["canary"] == CANARY  # the rest is kept

    files = [p for p in workspace.rglob("*") if p.is_file()]
    # The big binary is kept as a blob file, with the secret inside it replaced.
    assert any(p.parent.parent.name == "blobs" for p in files)
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
    payloads = _decompressed_payloads(workspace / "history.db")
    assert any(CANARY.encode() in p for p in payloads)  # the search does see plain text
    assert not [p for p in payloads if SECRET.encode() in p]
    assert SECRET not in caplog.text
    assert SECRET not in repr(report)


def test_confidential_scenario_stores_no_bundle_data(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = str(tmp_path / "ws")
    report = run_leads(tmp_path, capsys, ["Zelda-the-customer"],
                       leads_blueprint(confidential=True))
    assert report["modules"]["3"]["outputs"] == [{"value": "Hello Zelda-the-customer"}]
    [row] = cli_json(capsys, "history", "list", "--json", "--data-dir", ws)
    assert row["confidential"] is True and row["operations"] == 3
    shown = cli_json(capsys, "history", "show", row["id"], "--json", "--data-dir", ws)
    assert [m["operations"] for m in shown["modules"].values()] == [1, 1, 1]
    assert all(m["outputs"] == [] for m in shown["modules"].values())
    payloads = _decompressed_payloads(tmp_path / "ws" / "history.db")
    assert payloads  # the blueprint and the run summary are there
    assert not [p for p in payloads if b"Zelda" in p]


def test_a_secret_learnt_mid_run_is_redacted_from_then_on(tmp_path: Path) -> None:
    """A connection's token renewed during the run joins the run's secrets (as
    engine.connections does): history hides it in everything recorded after that."""
    from engine.executor.events import OperationFinished

    renewed = "renewed-token-Qw8Er"
    workspace = tmp_path / "ws"
    blueprint = Blueprint.model_validate({"name": "Renewal", "flow": [
        {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1}},
        {"id": 2, "module": "util:ComposeTransformer",
         "mapper": {"value": "token {{1.token}} " + CANARY}},
    ]})
    plan = compile_plan(blueprint)
    services = RunServices(webhook_request={"body": {"token": renewed}}, execution_id="run-r",
                           scenario_name="Renewal", data_dir=workspace)

    def renew(event: Any) -> None:  # the renewal happens while module 1 runs
        if type(event) is OperationFinished and event.module_id == 1:
            services.secrets.append(renewed)

    from engine.history import start_recording

    recorder = start_recording(workspace, blueprint, plan, services, execution_id="run-r")
    result = asyncio.run(run_plan(plan, services, [renew, recorder]))
    assert result.status == "success"
    recorder.finish(result)
    payloads = _decompressed_payloads(workspace / "history.db")
    assert any(CANARY.encode() in p for p in payloads)
    assert not [p for p in payloads if renewed.encode() in p]
