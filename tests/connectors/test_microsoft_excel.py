"""The Microsoft Excel connector (connectors/microsoft-excel, a Make custom app) against a local
fake of Microsoft Graph's workbook API and of the identity platform: OAuth 2.0 with the user's
own Azure app (PKCE, offline_access, refresh on a 401), then rows added, listed, updated and
watched, pickers, Make an API Call and Make's error types."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import webbrowser
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from engine.apps import (
    App,
    ConnectionData,
    bind_connections,
    check_app,
    module_specs,
    run_rpc,
)
from engine.connections import ConnectionStore
from engine.context import RunServices
from engine.errors import ModuleError
from engine.spec import ModuleSpec
from tests.apps.fakes import call_module
from tests.secrets.scan import leaks
from tests.support import fake_graph as support
from tests.support.fake_graph import FakeGraph

fake_graph = support.fake_graph  # the fixture

CONNECTOR = Path(__file__).resolve().parents[2] / "connectors" / "microsoft-excel"


@pytest.fixture(scope="module")
def specs(app: App) -> dict[str, ModuleSpec]:
    return {s.id: s for s in module_specs(app)}


@pytest.fixture
def run(fake_graph: FakeGraph) -> RunServices:
    services = RunServices(scenario_name="excel")
    bind_connections(services, {"microsoft-excel": ConnectionData(
        {"accessToken": fake_graph.issue()}, fake_graph.graph)})
    return services


async def call(specs: dict[str, ModuleSpec], module: str, run: RunServices,
               **mapper: Any) -> list[dict[str, Any]]:
    return await call_module(specs[f"microsoft-excel:{module}"], run,
                             parameters={"__IMTCONN__": 1}, mapper=mapper)


def test_make_module_ids(app: App, specs: dict[str, ModuleSpec]) -> None:
    assert app.name == "microsoft-excel" and app.problems == [] and check_app(CONNECTOR) == []
    assert sorted(specs) == [f"microsoft-excel:{m}" for m in (
        "addATableRow", "addAWorksheetRow", "listTableRows", "makeApiCall",
        "updateAWorksheetRow", "watchWorksheetRows")]
    # the fields public exports show for Add a Worksheet Row and Watch Worksheet Rows
    assert [f.name for f in specs["microsoft-excel:addAWorksheetRow"].mapper][:4] == [
        "workbook", "worksheet", "valueType", "row"]
    assert {p.name for p in specs["microsoft-excel:watchWorksheetRows"].parameters} >= {
        "workbook", "worksheet", "limit"}


async def test_rows_added_listed_updated_and_watched(fake_graph: FakeGraph, run: RunServices,
                                                     specs: dict[str, ModuleSpec]) -> None:
    wb = fake_graph.workbook_id
    fake_graph.add_sheet("Leads", [["Name", "Email", "Score"], ["Ada", "ada@example.com", 42]])
    added = await call(specs, "addAWorksheetRow", run, workbook=wb, worksheet="Leads",
                       valueType="values", row={"0": "Grace", "1": "grace@example.com",
                                                "2": 37})
    patch = fake_graph.requests[-1]
    assert (patch.method, patch.path) == (
        "PATCH", f"/v1.0/me/drive/items/{wb}/workbook/worksheets/Leads/range(address='A3:Z3')")
    sent = patch.json()["values"][0]
    assert sent[:3] == ["Grace", "grace@example.com", 37] and sent[3:] == [None] * 23
    assert added[0]["__ROW_NUMBER__"] == 3 and added[0]["values"][:3] == [
        "Grace", "grace@example.com", 37]
    await call(specs, "updateAWorksheetRow", run, workbook=wb, worksheet="Leads", rowNumber=2,
               valueType="formulas", row={"2": "=40+3"})
    assert fake_graph.requests[-1].json()["formulas"][0][2] == "=40+3"
    assert fake_graph.sheets["Leads"][1] == ["Ada", "ada@example.com", "=40+3"]

    fake_graph.add_table("Orders", "Leads", ["Id", "Item", "Total"])
    row = await call(specs, "addATableRow", run, workbook=wb, table="Orders",
                     row={"0": "1042", "1": "Desk", "2": 199, "5": "beyond the table"})
    assert fake_graph.requests[-1].json() == {"values": [["1042", "Desk", 199]]}
    assert row == [{"index": 0, "values": ["1042", "Desk", 199]}]
    for i in range(4):
        await call(specs, "addATableRow", run, workbook=wb, table="Orders", row={"0": str(i)})
    listed = await call(specs, "listTableRows", run, workbook=wb, table="Orders", limit=3)
    assert [r["index"] for r in listed] == [0, 1, 2]

    watch = specs["microsoft-excel:watchWorksheetRows"]
    params = {"__IMTCONN__": 1, "workbook": wb, "worksheet": "Leads", "limit": 10}
    first = await call_module(watch, run, parameters=params)
    assert [r["__ROW_NUMBER__"] for r in first] == [1, 2, 3]
    fake_graph.sheets["Leads"].append(["Linus", "linus@example.com", 12])
    again = await call_module(watch, run, parameters=params)
    await run.aclose()
    assert again == [{"__ROW_NUMBER__": 4, "values": ["Linus", "linus@example.com", 12]}]


async def test_errors_pickers_and_api_call(fake_graph: FakeGraph, run: RunServices, app: App,
                                           specs: dict[str, ModuleSpec]) -> None:
    wb = fake_graph.workbook_id
    fake_graph.add_sheet("Leads", [["Name"]])
    fake_graph.add_table("Orders", "Leads", ["Id"])
    with pytest.raises(ModuleError) as missing:
        await call(specs, "addAWorksheetRow", run, workbook=wb, worksheet="Nope", row={"0": 1})
    assert missing.value.name == "DataError" and "(ItemNotFound)" in missing.value.message
    fake_graph.throttle = 12
    with pytest.raises(ModuleError) as throttled:
        await call(specs, "listTableRows", run, workbook=wb, table="Orders")
    assert throttled.value.name == "RateLimitError" and "after 12 seconds" in \
        throttled.value.message
    fake_graph.throttle = None
    conn = ConnectionData({"accessToken": fake_graph.access[-1]}, fake_graph.graph)
    assert await run_rpc(app, "rpc://listWorkbooks", run, connection=conn) == [
        {"label": "Orders.xlsx", "value": wb}]
    assert await run_rpc(app, "rpc://listWorksheets", run, connection=conn,
                         parameters={"workbook": wb}) == [{"label": "Leads", "value": "Leads"}]
    assert await run_rpc(app, "rpc://listTables", run, connection=conn,
                         parameters={"workbook": wb}) == [{"label": "Orders", "value": "Orders"}]
    got = await call(specs, "makeApiCall", run, url=f"me/drive/items/{wb}/workbook/tables",
                     method="GET")
    assert got[0]["body"]["value"][0]["name"] == "Orders"
    fake_graph.revoke_all()
    with pytest.raises(ModuleError) as expired:
        await call(specs, "listTableRows", run, workbook=wb, table="Orders")
    await run.aclose()
    assert expired.value.name == "InvalidAccessTokenError"


def test_oauth_with_pkce_and_a_refresh_during_a_run(fake_graph: FakeGraph, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ws = ("--data-dir", str(tmp_path / "ws"))

    def browser(url: str, *args: Any, **kwargs: Any) -> bool:
        threading.Thread(target=fake_graph.browser, args=(url,), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    code = main(["connections", "add", "microsoft-excel", "--name", "Work",
                 "--set", f"clientId={fake_graph.client_id}",
                 "--set", f"clientSecret={fake_graph.client_secret}",
                 "--set", "tenant=contoso.onmicrosoft.com",
                 "--set", f"authority={fake_graph.url}",
                 "--set", f"baseUrl={fake_graph.graph}", "--make-id", "4242",
                 "--timeout", "20", "--json", *ws])
    out, err = capsys.readouterr()
    assert code == 0, err
    connection_id = json.loads(out)["id"]
    [asked] = fake_graph.authorizations
    assert asked["scope"] == "offline_access User.Read Files.ReadWrite"
    assert asked["response_type"] == "code" and asked["code_challenge_method"] == "S256"
    assert asked["redirect_uri"].startswith("http://127.0.0.1:")
    [form] = fake_graph.token_forms
    digest = hashlib.sha256(form["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"]
    assert fake_graph.requests[0].path == "/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
    stored = ConnectionStore(tmp_path / "ws").require(connection_id)
    assert stored.label == "ada@contoso.onmicrosoft.com"

    fake_graph.add_sheet("Leads", [["Name", "Email"]])
    fake_graph.revoke_all()  # the access token is refused: the run refreshes and goes on
    blueprint = {"name": "Leads", "flow": [
        {"id": 1, "module": "microsoft-excel:addAWorksheetRow", "version": 1,
         "parameters": {"__IMTCONN__": 4242},
         "mapper": {"workbook": fake_graph.workbook_id, "worksheet": "Leads",
                    "valueType": "values", "row": {"0": "Ada", "1": "ada@example.com"}}}],
        "metadata": {"scenario": {"roundtrips": 1}}}
    path = tmp_path / "leads.blueprint.json"
    path.write_text(json.dumps(blueprint))
    code = main(["run", str(path), "--report", "json", *ws])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["status"] == "success"
    assert fake_graph.sheets["Leads"][1] == ["Ada", "ada@example.com"]
    assert [f["grant_type"] for f in fake_graph.token_forms] == [
        "authorization_code", "refresh_token"]
    renewed = ConnectionStore(tmp_path / "ws").require(connection_id)
    assert renewed.secret_data["accessToken"] == fake_graph.access[-1]
    secrets = [fake_graph.client_secret, *[a for a in fake_graph.access if a[0] != "-"],
               stored.secret_data["refreshToken"]]
    assert leaks(secrets, tmp_path / "ws", [("report", out), ("stderr", err)]) == []
