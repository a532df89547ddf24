"""The Telegram Bot connector (connectors/telegram, a Make custom app) against the local fake
Bot API: the module Make's exports use (`SendReplyMessage`, with the exports' own field names),
Make an API Call, Watch Updates (its hook registered with setWebhook), the connection check and
Make's error types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.apps import (
    App,
    ConnectionData,
    attach_webhook,
    bind_connections,
    check_app,
    detach_webhook,
    module_specs,
    verify_connection,
)
from engine.context import RunServices
from engine.errors import ModuleError
from engine.spec import ModuleSpec
from tests.apps.fakes import call_module
from tests.support import fake_telegram as support
from tests.support.fake_telegram import FakeTelegram

fake_telegram = support.fake_telegram  # the fixture

CONNECTOR = Path(__file__).resolve().parents[2] / "connectors" / "telegram"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "blueprints"
# The export's own mapper (bicced/...hourly_telegram_alert_for_eth_gas_fee.json, module 3).
EXPORTED = {"text": "Gas: {{1.fast}}", "chatId": "CHAT_ID", "parseMode": "", "replyMarkup": "",
            "messageThreadId": "", "replyToMessageId": "",
            "replyMarkupAssembleType": "reply_markup_enter"}


@pytest.fixture(scope="module")
def specs(app: App) -> dict[str, ModuleSpec]:
    return {s.id: s for s in module_specs(app)}


@pytest.fixture
def run(fake_telegram: FakeTelegram) -> RunServices:
    services = RunServices()
    bind_connections(services, {"telegram": ConnectionData({"token": fake_telegram.token},
                                                           base_url_override=fake_telegram.url)})
    return services


async def send(specs: dict[str, ModuleSpec], run: RunServices, **mapper: Any
               ) -> list[dict[str, Any]]:
    return await call_module(specs["telegram:SendReplyMessage"], run,
                             parameters={"__IMTCONN__": 1}, mapper=mapper)


def test_make_module_ids_and_the_exports_field_names(app: App,
                                                     specs: dict[str, ModuleSpec]) -> None:
    assert app.name == "telegram" and app.problems == [] and check_app(CONNECTOR) == []
    assert sorted(specs) == ["telegram:SendReplyMessage", "telegram:UniversalAPICall",
                             "telegram:WatchUpdates"]
    assert specs["telegram:WatchUpdates"].kind == "instant_trigger"
    fields = {f.name for f in specs["telegram:SendReplyMessage"].mapper}
    # every field Make's module declares in the exports' metadata.expect
    assert {"chatId", "text", "messageThreadId", "parseMode", "disableNotification",
            "disableWebPagePreview", "replyToMessageId", "replyMarkupAssembleType",
            "replyMarkup"} <= fields
    for blueprint in CORPUS.glob("*.json"):
        for module in json.loads(blueprint.read_text())["flow"]:
            if module["module"] == "telegram:SendReplyMessage":
                assert set(module["mapper"]) <= fields, blueprint.name


async def test_an_exported_mapper_sends_only_what_it_fills(
        fake_telegram: FakeTelegram, run: RunServices, specs: dict[str, ModuleSpec]) -> None:
    chat = fake_telegram.add_chat(-1002736064550, "supergroup", title="Shop alerts")
    out = await send(specs, run, **{**EXPORTED, "chatId": "-1002736064550",
                                    "text": "Gas: 12 gwei", "parseMode": "HTML"})
    await run.aclose()
    [call] = fake_telegram.sent()
    assert (call.method, call.content_type) == ("POST", "application/x-www-form-urlencoded")
    assert call.params == {"chat_id": "-1002736064550", "text": "Gas: 12 gwei",
                           "parse_mode": "HTML"}  # the export's "" fields are not sent
    message = out[0]
    assert message["chat"] == chat and message["text"] == "Gas: 12 gwei"
    assert message["message_id"] == 1 and message["from"]["username"] == "orders_bot"


async def test_a_reply_in_a_topic_with_a_keyboard(fake_telegram: FakeTelegram,
                                                  run: RunServices,
                                                  specs: dict[str, ModuleSpec]) -> None:
    chat = fake_telegram.add_chat(5123456789)
    asked = fake_telegram.update(chat, "/price")["message"]
    keyboard = '{"inline_keyboard": [[{"text": "Open", "url": "https://example.com"}]]}'
    out = await send(specs, run, chatId="5123456789", text="BTC 97,000 USD",
        messageThreadId=3, replyToMessageId=asked["message_id"], disableNotification=True,
        disableWebPagePreview=True, replyMarkupAssembleType="reply_markup_enter",
        replyMarkup=keyboard)
    await run.aclose()
    params = fake_telegram.sent()[-1].params
    assert json.loads(params["reply_parameters"]) == {"message_id": asked["message_id"]}
    assert json.loads(params["link_preview_options"]) == {"is_disabled": True}
    assert json.loads(params["reply_markup"]) == json.loads(keyboard)
    assert (params["disable_notification"], params["message_thread_id"]) == ("true", "3")
    assert out[0]["reply_to_message"]["text"] == "/price"
    assert out[0]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Open"


async def test_errors_become_makes_error_types(fake_telegram: FakeTelegram, run: RunServices,
                                               specs: dict[str, ModuleSpec]) -> None:
    with pytest.raises(ModuleError) as missing:
        await send(specs, run, chatId="42", text="hi")
    assert missing.value.name == "DataError"
    assert missing.value.message == "[400] Bad Request: chat not found"
    fake_telegram.add_chat(42)
    fake_telegram.flood_wait = 7
    with pytest.raises(ModuleError) as flood:
        await send(specs, run, chatId="42", text="hi")
    assert flood.value.name == "RateLimitError" and "retry after 7 seconds" in flood.value.message
    fake_telegram.flood_wait = None
    bind_connections(run, {"telegram": ConnectionData({"token": "1:wrong"},
                                                      base_url_override=fake_telegram.url)})
    with pytest.raises(ModuleError) as refused:
        await send(specs, run, chatId="42", text="hi")
    await run.aclose()
    assert refused.value.name == "InvalidAccessTokenError"
    assert "@BotFather" in refused.value.message


async def test_make_an_api_call(fake_telegram: FakeTelegram, run: RunServices,
                                specs: dict[str, ModuleSpec]) -> None:
    fake_telegram.add_chat(42)
    spec = specs["telegram:UniversalAPICall"]
    # the shape public exports show: urlMethod, bodyType assembled_body, body_spec pairs
    out = await call_module(spec, run, parameters={"__IMTCONN__": 1}, mapper={
        "method": "POST", "urlMethod": "sendChatAction", "bodyType": "assembled_body",
        "body_spec": [{"key": "chat_id", "value": "42"}, {"key": "action", "value": "typing"}]})
    assert out == [{"statusCode": 200, "headers": out[0]["headers"],
                    "body": {"ok": True, "result": True}}]
    assert fake_telegram.sent("sendChatAction")[0].params == {"chat_id": "42",
                                                              "action": "typing"}
    raw = await call_module(spec, run, parameters={"__IMTCONN__": 1}, mapper={
        "urlMethod": "sendMessage", "bodyType": "raw_body",
        "body": '{"chat_id": 42, "text": "raw"}'})
    await run.aclose()
    assert raw[0]["body"]["result"]["text"] == "raw"
    assert fake_telegram.sent()[-1].content_type == "application/json"


async def test_the_connection_check_names_the_bot(fake_telegram: FakeTelegram,
                                                  app: App) -> None:
    run = RunServices()
    checked = await verify_connection(app, "telegram", {"token": fake_telegram.token}, run,
                                      base_url_override=fake_telegram.url)
    assert checked.label == "orders_bot" and checked.data == {"token": fake_telegram.token}
    with pytest.raises(ModuleError) as refused:
        await verify_connection(app, "telegram", {"token": "1:nope"}, run,
                                base_url_override=fake_telegram.url)
    await run.aclose()
    assert refused.value.name == "InvalidAccessTokenError"


async def test_watch_updates_sets_and_deletes_the_webhook(fake_telegram: FakeTelegram,
                                                          app: App,
                                                          specs: dict[str, ModuleSpec]) -> None:
    conn = ConnectionData({"token": fake_telegram.token}, fake_telegram.url)
    run = RunServices()
    url = "https://hooks.example.org/hook/abc123"
    saved = await attach_webhook(app, "telegramapi", url, run, webhook_id="abc123",
                                 connection=conn)
    assert fake_telegram.webhook_url == url and saved == {"url": url}
    chat = fake_telegram.add_chat(5123456789)
    update = fake_telegram.update(chat, "hello bot")
    delivered = RunServices(webhook_request={"body": update, "headers": {}, "method": "POST"})
    bundles = await call_module(specs["telegram:WatchUpdates"], delivered,
                                parameters={"__IMTHOOK__": 1})
    assert bundles == [update] and bundles[0]["message"]["chat"]["id"] == 5123456789
    await detach_webhook(app, "telegramapi", saved, run, connection=conn)
    await run.aclose()
    assert fake_telegram.webhook_url == ""
    assert [c.bot_method for c in fake_telegram.calls] == ["setWebhook", "deleteWebhook"]
