"""The Notion connector (connectors/notion): every module type the corpus' Make exports use,
under Make's ids and field names, run against the local fake of Notion's API
(tests/support/fake_notion.py): fields keyed by property ID turned into Notion's property
values by the database's schema, items output with `properties_value`, blocks, searches,
the watch trigger, errors as Make's types, and both connections (internal secret, OAuth)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
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
    module_specs,
    run_rpc,
    verify_connection,
)
from engine.connections import (
    ConnectionStore,
    authorize_connection,
    create_connection,
    find_type,
    invalidate_connection,
    refresh_connection,
)
from engine.context import RunServices
from engine.errors import IMLError, ModuleError
from engine.iml import Scope, compile_template
from engine.spec import ModuleSpec
from tests.apps.fakes import call_module
from tests.connectors.corpus import field_names, used_names, uses
from tests.support import fake_notion as support
from tests.support.fake_notion import DATA_SOURCES, DEFAULT_TOKEN, FakeNotion

fake_notion = support.fake_notion  # the fixture

CONNECTOR = Path(__file__).resolve().parents[2] / "connectors" / "notion"
CORPUS_TYPES = {"createAPage", "updateADatabaseItem", "searchObjects1", "createDataSourceItem",
                "getADatabase", "getADatabaseItem", "createAPage1", "appendAPageContent"}
LANGUAGES = "32f5c475-640e-4340-b42e-cb0668119794"  # the corpus' Language Task Dashboard
TICKETS = "7d1c2a9e-58a1-4c6b-9e2f-3b4a5c6d7e8f"


def languages(fake: FakeNotion) -> None:
    """The database of the corpus' Language Task Dashboard exports (IDs from their metadata)."""
    rich = {"type": "rich_text"}
    fake.add_database(LANGUAGES, "Language Tasks", {
        "Name": {"id": "title", "type": "title"},
        "Language": {"id": "%40%3Dyo", **rich}, "Task Type": {"id": "%40tzP", **rich},
        "Key Count": {"id": "EE~f", **rich}, "Link ": {"id": "O%40L~", **rich},
        "Assignee": {"id": "WBV%3E", **rich}, "Word Count": {"id": "%5EE_b", **rich},
        "Lokalise Project": {"id": "_vPO", **rich}, "Progress": {"id": "aOkd", **rich},
        "Parent Task ID": {"id": "fZ%40Q", **rich}, "Due Date": {"id": "mxix", **rich},
        "Task ID": {"id": "qpST", **rich}, "Completed Date": {"id": "rd%3Aa", **rich},
        "Status": {"id": "%7BGpN", "type": "status", "options": [
            {"id": "1", "name": "Not started", "color": "default"},
            {"id": "2", "name": "In progress", "color": "blue"},
            {"id": "3", "name": "Completed", "color": "green"}]},
        "Words": {"id": "wrds", "type": "number", "format": "number"},
        "Done": {"id": "done", "type": "checkbox"},
        "Created": {"id": "crtd", "type": "created_time"},
    })


def tickets(fake: FakeNotion) -> str:
    """The support tickets of the corpus' customer support export (a data source)."""
    database = fake.add_database(TICKETS, "Tickets", {
        "Ticket ID": {"id": "title", "type": "title"},
        "Issue Summary": {"id": "NUO%3F", "type": "rich_text"},
        "Date": {"id": "PBu~", "type": "date"},
        "Confidence Score": {"id": "SnDf", "type": "number", "format": "number"},
        "Customer Email": {"id": "Vq_%3E", "type": "email"},
        "Customer Name": {"id": "bUpP", "type": "rich_text"},
        "Status": {"id": "rcsH", "type": "select", "options": []},
        "Category": {"id": "ywWh", "type": "select", "options": []},
    })
    return database.data_source


@pytest.fixture(scope="module")
def specs(app: App) -> dict[str, ModuleSpec]:
    return {s.id.split(":")[1]: s for s in module_specs(app)}


@pytest.fixture
def run(fake_notion: FakeNotion) -> RunServices:
    languages(fake_notion)
    services = RunServices(scenario_name="notion-test")
    bind_connections(services, {"notion": ConnectionData({"token": DEFAULT_TOKEN},
                                                         base_url_override=fake_notion.url)})
    return services


async def call(spec: ModuleSpec, run: RunServices, **mapper: Any) -> list[dict[str, Any]]:
    return await call_module(spec, run, parameters={"__IMTCONN__": 1}, mapper=mapper)


def corpus_mapper(module: str, index: int = 0) -> dict[str, Any]:
    mapper: dict[str, Any] = uses("notion")[f"notion:{module}"][index]["mapper"]
    return mapper


def test_every_corpus_module_type_is_there_with_the_fields_exports_carry(
        app: App, specs: dict[str, ModuleSpec]) -> None:
    assert app.name == "notion" and app.problems == [] and check_app(CONNECTOR) == []
    corpus = uses("notion")
    assert {m.split(":")[1] for m in corpus} == CORPUS_TYPES
    assert set(specs) == CORPUS_TYPES | {"watchDatabaseItems", "makeApiCall"}
    for module, nodes in corpus.items():
        spec = specs[module.split(":")[1]]
        declared = field_names(spec.parameters) | field_names(spec.mapper)
        for node in nodes:
            names = used_names({**node.get("parameters", {}), **node.get("mapper", {})},
                               {"fields"})
            assert names <= declared, (module, names - declared)
    assert all(d.connection == "oauth" and d.alt_connection == "internal"
               for d in app.modules.values())


async def test_create_a_database_item_as_the_corpus_exports_it(
        specs: dict[str, ModuleSpec], run: RunServices, fake_notion: FakeNotion) -> None:
    mapper = corpus_mapper("createAPage", 1)  # the Language dashboard's "Task Created"
    assert mapper["database"] == LANGUAGES.replace("-", "")
    values = {"title": "Translate the app", "%40%3Dyo": "fr", "%40tzP": "translation",
              "EE~f": 120, "O%40L~": "https://app.lokalise.com/project/1/?view=multi",
              "WBV%3E": ["ada@example.com", "grace@example.com"], "%5EE_b": 1534,
              "_vPO": "Mobile", "aOkd": 0, "fZ%40Q": "", "mxix": None, "qpST": 9001,
              "rd%3Aa": "", "%7BGpN": "In progress"}
    assert set(values) == set(mapper["fields"])
    [item] = await call(specs["createAPage"], run, **{**mapper, "fields": values})
    schema_get, create = fake_notion.requests
    assert schema_get.method == "GET" and schema_get.path == f"/v1/databases/{mapper['database']}"
    assert create.headers["authorization"] == f"Bearer {DEFAULT_TOKEN}"
    assert create.headers["notion-version"] == "2022-06-28"
    body = create.json()
    assert body["parent"] == {"database_id": mapper["database"]}
    assert body["properties"]["Name"] == {"title": [{"type": "text", "text": {
        "content": "Translate the app"}}]}
    assert body["properties"]["Key Count"] == {"rich_text": [{"type": "text", "text": {
        "content": "120"}}]}
    assert body["properties"]["Assignee"]["rich_text"][0]["text"]["content"] == (
        "ada@example.com, grace@example.com")
    assert body["properties"]["Status"] == {"status": {"name": "In progress"}}
    assert "Parent Task ID" not in body["properties"]  # empty: not sent
    assert item["object"] == "page" and item["parent"]["database_id"] == LANGUAGES
    scope = Scope({4: item})
    assert compile_template("{{4.properties_value.Status.name}}")(scope) == "In progress"
    assert compile_template("{{4.properties_value.Language[].plain_text}}")(scope) == "fr"
    assert compile_template("{{4.properties_value.`Task ID`[].plain_text}}")(scope) == "9001"
    assert {p["label"] for p in item["properties"]} >= {"Name", "Status", "Language"}


async def test_numbers_dates_checkboxes_and_refusals(
        specs: dict[str, ModuleSpec], run: RunServices, fake_notion: FakeNotion) -> None:
    [item] = await call(specs["createAPage"], run, select="map", database=LANGUAGES,
                        fields={"title": "x" * 4500, "wrds": "42.5", "done": "true"})
    body = fake_notion.bodies("POST", "/v1/pages")[0]
    assert [len(t["text"]["content"]) for t in body["properties"]["Name"]["title"]] == [
        2000, 2000, 500]
    assert body["properties"]["Words"] == {"number": 42.5}
    assert body["properties"]["Done"] == {"checkbox": True}
    assert item["properties_value"]["Words"] == 42.5
    with pytest.raises(IMLError, match="'Created' is a created_time"):
        await call(specs["createAPage"], run, select="map", database=LANGUAGES,
                   fields={"crtd": "2026-01-01"})
    with pytest.raises(ModuleError) as refused:
        await call(specs["createAPage"], run, select="map", database=LANGUAGES,
                   fields={"%7BGpN": "Blocked"})
    assert refused.value.name == "DataError" and "Blocked" in refused.value.message


async def test_create_a_data_source_item_as_the_corpus_exports_it(
        specs: dict[str, ModuleSpec], run: RunServices, fake_notion: FakeNotion) -> None:
    source = tickets(fake_notion)
    mapper = corpus_mapper("createDataSourceItem")
    values = {"title": "r-1042", "NUO%3F": "Cannot log in", "SnDf": "0.92",
              "Vq_%3E": "ada@example.com", "bUpP": "Ada", "rcsH": "Auto-Replied",
              "ywWh": "Account",
              "PBu~": {"start": datetime(2026, 3, 2, 9, 30, tzinfo=UTC), "includeTime": False}}
    assert set(values) == set(mapper["fields"])
    [item] = await call(specs["createDataSourceItem"], run,
                        **{**mapper, "data_source": source, "fields": values})
    get, create = fake_notion.requests
    assert get.path == f"/v1/data_sources/{source}"
    assert {get.headers["notion-version"], create.headers["notion-version"]} == {DATA_SOURCES}
    body = create.json()
    assert body["parent"] == {"type": "data_source_id", "data_source_id": source}
    assert body["properties"]["Date"] == {"date": {"start": "2026-03-02"}}
    assert body["properties"]["Confidence Score"] == {"number": 0.92}
    assert body["properties"]["Customer Email"] == {"email": "ada@example.com"}
    assert body["properties"]["Status"] == {"select": {"name": "Auto-Replied"}}
    assert item["parent"]["data_source_id"] == source
    assert item["properties_value"]["Status"]["name"] == "Auto-Replied"


async def test_search_get_and_update_as_the_dashboard_updater_does(
        specs: dict[str, ModuleSpec], run: RunServices, fake_notion: FakeNotion) -> None:
    for i in range(130):
        fake_notion.add_page(LANGUAGES, {
            "Name": {"title": [{"text": {"content": f"Task {i}"}}]},
            "Task ID": {"rich_text": [{"text": {"content": str(9000 + i)}}]},
            "Status": {"status": {"name": "In progress" if i % 2 else "Completed"}}})
    [database] = await call(specs["getADatabase"], run, database=LANGUAGES)
    assert database["id"] == LANGUAGES and database["object"] == "database"
    found = await call(specs["searchObjects1"], run, **{
        **corpus_mapper("searchObjects1", 1), "database": database["id"], "limit": "120"})
    assert len(found) == 120 and found[0]["__IMTINDEX__"] == 1
    assert {f["__IMTLENGTH__"] for f in found} == {120}
    assert [b["page_size"] for b in fake_notion.bodies("POST", "/query")] == [100, 100]
    assert fake_notion.bodies("POST", "/query")[1]["start_cursor"] == "100"
    filtered = await call(specs["searchObjects1"], run, select="item", database=LANGUAGES,
                          limit=100, filter=[[
                              {"a": "Status |&*^%$#@| status", "o": "text:equals",
                               "b": "Completed"},
                              {"a": "Task ID |&*^%$#@| rich_text", "o": "text:starts_with",
                               "b": "900"}]],
                          sorts=[{"property": "Task ID", "direction": "descending"}])
    assert fake_notion.bodies("POST", "/query")[-1]["filter"] == {"and": [
        {"property": "Status", "status": {"equals": "Completed"}},
        {"property": "Task ID", "rich_text": {"starts_with": "900"}}]}
    assert [p["properties_value"]["Task ID"][0]["plain_text"] for p in filtered] == [
        "9008", "9006", "9004", "9002", "9000"]
    first = found[0]
    [got] = await call(specs["getADatabaseItem"], run, select="map", page=first["id"])
    assert got["id"] == first["id"]
    [updated] = await call(specs["updateADatabaseItem"], run, select="list",
                           database=LANGUAGES, page=first["id"],
                           fields={"aOkd": "75", "title": "", "%7BGpN": "Completed"})
    patch = fake_notion.bodies("PATCH", "/v1/pages/")[-1]
    assert patch == {"properties": {"Progress": {"rich_text": [
        {"type": "text", "text": {"content": "75"}}]},
        "Status": {"status": {"name": "Completed"}}}}
    assert updated["properties_value"]["Name"][0]["plain_text"] == "Task 0"
    pages = await call(specs["searchObjects1"], run, select="database", query="language")
    assert [p["id"] for p in pages] == [LANGUAGES]


async def test_create_a_page_with_content_and_append_content(
        specs: dict[str, ModuleSpec], run: RunServices, fake_notion: FakeNotion) -> None:
    parent = fake_notion.add_plain_page("Cognflow HQ")
    mapper = corpus_mapper("createAPage1")
    [page] = await call(specs["createAPage1"], run, **{
        **mapper, "page": parent["id"], "content": "INV-1042", "emoji": "🧾",
        "cover": "https://example.com/cover.png", "objects": [
            {"type": "heading_2", "heading_2": {"text": [{"type": "text",
                                                          "text": {"content": "Summary"}}]}},
            {"type": "divider"}]})
    body = fake_notion.bodies("POST", "/v1/pages")[-1]
    assert body["parent"] == {"page_id": parent["id"]}
    assert body["properties"] == {"title": {"title": [{"type": "text",
                                                       "text": {"content": "INV-1042"}}]}}
    assert body["icon"] == {"type": "emoji", "emoji": "🧾"}
    assert body["cover"] == {"type": "external", "external": {"url":
                                                              "https://example.com/cover.png"}}
    assert body["children"][0]["heading_2"]["rich_text"][0]["text"]["content"] == "Summary"
    assert page["properties_value"]["title"][0]["plain_text"] == "INV-1042"
    long_text = "Lorem ipsum. " * 400  # 5200 characters, as a stripped blog post
    append = corpus_mapper("appendAPageContent")
    objects = [{**append["objects"][0], "paragraph": {"text": [
        {**append["objects"][0]["paragraph"]["text"][0], "text": {"content": long_text}}]}}]
    [out] = await call(specs["appendAPageContent"], run, page=page["id"], objects=objects)
    sent = fake_notion.bodies("PATCH", "/children")[-1]["children"][0]["paragraph"]
    assert [len(t["text"]["content"]) for t in sent["rich_text"]] == [2000, 2000, 1200]
    assert sent["rich_text"][0]["annotations"] == {"color": "default"}
    assert out["object"] == "list" and out["results"][0]["type"] == "paragraph"


async def test_watch_database_items_emits_new_items_oldest_first(
        specs: dict[str, ModuleSpec], run: RunServices, fake_notion: FakeNotion) -> None:
    for name in ("One", "Two", "Three"):
        fake_notion.add_page(LANGUAGES, {"Name": {"title": [{"text": {"content": name}}]}})
    parameters = {"__IMTCONN__": 1, "database": LANGUAGES, "select": "created", "limit": 2}
    first = await call_module(specs["watchDatabaseItems"], run, parameters=parameters)
    assert [p["properties_value"]["Name"][0]["plain_text"] for p in first] == ["One", "Two"]
    query = fake_notion.bodies("POST", "/query")[0]
    assert query["filter"] == {"timestamp": "created_time", "created_time": {
        "after": "1970-01-01T00:00:00.000Z"}}
    assert query["sorts"] == [{"timestamp": "created_time", "direction": "ascending"}]
    fake_notion.add_page(LANGUAGES, {"Name": {"title": [{"text": {"content": "Four"}}]}})
    second = await call_module(specs["watchDatabaseItems"], run, parameters=parameters)
    assert [p["properties_value"]["Name"][0]["plain_text"] for p in second] == ["Three", "Four"]
    assert await call_module(specs["watchDatabaseItems"], run, parameters=parameters) == []


async def test_make_an_api_call_rpcs_and_errors(
        app: App, specs: dict[str, ModuleSpec], run: RunServices,
        fake_notion: FakeNotion) -> None:
    [out] = await call(specs["makeApiCall"], run, url="/v1/users/me", method="GET")
    assert out["body"]["bot"]["workspace_name"] == "Ada's Notion"
    assert fake_notion.requests[-1].headers["notion-version"] == "2022-06-28"
    tickets(fake_notion)
    [out] = await call(specs["makeApiCall"], run, url="v1/databases/" + TICKETS,
                       version=DATA_SOURCES)
    assert out["body"]["data_sources"][0]["name"] == "Tickets"
    conn = ConnectionData({"token": DEFAULT_TOKEN}, fake_notion.url)
    databases = await run_rpc(app, "rpc://listDatabases", RunServices(), connection=conn)
    assert {"label": "Language Tasks", "value": LANGUAGES} in databases
    fields = await run_rpc(app, "rpc://databaseFields", RunServices(),
                           parameters={"database": LANGUAGES}, connection=conn)
    status = next(f for f in fields if f["label"] == "Status")
    assert status["name"] == "%7BGpN" and status["metadata"] == {"type": "status"}
    assert "crtd" not in [f["name"] for f in fields]
    properties = await run_rpc(app, "rpc://filterProperties", RunServices(),
                               parameters={"database": LANGUAGES}, connection=conn)
    assert {"label": "Status (status)", "value": "Status |&*^%$#@| status"} in properties

    with pytest.raises(ModuleError) as missing:
        await call(specs["getADatabase"], run, database="00000000000000000000000000000000")
    assert missing.value.name == "DataError" and "shared" in missing.value.message
    fake_notion.limit_rate()
    with pytest.raises(ModuleError) as limited:
        await call(specs["getADatabase"], run, database=LANGUAGES)
    assert limited.value.name == "RateLimitError" and "2 seconds" in limited.value.message
    wrong = RunServices()
    bind_connections(wrong, {"notion": ConnectionData({"token": "ntn_wrong"}, fake_notion.url)})
    with pytest.raises(ModuleError) as refused:
        await call(specs["getADatabase"], wrong, database=LANGUAGES)
    assert refused.value.name == "InvalidAccessTokenError"


async def test_the_internal_connection_is_checked(app: App, fake_notion: FakeNotion) -> None:
    check = await verify_connection(app, "internal", {"token": DEFAULT_TOKEN}, RunServices(),
                                    base_url_override=fake_notion.url)
    assert check.label == "Ada's Notion"
    with pytest.raises(ModuleError) as refused:
        await verify_connection(app, "internal", {"token": "ntn_nope"}, RunServices(),
                                base_url_override=fake_notion.url)
    assert refused.value.name == "InvalidAccessTokenError"


async def test_oauth_authorizes_refreshes_and_revokes(tmp_path: Path,
                                                      fake_notion: FakeNotion) -> None:
    kind = find_type("notion:oauth", discover_apps(None, entry_points=False))
    assert kind.own_flow
    store = ConnectionStore(tmp_path)
    connection = create_connection(store, kind, "Public", {
        "clientId": fake_notion.client_id, "clientSecret": fake_notion.client_secret,
        "server": fake_notion.url}, base_url_override=fake_notion.url)
    opened: list[str] = []

    def browser(url: str) -> None:
        opened.append(url)
        threading.Thread(target=fake_notion.browser, args=(url,), daemon=True).start()

    connection = await authorize_connection(store, connection.id, browser, kind=kind,
                                            timeout=20)
    query = dict(parse_qsl(urlsplit(opened[0]).query))
    assert opened[0].startswith(f"{fake_notion.url}/v1/oauth/authorize?")
    assert query["owner"] == "user" and query["response_type"] == "code"
    assert fake_notion.token_bodies[0] == {"grant_type": "authorization_code",
                                           "code": fake_notion.token_bodies[0]["code"],
                                           "redirect_uri": query["redirect_uri"]}
    assert connection.label == "Ada's Notion"
    stored = store.require(connection.id)
    assert stored.secret_data["accessToken"] == fake_notion.access_tokens[-1]
    refreshed = await refresh_connection(store, stored, kind=kind)
    assert fake_notion.token_bodies[-1]["grant_type"] == "refresh_token"
    assert refreshed.secret_data["accessToken"] == fake_notion.access_tokens[-1]
    assert refreshed.secret_data["refreshToken"] == fake_notion.refresh_tokens[-1]
    assert await invalidate_connection(store, refreshed, kind=kind)
    assert fake_notion.revoked == [fake_notion.access_tokens[-1]]
