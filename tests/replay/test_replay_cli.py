"""`scenarist replay`: deterministic replay reproduces a run from its recorded effects with the
outside world gone; plain replay re-runs live with the original trigger data; replays can
start at any module with an edited input bundle."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from engine.history.payloads import unpack
from engine.store.datastore import DataStoreSession
from engine.store.state_db import state_engine
from tests.incomplete.helpers import (
    cli,
    cli_json,
    error_directives_blueprint,
    items_request,
    price_stub,
    scenarist,
    scenarist_json,
    write_json,
)

VOLATILE = {"execution_id", "replay_of", "deterministic"}


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without ids, and without the HTTP `date` header the stub sets."""
    clean = {k: v for k, v in report.items() if k not in VOLATILE}
    return json.loads(json.dumps(clean))


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_deterministic_replay_reproduces_the_report_with_the_stub_stopped(
    tmp_path: Path,
) -> None:
    ws = str(tmp_path / "ws")
    with price_stub(dropping={"p2"}) as stub:
        bp = write_json(tmp_path / "bp.json", error_directives_blueprint(stub.url))
        request = write_json(tmp_path / "req.json", items_request("break"))
        original = scenarist_json("run", str(bp), "--input", str(request), "--report", "json",
                                  "--data-dir", ws)
        asked = len(stub.requests)
    # The stub server is gone: a live run could not reach it.
    [entry] = scenarist_json("history", "list", "--json", "--data-dir", ws)
    replayed = scenarist_json("replay", entry["id"], "--deterministic", "--report", "json",
                              "--data-dir", ws)
    assert comparable(replayed) == comparable(original)
    assert replayed["replay_of"] == entry["id"] and replayed["deterministic"] is True
    assert asked == 3
    # A replay touches nothing: no new incomplete execution beside the original's one.
    assert len(scenarist_json("incomplete", "list", "--json", "--data-dir", ws)) == 1
    runs = scenarist_json("history", "list", "--json", "--data-dir", ws)
    assert runs[0]["kind"] == "replay" and runs[0]["resumed_from"] == entry["id"]
    diff = scenarist_json("history", "diff", entry["id"], runs[0]["id"], "--json",
                          "--data-dir", ws)
    assert diff["modules"] == {}


def effects_blueprint(url: str) -> dict[str, Any]:
    """HTTP, a data store write and read, time and randomness: every kind of effect."""
    return {
        "name": "Effects",
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1},
             "mapper": {}},
            {"id": 2, "module": "http:MakeRequest", "version": 4,
             "parameters": {"authenticationType": "noAuth"},
             "mapper": {"url": f"{url}/price/{{{{1.item}}}}", "method": "get",
                        "parseResponse": True}},
            {"id": 3, "module": "datastore:GetRecord", "parameters": {"datastore": 7},
             "mapper": {"key": "{{1.item}}"}},
            {"id": 4, "module": "datastore:AddRecord", "parameters": {"datastore": 7},
             "mapper": {"key": "{{1.item}}", "overwrite": True,
                        "data": {"price": "{{2.data.price}}", "seen": "{{now}}",
                                 "before": "{{3.price}}"}}},
            {"id": 5, "module": "util:ComposeTransformer",
             "mapper": {"value": "{{uuid}} {{random}} {{formatDate(now; 'x')}}"}},
        ],
        "metadata": {"scenario": {"roundtrips": 1}},
    }


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_every_effect_is_fed_back_and_the_data_store_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    with price_stub() as stub:
        bp = write_json(tmp_path / "bp.json", effects_blueprint(stub.url))
        request = write_json(tmp_path / "req.json", {"body": {"item": "p1"}})
        run = ("run", str(bp), "--input", str(request), "--report", "json",
               "--data-dir", str(ws))
        cli_json(capsys, *run)
        original = cli_json(capsys, *run)  # the second run reads the first one's record
    assert original["modules"]["3"]["outputs"][0]["price"] == 10
    # The world changes after the run.
    session = DataStoreSession(state_engine(ws))
    session.put("7", "p1", {"price": 999})
    runs = cli_json(capsys, "history", "list", "--json", "--data-dir", str(ws))
    replayed = cli_json(capsys, "replay", runs[0]["id"], "--deterministic", "--report", "json",
                        "--data-dir", str(ws))
    assert comparable(replayed) == comparable(original)
    assert session.get("7", "p1") == {"price": 999}  # the replay wrote nothing


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_plain_replay_reruns_live_with_the_original_trigger_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    with price_stub(dropping={"p2"}) as stub:
        bp = write_json(tmp_path / "bp.json", error_directives_blueprint(stub.url))
        request = write_json(tmp_path / "req.json", items_request("resume"))
        cli_json(capsys, "run", str(bp), "--input", str(request), "--report", "json",
                 "--data-dir", ws)
        [entry] = cli_json(capsys, "history", "list", "--json", "--data-dir", ws)
        stub.dropping.clear()
        replayed = cli_json(capsys, "replay", entry["id"], "--report", "json",
                            "--data-dir", ws)
        assert stub.requests.count("/price/p2") == 2  # it really went out again
    assert [o["value"] for o in replayed["modules"]["6"]["outputs"]] == [
        "p1=10", "p2=20", "p3=30"]
    assert replayed["replay_of"] == entry["id"] and replayed["deterministic"] is False


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_replay_from_a_module_with_an_edited_input_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    with price_stub(dropping={"p2"}) as stub:
        bp = write_json(tmp_path / "bp.json", error_directives_blueprint(stub.url))
        request = write_json(tmp_path / "req.json", items_request("break"))
        cli_json(capsys, "run", str(bp), "--input", str(request), "--report", "json",
                 "--data-dir", ws)
    [entry] = cli_json(capsys, "history", "list", "--json", "--data-dir", ws)
    # Module 10's second operation (p2), exactly as it happened: the recorded failure.
    second = cli_json(capsys, "replay", entry["id"], "--deterministic", "--from", "10",
                      "--operation", "2", "--report", "json", "--data-dir", ws)
    assert second["modules"]["10"]["errors"][0]["name"] == "ConnectionError"
    assert second["incomplete_executions"] == 1
    assert second["modules"]["1"]["operations"] == 0  # nothing before module 10 ran
    # Module 12 with a different input than it had.
    edited = write_json(tmp_path / "input.json", {"value": "p1=11 (corrected)"})
    fixed = cli_json(capsys, "replay", entry["id"], "--deterministic", "--from", "12",
                     "--input-bundle", str(edited), "--report", "json", "--data-dir", ws)
    assert fixed["modules"]["12"]["outputs"] == [{"value": "p1=11 (corrected)"}]
    assert fixed["operations"] == 1
    code, _out, err = cli(capsys, "replay", entry["id"], "--from", "7", "--data-dir", ws)
    assert code == 1 and "module 7 ran 0 time(s)" in err


@pytest.mark.usefixtures("backend")  # SQLite and PostgreSQL
def test_confidential_scenarios_cannot_be_replayed_deterministically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    with price_stub() as stub:
        bp = write_json(tmp_path / "bp.json",
                        error_directives_blueprint(stub.url, confidential=True))
        request = write_json(tmp_path / "req.json", items_request("resume"))
        cli_json(capsys, "run", str(bp), "--input", str(request), "--report", "json",
                 "--data-dir", ws)
    [entry] = cli_json(capsys, "history", "list", "--json", "--data-dir", ws)
    code, out, err = cli(capsys, "replay", entry["id"], "--deterministic", "--data-dir", ws)
    assert code == 1 and out == ""
    assert "confidential" in err and "can't be replayed deterministically" in err


def test_request_credentials_are_never_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    secret = "s3cr3t-TOKEN-4242"
    with price_stub() as stub:
        host = stub.url.replace("http://", f"http://bob:{secret}@")
        blueprint = {
            "name": "Creds",
            "flow": [{
                "id": 1, "module": "http:MakeRequest", "version": 4,
                "parameters": {"authenticationType": "noAuth"},
                "mapper": {"url": f"{host}/price/p1", "method": "get", "parseResponse": True,
                           "headers": [{"name": "Authorization", "value": f"Bearer {secret}"},
                                       {"name": "X-Api-Key", "value": secret}],
                           "queryParameters": [{"name": "api_key", "value": secret}]},
            }],
            "metadata": {"scenario": {}},
        }
        bp = write_json(tmp_path / "bp.json", blueprint)
        report = cli_json(capsys, "run", str(bp), "--report", "json", "--data-dir", str(ws))
    assert report["modules"]["1"]["outputs"][0]["data"] == {"price": 10}
    conn = sqlite3.connect(ws / "history.db")
    try:
        rows = conn.execute("SELECT input FROM operation WHERE kind = 'effects'").fetchall()
    finally:
        conn.close()
    assert len(rows) == 1
    raw = rows[0][0]
    text = unpack(raw).decode()
    assert "/price/p1" in text  # the request is there...
    assert secret not in text  # ...without its credentials
    # And it still replays.
    runs = cli_json(capsys, "history", "list", "--json", "--data-dir", str(ws))
    replayed = cli_json(capsys, "replay", runs[0]["id"], "--deterministic", "--report", "json",
                        "--data-dir", str(ws))
    assert replayed["modules"]["1"]["outputs"] == report["modules"]["1"]["outputs"]


def test_replay_of_an_unknown_execution_says_so(tmp_path: Path) -> None:
    done = scenarist("replay", "nope", "--data-dir", str(tmp_path))
    assert done.returncode == 1 and "nothing to replay" in done.stderr
