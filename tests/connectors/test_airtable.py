"""The Airtable connector (connectors/airtable): every module type the corpus' Make exports
use, under Make's ids and field names, run against the local fake of Airtable's API
(tests/support/fake_airtable.py): requests, outputs as Make gives them, RPCs, errors as Make's
error types, and both connections (personal access token, OAuth 2.0 with PKCE)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from engine.apps import (
    App,
    ConnectionData,
    bind_connections,
    check_app,
    discover_apps,
    epoch_choices,
    load_makecomapp,
    module_specs,
    run_rpc,
    verify_connection,
)
from engine.connections import (
    ConnectionStore,
    authorize_connection,
    create_connection,
    find_type,
    refresh_connection,
)
from engine.context import RunServices
from engine.errors import ModuleError
from engine.spec import ModuleSpec
from tests.apps.fakes import call_module
from tests.connectors.corpus import field_names, used_names, uses
from tests.support import fake_airtable as support
from tests.support.fake_airtable import DEFAULT_TOKEN, FakeAirtable, crm

fake_airtable = support.fake_airtable  # the fixture

CONNECTOR = Path(__file__).resolve().parents[2] / "connectors" / "airtable"
BASE, LEADS, COMPANIES = "appCRM0000000001", "tblLeads000000001", "tblCompanies00001"
CORPUS_TYPES = {"ActionUpdateRecords", "ActionCreateRecord", "ActionSearchRecords",
                "ActionGetRecord", "upsertRecord", "TriggerWatchRecords"}


@pytest.fixture(scope="module")
def specs(app: App) -> dict[str, ModuleSpec]:
    return {s.id.split(":")[1]: s for s in module_specs(app)}


@pytest.fixture
def fake(fake_airtable: FakeAirtable) -> FakeAirtable:
    return crm(fake_airtable)


@pytest.fixture
def run(fake: FakeAirtable) -> RunServices:
    services = RunServices(scenario_name="airtable-test")
    bind_connections(services, {"airtable": ConnectionData({"token": DEFAULT_TOKEN},
                                                           base_url_override=fake.url)})
    return services


async def call(spec: ModuleSpec, run: RunServices, **mapper: Any) -> list[dict[str, Any]]:
    return await call_module(spec, run, parameters={"__IMTCONN__": 1}, mapper=mapper)


def where(**extra: Any) -> dict[str, Any]:
    return {"base": BASE, "table": LEADS, "typecast": False, "useColumnId": False, **extra}


# --- the app and the corpus ---------------------------------------------------------------


def test_every_corpus_module_type_is_there_with_the_fields_exports_carry(
        app: App, specs: dict[str, ModuleSpec]) -> None:
    assert app.name == "airtable" and app.problems == [] and check_app(CONNECTOR) == []
    corpus = uses("airtable")
    assert {m.split(":")[1] for m in corpus} == CORPUS_TYPES
    assert set(specs) == CORPUS_TYPES | {"makeApiCall"}
    for module, nodes in corpus.items():
        spec = specs[module.split(":")[1]]
        declared = field_names(spec.parameters) | field_names(spec.mapper)
        for node in nodes:
            names = used_names({**node.get("parameters", {}), **node.get("mapper", {})},
                               {"record"})
            assert names <= declared, (module, names - declared)
    assert specs["TriggerWatchRecords"].kind == "trigger"
    assert specs["ActionSearchRecords"].kind == "search"
    assert specs["makeApiCall"].kind == "action"
    assert all(s.connection == "airtable:oauth" for s in specs.values())
    assert all(d.alt_connection == "token" for d in app.modules.values())


# --- records -----------------------------------------------------------------------------


async def test_create_a_record_sends_field_ids_and_outputs_fields_by_name(
        specs: dict[str, ModuleSpec], run: RunServices, fake: FakeAirtable) -> None:
    company = fake.add_record(BASE, COMPANIES, {"Name": "Acme"})
    [record] = await call(specs["ActionCreateRecord"], run, **where(record={
        "fldFullName000001": "Ada Lovelace", "fldEmail000000001": "ada@example.com",
        "fldScore000000001": 87, "fldStatus00000001": "New", "fldNotes000000001": "",
        "fldCompany0000001": [company["id"], ""], "fldContacted00001": False,
        "fldNotes0000000XX": None}))
    [request] = fake.calls("POST", f"/v0/{BASE}/{LEADS}")
    assert request.headers["authorization"] == f"Bearer {DEFAULT_TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {"fields": {
        "fldFullName000001": "Ada Lovelace", "fldEmail000000001": "ada@example.com",
        "fldScore000000001": 87, "fldStatus00000001": "New",
        "fldCompany0000001": [company["id"]], "fldContacted00001": False}, "typecast": False}
    assert record["id"].startswith("rec") and record["createdTime"].endswith("Z")
    assert {k: v for k, v in record.items() if k not in ("id", "createdTime")} == {
        "Full Name": "Ada Lovelace", "Email": "ada@example.com", "Score": 87,
        "Lead Status": "New", "Company": [company["id"]], "Created At": record["createdTime"]}


async def test_smart_links_and_column_ids(specs: dict[str, ModuleSpec], run: RunServices,
                                          fake: FakeAirtable) -> None:
    with pytest.raises(ModuleError) as refused:
        await call(specs["ActionCreateRecord"], run, **where(record={
            "fldStatus00000001": "Qualified"}))
    assert refused.value.name == "DataError" and "Qualified" in refused.value.message
    [record] = await call(specs["ActionCreateRecord"], run, **where(
        typecast=True, useColumnId=True, record={"Lead Status": "Qualified",
                                                 "Score": "42"}))
    assert record["fldStatus00000001"] == "Qualified" and record["fldScore000000001"] == 42
    assert fake.calls("POST")[-1].json()["returnFieldsByFieldId"] is True


async def test_update_changes_only_the_given_fields_and_get_reads_them(
        specs: dict[str, ModuleSpec], run: RunServices, fake: FakeAirtable) -> None:
    lead = fake.add_record(BASE, LEADS, {"Full Name": "Grace", "Lead Status": "New",
                                         "Notes": "first call"})
    [updated] = await call(specs["ActionUpdateRecords"], run, **where(
        id=lead["id"], record={"fldStatus00000001": "Pending Review", "fldNotes000000001": ""}))
    [request] = fake.calls("PATCH")
    assert request.path == f"/v0/{BASE}/{LEADS}/{lead['id']}"
    assert request.json() == {"fields": {"fldStatus00000001": "Pending Review"},
                              "typecast": False}
    assert updated["Lead Status"] == "Pending Review" and updated["Notes"] == "first call"
    [got] = await call(specs["ActionGetRecord"], run, base=BASE, table="Leads", id=lead["id"],
                       useColumnId=True)
    assert got["id"] == lead["id"] and got["fldFullName000001"] == "Grace"
    assert fake.calls("GET")[-1].query == {"returnFieldsByFieldId": "true"}
    with pytest.raises(ModuleError) as missing:
        await call(specs["ActionGetRecord"], run, base=BASE, table=LEADS, id="recNope")
    assert missing.value.name == "DataError" and "NOT_FOUND" in missing.value.message


async def test_upsert_updates_with_an_id_and_creates_without(
        specs: dict[str, ModuleSpec], run: RunServices, fake: FakeAirtable) -> None:
    [made] = await call(specs["upsertRecord"], run, **where(
        recordId="", record={"fldFullName000001": "Linus"}))
    [again] = await call(specs["upsertRecord"], run, **where(
        recordId=made["id"], record={"fldEmail000000001": "linus@example.com"}))
    assert [r.method for r in fake.requests] == ["POST", "PATCH"]
    assert again["id"] == made["id"]
    assert again["Full Name"] == "Linus" and again["Email"] == "linus@example.com"


async def test_search_pages_through_a_formula_sorted_with_make_indexes(
        specs: dict[str, ModuleSpec], run: RunServices, fake: FakeAirtable) -> None:
    for i in range(130):
        fake.add_record(BASE, LEADS, {"Full Name": f"Lead {i:03d}", "Score": i,
                                      "Lead Status": "New" if i % 2 else "Pending Review"})
    found = await call(specs["ActionSearchRecords"], run, base=BASE, table=LEADS,
                       useColumnId=False, formula="AND({Score} >= 10, {Lead Status} = 'New')",
                       maxRecords="55", sort=[{"field": "Score", "direction": "desc"}],
                       fields=["Full Name", "Score"])
    assert len(found) == 55 and found[0]["Score"] == 129 and found[-1]["Score"] == 21
    assert set(found[0]) == {"id", "createdTime", "Full Name", "Score", "__IMTINDEX__",
                             "__IMTLENGTH__"}
    assert [b["__IMTINDEX__"] for b in found[:3]] == [1, 2, 3]
    assert {b["__IMTLENGTH__"] for b in found} == {55}
    [request] = fake.calls("POST", "/listRecords")
    assert request.json() == {"filterByFormula": "AND({Score} >= 10, {Lead Status} = 'New')",
                              "maxRecords": 55, "pageSize": 55,
                              "sort": [{"field": "Score", "direction": "desc"}],
                              "fields": ["Full Name", "Score"]}
    everything = await call(specs["ActionSearchRecords"], run, base=BASE, table=LEADS,
                            view="New leads")
    assert len(everything) == 65 and everything[-1]["__IMTLENGTH__"] == 65
    pages = fake.calls("POST", "/listRecords")[1:]
    assert [r.json().get("offset") is not None for r in pages] == [False]  # 65 fit one page
    many = await call(specs["ActionSearchRecords"], run, base=BASE, table=LEADS)
    assert len(many) == 130 and len(fake.calls("POST", "/listRecords")) == 4


async def test_watch_records_emits_new_records_oldest_first_by_its_trigger_field(
        specs: dict[str, ModuleSpec], run: RunServices, fake: FakeAirtable) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    for i in range(4):
        fake.add_record(BASE, LEADS, {"Full Name": f"Old {i}"}, start + timedelta(minutes=i))
    parameters = {"__IMTCONN__": 1, "base": BASE, "table": LEADS, "useColumnId": False,
                  "config": {"triggerField": "Created At", "labelField": "Full Name"},
                  "maxRecords": 3, "view": "", "formula": ""}
    first = await call_module(specs["TriggerWatchRecords"], run, parameters=parameters)
    assert [r["Full Name"] for r in first] == ["Old 0", "Old 1", "Old 2"]
    body = fake.calls("POST", "/listRecords")[0].json()
    assert body["filterByFormula"] == 'IS_AFTER({Created At}, "1970-01-01T00:00:00.000Z")'
    assert body["sort"] == [{"field": "Created At", "direction": "asc"}]
    fake.add_record(BASE, LEADS, {"Full Name": "New one"}, start + timedelta(minutes=30))
    second = await call_module(specs["TriggerWatchRecords"], run,
                               parameters={**parameters, "formula": "{Full Name} != ''"})
    assert [r["Full Name"] for r in second] == ["Old 3", "New one"]
    formula = fake.calls("POST", "/listRecords")[-1].json()["filterByFormula"]
    assert formula.startswith("AND({Full Name} != '', IS_AFTER({Created At}, \"")
    assert await call_module(specs["TriggerWatchRecords"], run, parameters=parameters) == []
    choices = await epoch_choices(load_makecomapp(CONNECTOR), "TriggerWatchRecords", run,
                                  parameters=parameters,
                                  connection=ConnectionData({"token": DEFAULT_TOKEN},
                                                            fake.url))
    assert choices[0]["label"] == "New one" and len(choices) == 5


async def test_make_an_api_call(specs: dict[str, ModuleSpec], run: RunServices,
                                fake: FakeAirtable) -> None:
    [out] = await call(specs["makeApiCall"], run, url="v0/meta/bases", method="GET")
    assert out["statusCode"] == 200 and out["body"]["bases"][0]["id"] == BASE
    assert fake.requests[-1].headers["authorization"] == f"Bearer {DEFAULT_TOKEN}"


# --- RPCs --------------------------------------------------------------------------------


async def test_rpcs_list_bases_tables_views_and_fields(app: App, fake: FakeAirtable) -> None:
    run = RunServices()
    conn = ConnectionData({"token": DEFAULT_TOKEN}, fake.url)
    bases = await run_rpc(app, "rpc://listBases", run, connection=conn)
    assert bases == [{"label": "CRM", "value": BASE}]
    tables = await run_rpc(app, "rpc://listTables", run, parameters={"base": BASE},
                           connection=conn)
    assert [t["label"] for t in tables] == ["Companies", "Leads"]
    where_ = {"base": BASE, "table": LEADS}
    views = await run_rpc(app, "rpc://listViews", run, parameters=where_, connection=conn)
    assert views == [{"label": "All leads", "value": "viwAll0000000001"},
                     {"label": "New leads", "value": "viwNew0000000001"}]
    fields = await run_rpc(app, "rpc://listFields", run, parameters=where_, connection=conn)
    assert fields[0] == {"label": "Full Name", "value": "Full Name"} and len(fields) == 8
    times = await run_rpc(app, "rpc://listTimeFields", run, parameters=where_,
                          connection=conn)
    assert times == [{"label": "Created At", "value": "Created At"}]
    form = await run_rpc(app, "rpc://listRecordFields", run, parameters=where_,
                         connection=conn)
    assert [f["name"] for f in form][:2] == ["fldFullName000001", "fldEmail000000001"]
    assert "fldCreatedAt00001" not in [f["name"] for f in form]  # computed: not writable
    status = next(f for f in form if f["label"] == "Lead Status")
    assert status["type"] == "select" and status["options"][0] == {"label": "New",
                                                                    "value": "New"}
    assert next(f for f in form if f["label"] == "Company")["type"] == "array"


# --- errors and connections ---------------------------------------------------------------


async def test_auth_and_rate_limit_errors_are_makes_types(
        specs: dict[str, ModuleSpec], fake: FakeAirtable) -> None:
    run = RunServices()
    bind_connections(run, {"airtable": ConnectionData({"token": "patWrong.000"}, fake.url)})
    with pytest.raises(ModuleError) as refused:
        await call(specs["ActionGetRecord"], run, base=BASE, table=LEADS, id="rec1")
    assert refused.value.name == "InvalidAccessTokenError"
    assert "patWrong" not in refused.value.message
    run = RunServices()
    bind_connections(run, {"airtable": ConnectionData({"token": DEFAULT_TOKEN}, fake.url)})
    fake.limit_rate()
    with pytest.raises(ModuleError) as limited:
        await call(specs["ActionSearchRecords"], run, base=BASE, table=LEADS)
    assert limited.value.name == "RateLimitError" and "429" in limited.value.message
    with pytest.raises(ModuleError) as unknown_base:
        await call(specs["ActionSearchRecords"], run, base="appNope", table=LEADS)
    assert unknown_base.value.name == "InvalidConfigurationError"
    fake.add_record(BASE, LEADS, {"Full Name": "Ada"})
    with pytest.raises(ModuleError) as bad_formula:
        await call(specs["ActionSearchRecords"], run, base=BASE, table=LEADS,
                   formula="{Nope} = 1")
    assert bad_formula.value.name == "DataError" and "nope" in bad_formula.value.message


async def test_the_personal_access_token_connection_is_checked(
        app: App, fake: FakeAirtable) -> None:
    check = await verify_connection(app, "token", {"token": DEFAULT_TOKEN}, RunServices(),
                                    base_url_override=fake.url)
    assert check.label == "ada@example.com" and check.uid == "usrA1b2C3d4E5f6G7"
    assert fake.requests[-1].path == "/v0/meta/whoami"
    with pytest.raises(ModuleError) as refused:
        await verify_connection(app, "token", {"token": "patNope"}, RunServices(),
                                base_url_override=fake.url)
    assert refused.value.name == "InvalidAccessTokenError"


async def test_oauth_authorizes_with_pkce_and_refreshes(tmp_path: Path,
                                                        fake: FakeAirtable) -> None:
    kind = find_type("airtable:oauth", discover_apps(None, entry_points=False))
    assert kind.own_flow and kind.kind == "oauth2"
    store = ConnectionStore(tmp_path)
    connection = create_connection(store, kind, "Work", {
        "clientId": fake.client_id, "clientSecret": fake.client_secret, "server": fake.url},
        base_url_override=fake.url)
    opened: list[str] = []

    def browser(url: str) -> None:
        opened.append(url)
        threading.Thread(target=fake.browser, args=(url,), daemon=True).start()

    connection = await authorize_connection(store, connection.id, browser, kind=kind,
                                            timeout=20)
    [url] = opened
    query = dict(parse_qsl(urlsplit(url).query))
    assert url.startswith(f"{fake.url}/oauth2/v1/authorize?")
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["scope"] == "data.records:read data.records:write schema.bases:read"
    assert query["redirect_uri"].startswith("http://127.0.0.1:") and query["state"]
    [form] = fake.token_forms
    assert form["grant_type"] == "authorization_code" and len(form["code_verifier"]) == 64
    assert connection.label == "ada@example.com"
    stored = store.require(connection.id)
    assert stored.secret_data["accessToken"] == fake.access_tokens[-1]
    assert stored.secret_data["refreshToken"] == fake.refresh_tokens[-1]
    assert "accessToken" not in stored.data and stored.data["expires"]
    refreshed = await refresh_connection(store, stored, kind=kind)
    assert fake.token_forms[-1]["grant_type"] == "refresh_token"
    assert fake.token_forms[-1]["refresh_token"] == fake.refresh_tokens[-2]
    assert refreshed.secret_data["refreshToken"] == fake.refresh_tokens[-1]  # rotated
    assert refreshed.secret_data["accessToken"] == fake.access_tokens[-1]
