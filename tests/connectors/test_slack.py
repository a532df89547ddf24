"""The Slack connector (connectors/slack, a Make custom app) against the local fake Web API:
the modules the corpus uses under Make's ids and field names (CreateMessage, SearchMessages,
GetPublicChannelMessage, AddReaction, GetUser), Watch Public Channel Messages, Make an API
Call, the channel and user pickers, Slack's `ok: false` codes and 429 as Make's error types."""

from __future__ import annotations

import json
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
    verify_connection,
)
from engine.context import RunServices
from engine.errors import ModuleError
from engine.spec import ModuleSpec
from tests.apps.fakes import call_module
from tests.support import fake_slack as support
from tests.support.fake_slack import FakeSlack

fake_slack = support.fake_slack  # the fixture

CONNECTOR = Path(__file__).resolve().parents[2] / "connectors" / "slack"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "blueprints"


@pytest.fixture(scope="module")
def specs(app: App) -> dict[str, ModuleSpec]:
    return {s.id: s for s in module_specs(app)}


def connect(run: RunServices, fake: FakeSlack, token: str) -> None:
    bind_connections(run, {"slack": ConnectionData({"botToken": token}, fake.url)})


@pytest.fixture
def run(fake_slack: FakeSlack) -> RunServices:
    services = RunServices()
    connect(services, fake_slack, fake_slack.bot_token)
    return services


async def call(specs: dict[str, ModuleSpec], module: str, run: RunServices, **mapper: Any
               ) -> list[dict[str, Any]]:
    return await call_module(specs[f"slack:{module}"], run, parameters={"__IMTCONN__": 1},
                             mapper=mapper)


def walk(flow: list[dict[str, Any]]) -> Any:
    for module in flow:
        yield module
        for route in [*(module.get("routes") or []), *(module.get("branches") or [])]:
            yield from walk(route.get("flow") or [])
        yield from walk(module.get("onerror") or [])


def test_make_module_ids_and_the_exports_field_names(app: App,
                                                     specs: dict[str, ModuleSpec]) -> None:
    assert app.name == "slack" and app.problems == [] and check_app(CONNECTOR) == []
    assert sorted(specs) == [f"slack:{m}" for m in sorted((
        "AddReaction", "CreateMessage", "GetPublicChannelMessage", "GetUser", "MakeAPICall",
        "SearchMessages", "WatchMessages"))]
    assert specs["slack:WatchMessages"].kind == "trigger"
    assert specs["slack:SearchMessages"].kind == "search"
    seen = 0
    for blueprint in CORPUS.glob("*.json"):
        for module in walk(json.loads(blueprint.read_text())["flow"]):
            if module["module"].startswith("slack:"):
                fields = {f.name for f in specs[module["module"]].mapper}
                assert set(module["mapper"]) <= fields, (blueprint.name, module["id"])
                seen += 1
    assert seen == 49


async def test_create_message_as_the_exports_fill_it(fake_slack: FakeSlack, run: RunServices,
                                                     specs: dict[str, ModuleSpec]) -> None:
    fake_slack.add_channel("C05KYBWFZUZ", "dsm-updates")
    out = await call(specs, "CreateMessage", run, text="DSM update *sent*", parse=False,
                     mrkdwn=True, channel="C05KYBWFZUZ", channelWType="manualy")
    params, token = fake_slack.called("chat.postMessage")[-1]
    assert token == fake_slack.bot_token
    assert params == {"channel": "C05KYBWFZUZ", "text": "DSM update *sent*", "mrkdwn": "true"}
    assert out[0]["channel"] == "C05KYBWFZUZ" and out[0]["ts"] == out[0]["message"]["ts"]
    assert out[0]["message"]["bot_id"] == "B0BOT0001"
    # Block Kit Builder's {"blocks": [...]} (the DSM export maps it so) goes as the array
    blocks = '{\n\t"blocks": [\n\t\t{"type": "divider"},\n\t\t{"type": "section", ' \
             '"text": {"type": "mrkdwn", "text": "hi"}}\n\t]\n}'
    await call(specs, "CreateMessage", run, text="fallback", blocks=blocks,
               channel="#dsm-updates", channelWType="manualy", thread_ts=out[0]["ts"],
               reply_broadcast=False, link_names=True, username="DSM Bot",
               icon_url="https://example.com/bot.png")
    params, _ = fake_slack.called("chat.postMessage")[-1]
    await run.aclose()
    assert json.loads(params["blocks"]) == [
        {"type": "divider"}, {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    assert (params["thread_ts"], params["reply_broadcast"], params["link_names"],
            params["username"]) == (out[0]["ts"], "false", "true", "DSM Bot")


async def test_search_get_react_and_get_user(fake_slack: FakeSlack, run: RunServices,
                                             specs: dict[str, ModuleSpec]) -> None:
    user = fake_slack.tokens[fake_slack.bot_token]
    fake_slack.add_channel("CKASL21E2", "guild-cricket")
    amrit = fake_slack.add_user("U012E5Y48BX", "amrit.dash", "Amrit Dash")
    asked = fake_slack.post("CKASL21E2", amrit["id"],
                            "@channel Who do you think will win today? :one: IND :two: AUS")
    fake_slack.post("CKASL21E2", amrit["id"], "lunch?")
    searcher = fake_slack.add_token("user", amrit["id"], {"search:read"})
    connect(run, fake_slack, searcher.value)
    found = await call(specs, "SearchMessages", run, sort="timestamp", limit="1",
                       query="@channel Who do you think will win today? from:<@U012E5Y48BX> "
                             "in:<@CKASL21E2>", sort_dir="desc")
    params, _ = fake_slack.called("search.messages")[-1]
    assert (params["count"], params["sort"], params["sort_dir"]) == ("1", "timestamp", "desc")
    assert [(m["ts"], m["channel"]["name"]) for m in found] == [(asked["ts"], "guild-cricket")]
    assert found[0]["permalink"].endswith(asked["ts"].replace(".", ""))

    connect(run, fake_slack, fake_slack.bot_token)
    await call(specs, "AddReaction", run, name="one", channel="CKASL21E2",
               timestamp=asked["ts"], channelType="public")
    message = await call(specs, "GetPublicChannelMessage", run, ts=asked["ts"],
                         channel="CKASL21E2", inputMethod="list")
    assert message[0]["text"] == asked["text"]
    assert message[0]["reactions"] == [{"name": "one", "users": [user.user], "count": 1}]
    with pytest.raises(ModuleError) as again:
        await call(specs, "AddReaction", run, name="one", channel="CKASL21E2",
                   timestamp=asked["ts"], channelType="public")
    assert again.value.name == "DataError" and "already_reacted" in again.value.message
    got = await call(specs, "GetUser", run, user="U012E5Y48BX")
    await run.aclose()
    assert got[0]["profile"]["real_name_normalized"] == "Amrit Dash"
    assert got[0]["profile"]["image_original"].endswith("_original.jpg")


async def test_search_pages_up_to_the_limit(fake_slack: FakeSlack, run: RunServices,
                                            specs: dict[str, ModuleSpec]) -> None:
    fake_slack.add_channel("C1", "general")
    for i in range(130):
        fake_slack.post("C1", "U1", f"deploy {i}")
    connect(run, fake_slack, fake_slack.add_token("user", "U1", {"search:read"}).value)
    found = await call(specs, "SearchMessages", run, query="deploy", limit=120,
                       sort="timestamp", sort_dir="asc")
    await run.aclose()
    assert [m["text"] for m in found] == [f"deploy {i}" for i in range(120)]
    assert [p.get("page") for p, _ in fake_slack.called("search.messages")] == [None, "2"]


async def test_slack_error_codes_become_makes_error_types(
        fake_slack: FakeSlack, run: RunServices, specs: dict[str, ModuleSpec]) -> None:
    with pytest.raises(ModuleError) as missing:
        await call(specs, "CreateMessage", run, channel="C404", text="x", channelWType="manualy")
    assert (missing.value.name, missing.value.message) == ("DataError",
                                                           "[200] channel_not_found")
    with pytest.raises(ModuleError) as bot_search:
        await call(specs, "SearchMessages", run, query="x", limit=1)
    assert bot_search.value.name == "InvalidConfigurationError"
    narrow = fake_slack.add_token("bot", "U9", {"channels:read"})
    connect(run, fake_slack, narrow.value)
    with pytest.raises(ModuleError) as scope:
        await call(specs, "GetUser", run, user="U1")
    assert "lacks the scope users:read" in scope.value.message
    fake_slack.retry_after = 30
    with pytest.raises(ModuleError) as limited:
        await call(specs, "GetUser", run, user="U1")
    assert limited.value.name == "RateLimitError"
    assert limited.value.message == "[429] ratelimited: retry after 30 seconds"
    fake_slack.retry_after = None
    connect(run, fake_slack, "xoxb-revoked")
    with pytest.raises(ModuleError) as refused:
        await call(specs, "GetUser", run, user="U1")
    await run.aclose()
    assert (refused.value.name, refused.value.message) == ("InvalidAccessTokenError",
                                                           "[200] invalid_auth")


async def test_watch_public_channel_messages(fake_slack: FakeSlack,
                                             specs: dict[str, ModuleSpec]) -> None:
    fake_slack.add_channel("C1", "general")
    old = fake_slack.post("C1", "U1", "before the scenario")
    run = RunServices(scenario_name="watch")
    connect(run, fake_slack, fake_slack.bot_token)
    spec = specs["slack:WatchMessages"]
    first = await call_module(spec, run, parameters={"__IMTCONN__": 1, "channel": "C1",
                                                     "limit": 10})
    assert [m["ts"] for m in first] == [old["ts"]]
    new = [fake_slack.post("C1", "U2", f"news {i}") for i in range(3)]
    second = await call_module(spec, run, parameters={"__IMTCONN__": 1, "channel": "C1",
                                                      "limit": 2})
    third = await call_module(spec, run, parameters={"__IMTCONN__": 1, "channel": "C1",
                                                     "limit": 2})
    await run.aclose()
    assert [m["text"] for m in second] == ["news 0", "news 1"]  # oldest first, the limit
    assert [m["text"] for m in third] == ["news 2"]
    assert new[2]["ts"] == third[0]["ts"]


async def test_api_call_pickers_and_the_token_check(fake_slack: FakeSlack, run: RunServices,
                                                    app: App,
                                                    specs: dict[str, ModuleSpec]) -> None:
    fake_slack.add_channel("C1", "general")
    fake_slack.add_channel("G1", "secret", "private")
    for i in range(250):
        fake_slack.add_user(f"U{i:03}", f"user{i}", f"User {i}")
    got = await call(specs, "MakeAPICall", run, url="conversations.list", method="GET",
                     qs=[{"key": "types", "value": "private_channel"}])
    assert got[0]["body"]["channels"][0]["name"] == "secret"
    conn = ConnectionData({"botToken": fake_slack.bot_token}, fake_slack.url)
    assert await run_rpc(app, "rpc://listChannels", run, connection=conn,
                         parameters={"channelType": "public"}) == [
        {"label": "#general", "value": "C1"}]
    users = await run_rpc(app, "rpc://listUsers", run, connection=conn)
    assert len(users) == 250 and users[0] == {"label": "User 0", "value": "U000"}
    checked = await verify_connection(app, "slack3", {"botToken": fake_slack.bot_token}, run,
                                      base_url_override=fake_slack.url)
    assert checked.label == "gasbot (Axelerant)"
    assert fake_slack.bot_token in run.secrets
    with pytest.raises(ModuleError) as refused:
        await verify_connection(app, "slack3", {"botToken": "xoxb-nope"}, run,
                                base_url_override=fake_slack.url)
    await run.aclose()
    assert refused.value.name == "InvalidAccessTokenError"
