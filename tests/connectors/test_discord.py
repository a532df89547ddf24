"""The Discord connector (connectors/discord, a Make custom app) against the local fake REST
API: Send a Message (`createMessage`, as the corpus's 35 exports fill it) to a channel, a thread
or a user, the legacy webhook `PostMessage`, Make an API Call, the server and channel pickers,
the connection check and Make's error types; and a corpus export through `scenarist run`."""

from __future__ import annotations

import json
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
    verify_connection,
)
from engine.context import RunServices
from engine.errors import ModuleError
from engine.spec import ModuleSpec
from tests.apps.fakes import call_module, fake_service
from tests.secrets.scan import leaks
from tests.support import fake_discord as support
from tests.support.fake_discord import FakeDiscord

fake_discord = support.fake_discord  # the fixture

CONNECTOR = Path(__file__).resolve().parents[2] / "connectors" / "discord"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "blueprints"
GAS_ALERT = ("bicced__make-integromat-crypto-workflows__workflows__"
             "hourly_discord_alert_for_eth_gas_fee.json")


@pytest.fixture(scope="module")
def specs(app: App) -> dict[str, ModuleSpec]:
    return {s.id: s for s in module_specs(app)}


def connect(run: RunServices, fake: FakeDiscord, **values: Any) -> None:
    bind_connections(run, {"discord": ConnectionData({"botToken": fake.token, **values},
                                                     base_url_override=fake.api)})


@pytest.fixture
def run(fake_discord: FakeDiscord) -> RunServices:
    services = RunServices()
    connect(services, fake_discord)
    return services


async def create(specs: dict[str, ModuleSpec], run: RunServices, **mapper: Any
                 ) -> list[dict[str, Any]]:
    return await call_module(specs["discord:createMessage"], run,
                             parameters={"__IMTCONN__": 1}, mapper=mapper)


def test_make_module_ids_and_the_exports_field_names(app: App,
                                                     specs: dict[str, ModuleSpec]) -> None:
    assert app.name == "discord" and app.problems == [] and check_app(CONNECTOR) == []
    assert sorted(specs) == ["discord:PostMessage", "discord:createMessage",
                             "discord:makeApiCall"]
    for blueprint in CORPUS.glob("*.json"):
        for module in json.loads(blueprint.read_text())["flow"]:
            if module["module"].startswith("discord:"):
                fields = {f.name for f in specs[module["module"]].mapper}
                assert set(module["mapper"]) <= fields, blueprint.name


async def test_a_channel_message_as_the_exports_send_it(fake_discord: FakeDiscord,
                                                        run: RunServices,
                                                        specs: dict[str, ModuleSpec]) -> None:
    channel = fake_discord.add_channel("general", channel_id="1280652667408089210")
    out = await create(specs, run, select="channel", content="Transfer done",
                       message_reference={}, channelId="1280652667408089210")
    request = fake_discord.requests[-1]
    assert (request.method, request.path) == ("POST",
                                               f"/api/v10/channels/{channel['id']}/messages")
    assert request.headers["authorization"] == f"Bot {fake_discord.token}"
    assert request.json() == {"content": "Transfer done"}  # the empty reference is not sent
    assert out[0]["channel_id"] == channel["id"] and out[0]["author"]["bot"] is True
    embeds = [{"title": "BTC", "description": "97,000 USD", "color": 16753920,
               "fields": [{"name": "24h", "value": "+2%", "inline": True}]}]
    reply = await create(specs, run, select="channel", channelId=channel["id"], embeds=embeds,
                         tts=True, message_reference={"message_id": out[0]["id"]})
    await run.aclose()
    assert fake_discord.requests[-1].json() == {
        "tts": True, "embeds": embeds, "message_reference": {"message_id": out[0]["id"]}}
    assert reply[0]["message_reference"]["message_id"] == out[0]["id"]


async def test_a_thread_and_a_direct_message(fake_discord: FakeDiscord, run: RunServices,
                                             specs: dict[str, ModuleSpec]) -> None:
    thread = fake_discord.add_channel("release-notes", kind=11)
    await create(specs, run, select="thread", threadId=thread["id"], content="in the thread")
    assert fake_discord.requests[-1].path == f"/api/v10/channels/{thread['id']}/messages"
    dm = await create(specs, run, select="user", userId="80351110224678912", content="hi")
    await run.aclose()
    opened, sent = fake_discord.requests[-2:]
    assert (opened.path, opened.json()) == ("/api/v10/users/@me/channels",
                                            {"recipient_id": "80351110224678912"})
    assert sent.path == f"/api/v10/channels/{dm[0]['channel_id']}/messages"


async def test_errors_become_makes_error_types(fake_discord: FakeDiscord, run: RunServices,
                                               specs: dict[str, ModuleSpec]) -> None:
    with pytest.raises(ModuleError) as unknown:
        await create(specs, run, select="channel", channelId="42", content="x")
    assert unknown.value.name == "DataError"
    assert unknown.value.message == "[404] Unknown Channel (code 10003)"
    channel = fake_discord.add_channel("general")
    with pytest.raises(ModuleError) as empty:
        await create(specs, run, select="channel", channelId=channel["id"], content="")
    assert empty.value.name == "DataError" and "Cannot send an empty message" in \
        empty.value.message
    fake_discord.retry_after = 1.5
    with pytest.raises(ModuleError) as limited:
        await create(specs, run, select="channel", channelId=channel["id"], content="x")
    assert limited.value.name == "RateLimitError" and "after 1.5 seconds" in \
        limited.value.message
    fake_discord.retry_after = None
    connect(run, fake_discord, botToken="wrong")
    with pytest.raises(ModuleError) as refused:
        await create(specs, run, select="channel", channelId=channel["id"], content="x")
    await run.aclose()
    assert refused.value.name == "InvalidAccessTokenError"


async def test_the_legacy_webhook_message(fake_discord: FakeDiscord, run: RunServices,
                                          specs: dict[str, ModuleSpec]) -> None:
    channel = fake_discord.add_channel("alerts")
    mine = fake_discord.add_webhook(channel, "Safe Bot")
    other = fake_discord.add_webhook(channel, "Other")
    connect(run, fake_discord, webhookUrl=mine)
    spec = specs["discord:PostMessage"]
    out = await call_module(spec, run, parameters={"__IMTCONN__": 1},
                            mapper={"content": ":bell: **signed**"})
    request = fake_discord.requests[-1]
    assert request.path == "/api" + mine.split("/api", 1)[1] and request.query == {
        "wait": "true"}
    assert "authorization" not in request.headers  # the webhook URL is the credential
    assert out[0]["webhook_id"] and out[0]["author"]["username"] == "Safe Bot"
    custom = await call_module(spec, run, parameters={"__IMTCONN__": 1},
                               mapper={"content": "x", "moduleWebhookUrl": other})
    await run.aclose()
    assert custom[0]["author"]["username"] == "Other"


async def test_make_an_api_call_pickers_and_the_check(fake_discord: FakeDiscord,
                                                      run: RunServices, app: App,
                                                      specs: dict[str, ModuleSpec]) -> None:
    guild = fake_discord.add_guild("Crypto alerts")
    general = fake_discord.add_channel("general", guild)
    fake_discord.add_channel("Voice", guild, kind=2)
    got = await call_module(specs["discord:makeApiCall"], run, parameters={"__IMTCONN__": 1},
                            mapper={"url": f"/guilds/{guild['id']}/channels", "method": "GET"})
    assert got[0]["statusCode"] == 200 and len(got[0]["body"]) == 2
    conn = ConnectionData({"botToken": fake_discord.token}, fake_discord.api)
    assert await run_rpc(app, "rpc://listGuilds", run, connection=conn) == [
        {"label": "Crypto alerts", "value": guild["id"]}]
    assert await run_rpc(app, "rpc://listChannels", run, connection=conn,
                         parameters={"guildId": guild["id"]}) == [
        {"label": "#general", "value": general["id"]}]
    checked = await verify_connection(app, "discord", {"botToken": fake_discord.token}, run,
                                      base_url_override=fake_discord.api)
    assert checked.label == "Gas Bot"
    assert fake_discord.token in run.secrets  # log.sanitize: never in the history
    await run.aclose()


def gas_answer(request: Any) -> tuple[int, Any]:
    return 200, {"draw": 1, "data": [{"safeGasPrice": "11", "proposeGasPrice": "12",
                                      "fastGasPrice": "14", "blockTimeStamp": "10:00"}]}


def test_the_corpus_gas_alert_runs_unchanged(fake_discord: FakeDiscord, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ws = ("--data-dir", str(tmp_path / "ws"))
    blueprint = json.loads((CORPUS / GAS_ALERT).read_text())
    discord = blueprint["flow"][-1]
    channel = fake_discord.add_channel("general", channel_id=discord["mapper"]["channelId"])
    with fake_service(gas_answer) as etherscan:
        http = blueprint["flow"][0]["mapper"]  # the data source: the local fake
        http["url"] = http["url"].replace("https://etherscan.io", etherscan.url)
        path = tmp_path / "gas.blueprint.json"
        path.write_text(json.dumps(blueprint))
        code = main(["connections", "add", "discord", "--name", "Gas bot",
                     "--set", f"botToken={fake_discord.token}",
                     "--set", f"baseUrl={fake_discord.api}",
                     "--make-id", str(discord["parameters"]["__IMTCONN__"]), *ws])
        assert code == 0, capsys.readouterr().err
        capsys.readouterr()
        code = main(["run", str(path), "--report", "json", *ws])
        out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    assert report["status"] == "success", report
    [message] = fake_discord.messages
    assert message["channel_id"] == channel["id"]
    assert "Safe Gas Price: 11\nPropose Gas Price: 12\nFast Gas Price: 14" in message["content"]
    assert report["modules"][str(discord["id"])]["outputs"][0]["id"] == message["id"]
    assert leaks([fake_discord.token], tmp_path / "ws", [("report", out), ("stderr", err)]) == []
