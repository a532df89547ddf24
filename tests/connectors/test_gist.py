"""The Gist connector (connectors/gist, a Make custom app): every module of its
documentation (seeds/003), run against the local fake of Gist's API, alone and in a
scenario through the real executor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.apps import (
    App,
    ConnectionData,
    bind_connections,
    check_app,
    module_specs,
    run_rpc,
    samples,
    verify_connection,
)
from engine.blueprint import Blueprint
from engine.context import RunServices
from engine.errors import ModuleError
from engine.executor.plan import compile_plan
from engine.executor.run import run_plan
from engine.registry import registry_with_apps
from engine.spec import ModuleSpec
from tests.apps.fakes import Request, call_module, fake_service
from tests.support import fake_gist as support
from tests.support.fake_gist import FakeGist

fake_gist = support.fake_gist  # the fixture

CONNECTOR = Path(__file__).resolve().parents[2] / "connectors" / "gist"
SEEDS = Path("/work/shared/seeds")
if not SEEDS.is_dir():  # CI lays shared/ beside the clone
    SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
CONNECTION_LINE = "Connection Establish a connection to your Gist account."


def seed_modules() -> list[str]:
    """The module headings of the seed: the nearest short title line (no full stop) above
    each module's "Connection ..." field."""
    seed = next(SEEDS.glob("003_*.txt"))
    lines = [line.strip() for line in seed.read_text(encoding="utf-8").splitlines()]
    headings = []
    for index, line in enumerate(lines):
        if line != CONNECTION_LINE:
            continue
        above = (lines[i] for i in range(index - 1, -1, -1))
        headings.append(next(t for t in above if t and len(t) < 40 and not t.endswith(".")))
    return headings


@pytest.fixture(scope="module")
def specs(app: App) -> dict[str, ModuleSpec]:
    return {s.label: s for s in module_specs(app)}


@pytest.fixture
def run(fake_gist: FakeGist) -> RunServices:
    services = RunServices()
    bind_connections(services, {"gist": ConnectionData({"apiKey": fake_gist.api_key},
                                                       base_url_override=fake_gist.url)})
    return services


async def call(specs: dict[str, ModuleSpec], label: str, run: RunServices,
               **mapper: Any) -> list[dict[str, Any]]:
    return await call_module(specs[label], run, parameters={"__IMTCONN__": 1}, mapper=mapper)


def last(fake: FakeGist) -> Any:
    return fake.requests[-1]


# --- (1) the seed's modules, labels, fields -----------------------------------------------

# Each module's fields as the seed lists them (after "Connection"), by label; nested fields
# (shown for one choice of a select) included.
SEED_FIELDS = {
    "Create User": ["Email Address", "User ID", "Name", "Phone", "Last Seen IP Address",
                    "Last Seen User Agent", "Unsubscribe from Emails", "Tags",
                    "Custom Properties"],
    "Update User": ["Internal ID or user ID or email", "Internal ID", "Email Address",
                    "User ID", "Name", "Phone", "Last Seen IP Address", "Last Seen User Agent",
                    "Unsubscribe from Emails", "Tags", "Custom Properties"],
    "Fetch User": ["Internal ID or user ID or email", "Internal ID", "User ID", "Email"],
    "List Users": ["Limit", "Filter By", "Segment ID", "Tag ID", "Created since (days)",
                   "Status Filtering", "Sorting", "Sorting Order"],
    "Delete User": ["Internal ID or user ID or email", "Internal ID", "User ID", "Email"],
    "Create Lead": ["Email Address", "Name", "Phone", "Last Seen IP Address",
                    "Last Seen User Agent", "Unsubscribe from Emails", "Tags",
                    "Custom Properties"],
    "Update Lead": ["Email", "Name", "Phone", "Last Seen IP Address", "Last Seen User Agent",
                    "Unsubscribe from Emails", "Tags", "Custom Properties"],
    "Fetch Lead": ["Internal ID or email", "Internal ID", "Email"],
    "List Leads": ["Limit", "Filter By", "Segment ID", "Tag ID", "Created since (days)",
                   "Status Filtering", "Sorting", "Sorting Order"],
    "Delete Lead": ["Internal ID or email", "Internal ID", "Email"],
    "Create Tag": ["Tag Name"],
    "Update Tag": ["Tag ID", "Tag Name"],
    "Tag/Untag Users or Leads": ["Tag Name", "Users", "Leads"],
    "List Tags": ["Limit"],
    "Delete Tag": ["Tag ID"],
    "Fetch Segment": ["Segment ID", "Include Count"],
    "List Segments": ["Limit", "Include Count"],
    "Fetch Campaign": ["Campaign ID"],
    "List Campaigns": ["Limit"],
    "Record Tracked Event": ["Event Name", "User or Lead", "Internal ID or user ID or email",
                             "Internal ID", "User ID", "Email", "Properties"],
    "List Tracked Events": ["Limit"],
    "Make an API Call": ["URL", "Method", "Headers", "Query String", "Body"],
    "Watch Events": [],
}


def test_every_seed_module_is_there_with_its_exact_label(app: App,
                                                         specs: dict[str, ModuleSpec]) -> None:
    headings = seed_modules()
    assert len(headings) == 23 and headings[0] == "Watch Events"
    assert "Tag/Untag Users or Leads" in headings and headings[-1] == "Make an API Call"
    assert sorted(specs) == sorted(headings)
    assert sorted(SEED_FIELDS) == sorted(headings)
    assert app.name == "gist" and app.problems == [] and check_app(CONNECTOR) == []
    for label, spec in specs.items():
        assert spec.id.startswith("gist:") and spec.connection == "gist:apiKey"
        assert spec.parameters[0].name == "__IMTCONN__"
        assert [f.label for f in spec.mapper] == SEED_FIELDS[label], label


def test_the_shipped_app_is_in_the_registry(tmp_path: Path) -> None:
    registry, problems = registry_with_apps(tmp_path)
    assert [p for p in problems if p.app == "gist"] == []
    ids = {spec.id: spec for spec in registry.all() if spec.app == "gist"}
    assert len(ids) == 23
    assert ids["gist:watchEvents"].kind == "instant_trigger"
    assert ids["gist:listUsers"].kind == "search" and ids["gist:makeApiCall"].kind == "action"
    assert ids["gist:tagUntagUsersOrLeads"].label == "Tag/Untag Users or Leads"


def test_choices_defaults_interfaces_and_samples(app: App,
                                                 specs: dict[str, ModuleSpec]) -> None:
    fields = {f.name: f for f in specs["List Users"].mapper}
    assert fields["limit"].default == 10 and fields["limit"].type == "uinteger"
    assert [o["value"] for o in fields["filter_by"].options or []] == [
        "segment_id", "tag_id", "created_since"]
    assert fields["tag_id"].shown_when == {"filter_by": ["tag_id"]}
    assert [o["value"] for o in fields["order_by"].options or []] == [
        "created_at", "last_seen_at", "signed_up_at", "updated_at"]
    assert fields["order"].default == "desc"
    assert [o["value"] for o in fields["status"].options or []] == [
        "all", "active", "subscribed", "unsubscribed"]
    method = {f.name: f for f in specs["Make an API Call"].mapper}["method"]
    assert [o["value"] for o in method.options or []] == ["GET", "POST", "PUT", "PATCH",
                                                         "DELETE"]
    properties = {f.name: f for f in specs["Create User"].mapper}["custom_properties"]
    kinds = {f.name: f for f in properties.spec or []}["type"]
    assert [o["label"] for o in kinds.options or []] == [
        "Boolean", "Date", "Email", "Whole number", "Text", "URL"]
    users = {f.name: f for f in specs["Tag/Untag Users or Leads"].mapper}["users"]
    assert [f.label for f in users.spec or []] == ["Untag", "Internal ID", "Email", "User ID"]
    assert "more than 50" in (users.help or "")
    for label, spec in specs.items():
        sample = samples(app, spec.id.split(":", 1)[1])
        assert spec.interface and isinstance(sample, dict), label
        assert set(sample) <= {f.name for f in spec.interface}, label


# --- (2) every module against the fake --------------------------------------------------------


async def test_users(fake_gist: FakeGist, run: RunServices,
                     specs: dict[str, ModuleSpec]) -> None:
    created = await call(specs, "Create User", run, email="ada@example.com", user_id=100488,
                         name="Ada", phone="+44 1", last_seen_ip="203.0.113.7",
                         last_seen_user_agent="Mozilla/5.0", unsubscribed_from_emails=False,
                         tags=["beta"], custom_properties=[
                             {"key": "plan", "type": "text", "value": "pro"}])
    assert last(fake_gist).json == {
        "type": "user", "email": "ada@example.com", "user_id": 100488, "name": "Ada",
        "phone": "+44 1", "last_seen_ip": "203.0.113.7", "last_seen_user_agent": "Mozilla/5.0",
        "unsubscribed_from_emails": False, "tags": ["beta"],
        "custom_properties": {"plan": "pro"}}
    user = created[0]
    assert (user["type"], user["user_id"], user["name"]) == ("user", "100488", "Ada")
    assert [t["name"] for t in user["tags"]] == ["beta"]
    assert last(fake_gist).headers["authorization"] == f"Bearer {fake_gist.api_key}"

    by_id = await call(specs, "Update User", run, identifier="id", id=user["id"], name="Ada L.")
    assert (last(fake_gist).method, last(fake_gist).path) == ("PUT", f"/contacts/{user['id']}")
    assert last(fake_gist).json == {"name": "Ada L."}  # nothing unset is sent
    assert by_id[0]["name"] == "Ada L."
    by_email = await call(specs, "Update User", run, identifier="email",
                          email="ada@example.com", phone="+44 2")
    assert (last(fake_gist).method, last(fake_gist).path) == ("POST", "/contacts")
    assert by_email[0]["id"] == user["id"] and by_email[0]["phone"] == "+44 2"

    for identifier, value in (("id", user["id"]), ("user_id", 100488),
                              ("email", "ada@example.com")):
        fetched = await call(specs, "Fetch User", run, identifier=identifier,
                             **{identifier: value})
        assert fetched[0]["id"] == user["id"], identifier
    assert last(fake_gist).query == {"email": "ada@example.com"}

    deleted = await call(specs, "Delete User", run, identifier="user_id", user_id=100488)
    await run.aclose()
    assert deleted == [{"deleted": True}]
    assert (last(fake_gist).method, last(fake_gist).query) == ("DELETE", {"user_id": "100488"})
    assert fake_gist.contacts == {}


async def test_list_users_filters_and_sorting(fake_gist: FakeGist, run: RunServices,
                                              specs: dict[str, ModuleSpec]) -> None:
    now = fake_gist.clock()
    old = fake_gist.add_contact(email="old@example.com", user_id=1, created_at=now - 40 * 86400)
    new = fake_gist.add_contact(email="new@example.com", user_id=2, tags=["vip"],
                                unsubscribed_from_emails=True)
    fake_gist.add_contact(email="lead@example.com")  # a lead: never in List Users
    segment = fake_gist.add_segment("Old", members=[old["id"]])
    vip = new["tags"][0]["id"]

    everyone = await call(specs, "List Users", run, limit=10)
    assert [u["id"] for u in everyone] == [new["id"], old["id"]]  # default: descending
    assert last(fake_gist).query == {"type": "user", "order": "desc", "per_page": "10"}
    ascending = await call(specs, "List Users", run, limit=10, order_by="created_at",
                           order="asc")
    assert [u["id"] for u in ascending] == [old["id"], new["id"]]
    by_segment = await call(specs, "List Users", run, limit=5, filter_by="segment_id",
                            segment_id=segment["id"], tag_id=vip)  # a stale value is not sent
    assert [u["id"] for u in by_segment] == [old["id"]]
    assert "tag_id" not in last(fake_gist).query
    by_tag = await call(specs, "List Users", run, limit=5, filter_by="tag_id", tag_id=vip)
    assert [u["id"] for u in by_tag] == [new["id"]]
    recent = await call(specs, "List Users", run, limit=5, filter_by="created_since",
                        created_since=30)
    assert [u["id"] for u in recent] == [new["id"]]
    subscribed = await call(specs, "List Users", run, limit=5, status="subscribed")
    await run.aclose()
    assert [u["id"] for u in subscribed] == [old["id"]]
    assert last(fake_gist).query["status"] == "subscribed"


async def test_list_modules_page_past_the_first_page(fake_gist: FakeGist, run: RunServices,
                                                    specs: dict[str, ModuleSpec]) -> None:
    for i in range(130):
        fake_gist.add_contact(email=f"u{i}@example.com", user_id=i + 1, tags=[f"t{i}"])
    users = await call(specs, "List Users", run, limit=125)
    assert len(users) == 125 and len({u["id"] for u in users}) == 125
    pages = fake_gist.calls("GET", "/contacts")
    assert [(r.query.get("page"), r.query["per_page"]) for r in pages] == [
        (None, "60"), ("2", "60"), ("3", "60")]
    tags = await call(specs, "List Tags", run, limit=100)
    await run.aclose()
    assert len(tags) == 100 and tags[0]["name"] == "t0"
    assert [r.query.get("page") for r in fake_gist.calls("GET", "/tags")] == [None, "2"]


async def test_leads(fake_gist: FakeGist, run: RunServices,
                     specs: dict[str, ModuleSpec]) -> None:
    created = await call(specs, "Create Lead", run, email="lead@example.com", name="Lee",
                         tags=["cold"])
    lead = created[0]
    assert last(fake_gist).json == {"type": "lead", "email": "lead@example.com",
                                    "name": "Lee", "tags": ["cold"]}
    assert lead["type"] == "lead" and lead["user_id"] is None
    updated = await call(specs, "Update Lead", run, email="lead@example.com", phone="555",
                         custom_properties=[{"key": "score", "type": "integer", "value": 7}])
    assert last(fake_gist).json == {"email": "lead@example.com", "phone": "555",
                                    "custom_properties": {"score": 7}}
    assert updated[0]["id"] == lead["id"] and updated[0]["custom_properties"] == {"score": 7}
    assert (await call(specs, "Fetch Lead", run, identifier="email",
                       email="lead@example.com"))[0]["id"] == lead["id"]
    assert (await call(specs, "Fetch Lead", run, identifier="id", id=lead["id"]))[0][
        "name"] == "Lee"
    fake_gist.add_contact(email="user@example.com", user_id=5)
    listed = await call(specs, "List Leads", run, limit=10)
    assert [c["id"] for c in listed] == [lead["id"]]
    assert last(fake_gist).query["type"] == "lead"
    assert await call(specs, "Delete Lead", run, identifier="id", id=lead["id"]) == [
        {"deleted": True}]
    await run.aclose()
    assert last(fake_gist).path == f"/contacts/{lead['id']}"
    assert [c["type"] for c in fake_gist.contacts.values()] == ["user"]


async def test_tags(fake_gist: FakeGist, run: RunServices,
                    specs: dict[str, ModuleSpec]) -> None:
    tag = (await call(specs, "Create Tag", run, name="Early Bird!"))[0]
    assert last(fake_gist).json == {"name": "Early Bird!"} and tag["name"] == "Early Bird!"
    renamed = await call(specs, "Update Tag", run, tag_id=tag["id"], name="Early bird")
    assert renamed == [{"id": tag["id"], "name": "Early bird"}]
    assert last(fake_gist).json == {"id": tag["id"], "name": "Early bird"}

    user = fake_gist.add_contact(email="ada@example.com", user_id=7)
    lead = fake_gist.add_contact(email="lead@example.com")
    tagged = await call(specs, "Tag/Untag Users or Leads", run, name="VIP",
                        users=[{"id": user["id"]}, {"user_id": "7", "untag": False}],
                        leads=[{"email": "lead@example.com"}])
    assert last(fake_gist).json == {"name": "VIP", "contacts": [
        {"id": user["id"]}, {"user_id": "7", "untag": False}, {"email": "lead@example.com"}]}
    vip = tagged[0]["id"]  # a missing tag is created
    assert {t["name"] for t in fake_gist.tags.values()} == {"Early bird", "VIP"}
    await call(specs, "Tag/Untag Users or Leads", run, name="VIP",
               leads=[{"id": lead["id"], "untag": True}])
    assert last(fake_gist).json == {"name": "VIP",
                                    "contacts": [{"id": lead["id"], "untag": True}]}
    assert [c["id"] for c in await call(specs, "List Users", run, limit=5, filter_by="tag_id",
                                        tag_id=vip)] == [user["id"]]
    assert [c["id"] for c in await call(specs, "List Leads", run, limit=5, filter_by="tag_id",
                                        tag_id=vip)] == []

    listed = await call(specs, "List Tags", run, limit=10)
    assert [t["name"] for t in listed] == ["Early bird", "VIP"]
    assert await call(specs, "Delete Tag", run, tag_id=tag["id"]) == [{"deleted": True}]
    await run.aclose()
    assert (last(fake_gist).method, last(fake_gist).path) == ("DELETE", f"/tags/{tag['id']}")
    assert [t["name"] for t in fake_gist.tags.values()] == ["VIP"]


async def test_segments_and_campaigns(fake_gist: FakeGist, run: RunServices,
                                      specs: dict[str, ModuleSpec]) -> None:
    one = fake_gist.add_contact(email="a@example.com", user_id=1)
    trial = fake_gist.add_segment("Trial", members=[one["id"]])
    fake_gist.add_segment("Everyone", match=lambda c: True)
    fetched = await call(specs, "Fetch Segment", run, segment_id=trial["id"],
                         include_count=True)
    assert fetched[0]["name"] == "Trial" and fetched[0]["count"] == 1
    assert last(fake_gist).query == {"include_count": "true"}
    plain = await call(specs, "Fetch Segment", run, segment_id=trial["id"])
    assert "count" not in plain[0]
    listed = await call(specs, "List Segments", run, limit=10, include_count=True)
    assert [(s["name"], s["count"]) for s in listed] == [("Trial", 1), ("Everyone", 1)]

    welcome = fake_gist.add_campaign("Welcome")
    fake_gist.add_campaign("Winback", status="draft")
    got = await call(specs, "Fetch Campaign", run, campaign_id=welcome["id"])
    assert got == [welcome] and last(fake_gist).path == f"/campaigns/{welcome['id']}"
    campaigns = await call(specs, "List Campaigns", run, limit=1)
    await run.aclose()
    assert [c["name"] for c in campaigns] == ["Welcome"]
    assert last(fake_gist).query == {"per_page": "1"}


async def test_tracked_events(fake_gist: FakeGist, run: RunServices,
                              specs: dict[str, ModuleSpec]) -> None:
    user = fake_gist.add_contact(email="ada@example.com", user_id=9)
    recorded = await call(specs, "Record Tracked Event", run, event_name="completed.order",
                          contact_type="user", identifier="email", email="ada@example.com",
                          id=123, properties=[{"key": "total", "value": 42}])
    assert last(fake_gist).json == {"event_name": "completed.order",
                                    "email": "ada@example.com", "properties": {"total": 42}}
    assert recorded[0]["name"] == "completed-order" and recorded[0]["contact_id"] == user["id"]
    await call(specs, "Record Tracked Event", run, event_name="Logged in",
               contact_type="user", identifier="user_id", user_id="9")
    assert last(fake_gist).json == {"event_name": "Logged in", "user_id": "9"}
    events = await call(specs, "List Tracked Events", run, limit=10)
    await run.aclose()
    assert {e["name"] for e in events} == {"completed-order", "Logged in"}


async def test_make_an_api_call(fake_gist: FakeGist, run: RunServices,
                                specs: dict[str, ModuleSpec]) -> None:
    fake_gist.add_contact(email="ada@example.com", user_id=1)
    got = await call(specs, "Make an API Call", run, url="contacts", method="GET",
                     qs=[{"key": "type", "value": "user"}],
                     headers=[{"key": "X-Trace", "value": "t1"}])
    assert got[0]["statusCode"] == 200
    assert [c["email"] for c in got[0]["body"]["contacts"]] == ["ada@example.com"]
    request = last(fake_gist)
    assert (request.path, request.query) == ("/contacts", {"type": "user"})
    assert request.headers["x-trace"] == "t1"
    assert request.headers["authorization"] == f"Bearer {fake_gist.api_key}"
    posted = await call(specs, "Make an API Call", run, url="/tags", method="POST",
                        body='{"name": "From text"}')
    assert posted[0]["body"]["tag"]["name"] == "From text"
    assert last(fake_gist).headers["content-type"] == "application/json"
    await call(specs, "Make an API Call", run, url="tags", method="POST",
               body={"name": "From a collection"})
    await run.aclose()
    assert last(fake_gist).json == {"name": "From a collection"}


async def test_errors_map_to_makes_error_types(fake_gist: FakeGist, run: RunServices,
                                               specs: dict[str, ModuleSpec]) -> None:
    with pytest.raises(ModuleError) as missing:
        await call(specs, "Fetch User", run, identifier="id", id=1)
    assert missing.value.name == "DataError"
    assert missing.value.message == "[404] Contact Not Found"
    fake_gist.limit_rate(remaining=0, retry_after=7)
    with pytest.raises(ModuleError) as limited:
        await call(specs, "List Tags", run, limit=5)
    assert limited.value.name == "RateLimitError"
    assert "retry after 7 seconds" in limited.value.message
    assert limited.value.detail["statusCode"] == 429
    fake_gist.lift_rate_limit()
    bind_connections(run, {"gist": ConnectionData({"apiKey": "wrong"},
                                                  base_url_override=fake_gist.url)})
    with pytest.raises(ModuleError) as refused:
        await call(specs, "Create Tag", run, name="x")
    await run.aclose()
    assert refused.value.name == "InvalidAccessTokenError"
    assert refused.value.message.startswith("[401] The API key was refused")


async def test_connection_check_and_rpcs(fake_gist: FakeGist, app: App) -> None:
    run = RunServices()
    checked = await verify_connection(app, "apiKey", {"apiKey": fake_gist.api_key}, run,
                                      base_url_override=fake_gist.url)
    assert checked.data == {"apiKey": fake_gist.api_key}
    assert (last(fake_gist).path, last(fake_gist).query) == ("/tags", {"per_page": "1"})
    assert fake_gist.api_key in run.secrets  # log.sanitize: never stored in history
    with pytest.raises(ModuleError) as refused:
        await verify_connection(app, "apiKey", {"apiKey": "nope"}, run,
                                base_url_override=fake_gist.url)
    assert refused.value.name == "InvalidAccessTokenError"

    conn = ConnectionData({"apiKey": fake_gist.api_key}, fake_gist.url)
    ada = fake_gist.add_contact(email="ada@example.com", user_id=1, name="Ada", tags=["vip"])
    lead = fake_gist.add_contact(email="lead@example.com")
    segment = fake_gist.add_segment("Trial")
    campaign = fake_gist.add_campaign("Welcome")
    vip = ada["tags"][0]
    assert await run_rpc(app, "rpc://listSegments", run, connection=conn) == [
        {"label": "Trial", "value": segment["id"]}]
    assert await run_rpc(app, "rpc://listTags", run, connection=conn) == [
        {"label": "vip", "value": vip["id"]}]
    assert await run_rpc(app, "rpc://listTagNames", run, connection=conn) == [
        {"label": "vip", "value": "vip"}]
    assert await run_rpc(app, "rpc://listCampaigns", run, connection=conn) == [
        {"label": "Welcome", "value": campaign["id"]}]
    assert await run_rpc(app, "rpc://listUsers", run, connection=conn) == [
        {"label": "Ada (ada@example.com)", "value": ada["id"]}]
    assert await run_rpc(app, "rpc://listLeads", run, connection=conn) == [
        {"label": "lead@example.com", "value": lead["id"]}]
    assert await run_rpc(app, "rpc://listLeadEmails", run, connection=conn) == [
        {"label": "lead@example.com", "value": "lead@example.com"}]
    await run.aclose()


# --- (3) a scenario through the executor -------------------------------------------------------


def onboarding_blueprint(connection: int) -> dict[str, Any]:
    """Create User → List Users (by the new user's tag) → Tag/Untag Users or Leads."""
    conn = {"__IMTCONN__": connection}
    return {"name": "Gist onboarding", "flow": [
        {"id": 1, "module": "gist:createUser", "version": 1, "parameters": conn,
         "mapper": {"email": "ada@example.com", "user_id": "100488", "name": "Ada",
                    "tags": ["beta"]}},
        {"id": 2, "module": "gist:listUsers", "version": 1, "parameters": conn,
         "mapper": {"limit": 10, "filter_by": "tag_id", "tag_id": "{{1.tags[1].id}}",
                    "order_by": "created_at", "order": "asc"}},
        {"id": 3, "module": "gist:tagUntagUsersOrLeads", "version": 1, "parameters": conn,
         "mapper": {"name": "Onboarded", "users": [{"id": "{{2.id}}"}]}},
    ], "metadata": {"scenario": {}}}


async def test_create_list_tag_scenario_runs_through_the_executor(fake_gist: FakeGist,
                                                                 tmp_path: Path) -> None:
    fake_gist.add_contact(email="old@example.com", user_id=1, tags=["beta"])
    registry, _ = registry_with_apps(tmp_path)
    blueprint = Blueprint.model_validate(onboarding_blueprint(1))
    plan = compile_plan(blueprint, registry)
    assert plan.unsupported == []
    services = RunServices()
    bind_connections(services, {"gist": ConnectionData({"apiKey": fake_gist.api_key},
                                                       base_url_override=fake_gist.url)})
    result = await run_plan(plan, services)
    await services.aclose()
    assert result.status == "success", result.error
    assert result.operations_by_module == {1: 1, 2: 1, 3: 2}
    beta = next(t["id"] for t in fake_gist.tags.values() if t["name"] == "beta")
    assert fake_gist.calls("GET", "/contacts")[0].query["tag_id"] == str(beta)
    tagged = [call.json["contacts"] for call in fake_gist.calls("POST", "/tags")]
    assert tagged == [[{"id": c["id"]}] for c in sorted(fake_gist.contacts.values(),
                                                         key=lambda c: (c["created_at"], c["id"]))]
    onboarded = next(t["id"] for t in fake_gist.tags.values() if t["name"] == "Onboarded")
    auth = {"authorization": f"Bearer {fake_gist.api_key}"}
    _, _, answer = fake_gist.handle("GET", f"/contacts?tag_id={onboarded}", auth, b"")
    assert sorted(c["email"] for c in answer["contacts"]) == ["ada@example.com",
                                                              "old@example.com"]


# --- (4) Watch Events -----------------------------------------------------------------------------


async def test_watch_events_turns_a_delivery_into_a_bundle(
        fake_gist: FakeGist, specs: dict[str, ModuleSpec], app: App) -> None:
    spec = specs["Watch Events"]
    assert spec.kind == "instant_trigger" and spec.id == "gist:watchEvents"
    assert [p.name for p in spec.parameters] == ["__IMTCONN__", "__IMTHOOK__"]
    hook = app.webhooks["gistEvents"]
    assert hook.attach is None and hook.detach is None  # pasted into Gist by hand

    received: list[Request] = []

    def scenarist_hook(request: Request) -> tuple[int, Any]:
        received.append(request)
        return 200, {"accepted": True}

    with fake_service(scenarist_hook) as hook_url:
        fake_gist.add_webhook(f"{hook_url.url}/hook/abc", ["User created", "Contact tagged"])
        fake_gist.handle("POST", "/contacts", {"authorization": f"Bearer {fake_gist.api_key}"},
                         b'{"email": "ada@example.com", "user_id": 1}')
        fake_gist.handle("POST", "/tags", {"authorization": f"Bearer {fake_gist.api_key}"},
                         b'{"name": "vip", "contacts": [{"email": "ada@example.com"}]}')
        answers = fake_gist.deliver_webhooks()
    assert [a.status_code for a in answers] == [200, 200]
    bundles = []
    for request in received:
        run = RunServices(webhook_request={"body": request.json(), "headers": request.headers,
                                           "method": request.method})
        bundles.extend(await call_module(spec, run, parameters={"__IMTCONN__": 1,
                                                                "__IMTHOOK__": 1}))
    assert [b["topic"] for b in bundles] == ["User created", "Contact tagged"]
    assert bundles[0]["contact"]["email"] == "ada@example.com"
    assert bundles[1]["tag"]["name"] == "vip"
    assert set(bundles[1]) <= {f.name for f in spec.interface}
    empty = RunServices(webhook_request={"body": None, "headers": {}})
    assert await call_module(spec, empty) == []

