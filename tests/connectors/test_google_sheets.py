"""Google Sheets (connectors/google_sheets) against the local fake Google APIs: the rows real
exports add, update, search and watch, with Make's row shapes; the pickers' RPCs (through
Drive); Make an API call; Watch Changes; Google's errors as Make's error types."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import unquote

import pytest

from engine.apps import ConnectionData, bind_connections, load_makecomapp, module_specs, run_rpc
from engine.apps.loader import SHIPPED_DIR
from engine.context import RunServices
from engine.errors import ModuleError
from engine.spec import ModuleSpec
from tests.apps.fakes import call_module
from tests.support import fake_google as support
from tests.support.fake_google import FakeGoogle, GoogleError

fake_google = support.fake_google
APP = load_makecomapp(SHIPPED_DIR / "google_sheets", source="shipped")
SPECS: dict[str, ModuleSpec] = {s.id.split(":")[1]: s for s in module_specs(APP)}
CONN = {"__IMTCONN__": 4321}
HEADER = ["Timestamp", "Name", "Email", "Company", "Category"]


def services(fake: FakeGoogle) -> RunServices:
    run = RunServices(scenario_name=f"test-{uuid.uuid4()}")  # its own trigger cursors
    bind_connections(run, {"4321": ConnectionData({"accessToken": fake.access_token},
                                                  base_url_override=fake.url)})
    return run


def leads(fake: FakeGoogle) -> str:
    return fake.add_spreadsheet("Leads", {"Form Responses 1": [
        HEADER,
        ["1/2/2024", "Ada", "ada@example.com", "Analytical", "Lead"],
        ["1/3/2024", "Grace", "grace@example.com", "Navy", "Support"],
        ["1/4/2024", "Linus", "linus@example.com", "Kernel", "lead"],
    ]}, sid="1LeadsSheetId")


async def call(fake: FakeGoogle, module: str, mapper: dict[str, Any] | None = None,
               parameters: dict[str, Any] | None = None,
               run: RunServices | None = None) -> list[dict[str, Any]]:
    return await call_module(SPECS[module], run or services(fake),
                             parameters={**CONN, **(parameters or {})}, mapper=mapper)


def test_the_modules_real_exports_use_are_there() -> None:
    assert not APP.problems, APP.problems
    assert {"addRow", "updateRow", "filterRows", "watchRows", "watchUpdatedCells",
            "getSheetContent", "makeAnApiCall"} <= set(SPECS)
    assert SPECS["addRow"].connection == "google:google"
    assert SPECS["watchUpdatedCells"].kind == "instant_trigger"


async def test_add_a_row_by_column_position(fake_google: FakeGoogle) -> None:
    sid = leads(fake_google)
    out = await call(fake_google, "addRow", {
        "from": "drive", "mode": "select", "spreadsheetId": f"/folder1/{sid}",
        "sheetId": "Form Responses 1", "includesHeaders": True, "useColumnHeaders": False,
        "insertDataOption": "INSERT_ROWS", "valueInputOption": "USER_ENTERED",
        "insertUnformatted": False, "values": {"0": "1/5/2024", "1": "Alan", "4": "Lead"}})
    [request] = fake_google.requests
    assert request.method == "POST"
    assert unquote(request.path) == (
        f"/v4/spreadsheets/{sid}/values/'Form Responses 1'!A1:append")
    assert request.query["valueInputOption"] == "USER_ENTERED"
    assert request.query["insertDataOption"] == "INSERT_ROWS"
    assert request.headers["authorization"] == f"Bearer {fake_google.access_token}"
    assert request.json() == {"majorDimension": "ROWS",
                              "values": [["1/5/2024", "Alan", None, None, "Lead"]]}
    assert fake_google.sheets[sid]["tabs"]["Form Responses 1"][4] == [
        "1/5/2024", "Alan", "", "", "Lead"]
    assert out[0]["updates"]["updatedRange"] == "'Form Responses 1'!A5:E5"
    assert out[0]["spreadsheetId"] == sid


async def test_add_a_row_by_header_names(fake_google: FakeGoogle) -> None:
    sid = leads(fake_google)
    await call(fake_google, "addRow", {
        "mode": "select", "spreadsheetId": sid, "sheetId": "Form Responses 1",
        "includesHeaders": True, "useColumnHeaders": True,
        "values": {"Email": "alan@example.com", "Name": "Alan"}})
    first, append = fake_google.requests
    assert first.method == "GET" and unquote(first.path).endswith("'Form Responses 1'!A1:ZZZ1")
    assert append.json()["values"] == [[None, "Alan", "alan@example.com"]]
    assert append.query["valueInputOption"] == "USER_ENTERED"  # Make's default


async def test_update_a_row_changes_only_the_mapped_columns(fake_google: FakeGoogle) -> None:
    sid = leads(fake_google)
    out = await call(fake_google, "updateRow", {
        "from": "drive", "mode": "select", "spreadsheetId": sid, "sheetId": "Form Responses 1",
        "rowNumber": "3", "includesHeaders": True, "useColumnHeaders": False,
        "valueInputOption": "USER_ENTERED", "values": {"1": "Grace Hopper", "4": "Done"}})
    [request] = fake_google.requests
    assert request.method == "PUT"
    assert unquote(request.path) == f"/v4/spreadsheets/{sid}/values/'Form Responses 1'!A3:E3"
    assert request.json()["values"] == [[None, "Grace Hopper", None, None, "Done"]]
    assert fake_google.sheets[sid]["tabs"]["Form Responses 1"][2] == [
        "1/3/2024", "Grace Hopper", "grace@example.com", "Navy", "Done"]
    assert out == [{"spreadsheetId": sid, "updatedRange": "'Form Responses 1'!A3:E3",
                    "updatedRows": 1, "updatedColumns": 5, "updatedCells": 2}]


async def test_search_rows_filters_by_column_letter(fake_google: FakeGoogle) -> None:
    sid = leads(fake_google)
    out = await call(fake_google, "filterRows", {
        "from": "drive", "spreadsheetId": sid, "sheetId": "Form Responses 1",
        "includesHeaders": True, "tableFirstRow": "A1:CZ1", "sortOrder": "asc",
        "valueRenderOption": "FORMATTED_VALUE", "dateTimeRenderOption": "FORMATTED_STRING",
        "filter": [[{"a": "E", "b": "LEAD", "o": "text:equal:ci"}],
                   [{"a": "B", "b": "Grace", "o": "text:equal"}]], "limit": "2"})
    [request] = fake_google.requests
    assert unquote(request.path) == f"/v4/spreadsheets/{sid}/values/'Form Responses 1'!A1:CZ"
    assert request.query["valueRenderOption"] == "FORMATTED_VALUE"
    assert [row["1"] for row in out] == ["Ada", "Grace"]
    assert out[0] == {"__ROW_NUMBER__": 2, "__SPREADSHEET_ID__": sid,
                      "__SHEET__": "Form Responses 1", "0": "1/2/2024", "1": "Ada",
                      "2": "ada@example.com", "3": "Analytical", "4": "Lead",
                      "__IMTINDEX__": 1, "__IMTLENGTH__": 2}
    ordered = await call(fake_google, "filterRows", {
        "spreadsheetId": sid, "sheetId": "Form Responses 1", "includesHeaders": True,
        "tableFirstRow": "A1:Z1", "orderBy": "B", "sortOrder": "desc"})
    assert [row["1"] for row in ordered] == ["Linus", "Grace", "Ada"]


async def test_get_range_values(fake_google: FakeGoogle) -> None:
    sid = leads(fake_google)
    out = await call(fake_google, "getSheetContent", {
        "select": "map", "spreadsheetId": sid, "sheetId": "Form Responses 1",
        "range": "B2:C3", "includesHeaders": False, "valueRenderOption": "FORMATTED_VALUE",
        "dateTimeRenderOption": "FORMATTED_STRING"})
    assert out == [
        {"__ROW_NUMBER__": 2, "__SPREADSHEET_ID__": sid, "__SHEET__": "Form Responses 1",
         "1": "Ada", "2": "ada@example.com", "__IMTINDEX__": 1, "__IMTLENGTH__": 2},
        {"__ROW_NUMBER__": 3, "__SPREADSHEET_ID__": sid, "__SHEET__": "Form Responses 1",
         "1": "Grace", "2": "grace@example.com", "__IMTINDEX__": 2, "__IMTLENGTH__": 2}]


async def test_watch_rows_emits_each_new_row_once(fake_google: FakeGoogle) -> None:
    sid = leads(fake_google)
    run = services(fake_google)
    params = {"from": "drive", "mode": "select", "limit": 2, "sheetId": "Form Responses 1",
              "spreadsheetId": f"/{sid}", "tableFirstRow": "A1:Z1", "includesHeaders": True,
              "valueRenderOption": "FORMATTED_VALUE", "dateTimeRenderOption": "FORMATTED_STRING"}
    first = await call(fake_google, "watchRows", parameters=params, run=run)
    assert [r["__ROW_NUMBER__"] for r in first] == [2, 3] and first[0]["1"] == "Ada"
    assert "__IMTINDEX__" not in first[0]
    second = await call(fake_google, "watchRows", parameters=params, run=run)
    assert [r["1"] for r in second] == ["Linus"]
    assert await call(fake_google, "watchRows", parameters=params, run=run) == []
    fake_google.sheets[sid]["tabs"]["Form Responses 1"].append(["1/9/2024", "Barbara"])
    assert [r["1"] for r in await call(fake_google, "watchRows", parameters=params,
                                       run=run)] == ["Barbara"]


async def test_the_pickers_list_spreadsheets_sheets_and_columns(
        fake_google: FakeGoogle) -> None:
    sid = leads(fake_google)
    other = fake_google.add_spreadsheet("Budget", {"2024": [["Month", "Total"]]})
    old = fake_google.add_spreadsheet("Old", {"S": []})
    fake_google.add_file("notes.txt", "text/plain", b"x")
    conn = ConnectionData({"accessToken": fake_google.access_token},
                          base_url_override=fake_google.url)
    run = RunServices()
    books = await run_rpc(APP, "listSpreadsheets", run, connection=conn)
    assert {b["value"] for b in books} == {sid, other, old}
    lists = fake_google.calls("GET", "/drive/v3/files")
    assert [r.query.get("pageToken") for r in lists] == [None, "2"]  # paged, on Drive's host
    assert "mimeType='application/vnd.google-apps.spreadsheet'" in lists[0].query["q"]
    sheets = await run_rpc(APP, "listSheets", run, connection=conn,
                           parameters={"spreadsheetId": f"/x/{sid}"})
    assert sheets == [{"label": "Form Responses 1", "value": "Form Responses 1"}]
    columns = await run_rpc(APP, "listColumns", run, connection=conn,
                            parameters={"spreadsheetId": sid, "sheetId": "Form Responses 1",
                                        "tableFirstRow": "A1:F1"})
    assert columns[:2] == [{"label": "Timestamp (A)", "value": "A"},
                           {"label": "Name (B)", "value": "B"}]
    assert columns[-1] == {"label": "(F)", "value": "F"}


async def test_make_an_api_call(fake_google: FakeGoogle) -> None:
    sid = leads(fake_google)
    [out] = await call(fake_google, "makeAnApiCall", {
        "url": f"v4/spreadsheets/{sid}", "method": "GET",
        "qs": [{"key": "fields", "value": "sheets.properties"}]})
    assert out["statusCode"] == 200
    assert out["body"]["sheets"][0]["properties"]["title"] == "Form Responses 1"
    assert fake_google.requests[-1].query == {"fields": "sheets.properties"}


async def test_watch_changes_passes_the_add_ons_post_on() -> None:
    posted = {"spreadsheetId": "1abc", "sheetName": "Hoja 1",
              "range": {"rowStart": 4, "rowEnd": 4, "columnStart": 2, "columnEnd": 2},
              "data": ["Si"], "rowValues": [{"0": "x", "1": "Si"}]}
    run = RunServices(webhook_request={"body": posted, "headers": {}, "query": {}})
    out = await call_module(SPECS["watchUpdatedCells"], run,
                            parameters={"__IMTHOOK__": 1775606})
    assert out == [posted]


@pytest.mark.parametrize(("error", "kind"), [
    (GoogleError(429, "Quota exceeded for quota metric 'Write requests'"), "RateLimitError"),
    (GoogleError(403, "User rate limit exceeded", "userRateLimitExceeded"), "RateLimitError"),
    (GoogleError(403, "The caller does not have permission"), "InvalidConfigurationError"),
    (GoogleError(404, "Requested entity was not found."), "DataError"),
    (GoogleError(503, "The service is currently unavailable."), "ConnectionError"),
])
async def test_googles_errors_are_makes_error_types(fake_google: FakeGoogle, error: GoogleError,
                                                    kind: str) -> None:
    sid = leads(fake_google)
    fake_google.fail_next.append(error)
    with pytest.raises(ModuleError) as caught:
        await call(fake_google, "filterRows", {"spreadsheetId": sid,
                                               "sheetId": "Form Responses 1"})
    assert caught.value.name == kind
    assert error.message in caught.value.message


async def test_a_refused_token_is_an_invalid_access_token_error(
        fake_google: FakeGoogle) -> None:
    sid = leads(fake_google)
    run = RunServices()
    bind_connections(run, {"4321": ConnectionData({"accessToken": "ya29.stale"},
                                                  base_url_override=fake_google.url)})
    with pytest.raises(ModuleError) as caught:
        await call(fake_google, "addRow", {"spreadsheetId": sid, "sheetId": "Form Responses 1",
                                           "values": {"0": "x"}}, run=run)
    assert caught.value.name == "InvalidAccessTokenError"
    assert "ya29.stale" not in caught.value.message
