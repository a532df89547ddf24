"""Telegram as a user meets it: a real corpus export run by `scenarist run` with a connection
made by `scenarist connections add telegram ... --make-id`, and a bot scenario (Watch Updates ->
Send a Text Message or a Reply) in the background runtime, whose hook URL the runtime
registers with Telegram's setWebhook at the public URL setting."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.cli import main
from engine.runtime import Workspace, save_setting
from engine.runtime.hook_store import hooks
from tests.apps.fakes import fake_service
from tests.incomplete.helpers import cli as run_cli
from tests.runtime.helpers import activate, running, until
from tests.secrets.scan import leaks
from tests.support import fake_telegram as support
from tests.support.fake_telegram import FakeTelegram

fake_telegram = support.fake_telegram

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "blueprints"
GAS_ALERT = ("bicced__make-integromat-crypto-workflows__workflows__"
             "hourly_telegram_alert_for_eth_gas_fee.json")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def gas_answer(request: Any) -> tuple[int, Any]:
    """Etherscan's gas history, as module 1 of the export parses it (`1.data.data[]`)."""
    return 200, {"draw": 1, "recordsTotal": 1, "data": [
        {"lastBlock": 21000000, "safeGasPrice": "11", "proposeGasPrice": "12",
         "fastGasPrice": "14", "blockTimeStamp": "2026-01-01 10:00:00"}]}


def test_the_corpus_gas_alert_runs_unchanged_against_the_fakes(
        fake_telegram: FakeTelegram, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    ws = ("--data-dir", str(tmp_path / "ws"))
    blueprint = json.loads((CORPUS / GAS_ALERT).read_text())
    connection_ref = blueprint["flow"][1]["parameters"]["__IMTCONN__"]
    chat = fake_telegram.add_chat(-1002736064550, "channel", title="Gas")
    with fake_service(gas_answer) as etherscan:
        # The export's two placeholders a user fills in: the data source (here the local
        # fake, same path and query) and the chat (its CHAT_ID placeholder).
        http = blueprint["flow"][0]["mapper"]
        http["url"] = http["url"].replace("https://etherscan.io", etherscan.url)
        blueprint["flow"][1]["mapper"]["chatId"] = str(chat["id"])
        path = tmp_path / "gas.blueprint.json"
        path.write_text(json.dumps(blueprint))
        code, out, err = cli(capsys, "connections", "add", "telegram", "--name", "Gas bot",
                             "--set", f"token={fake_telegram.token}",
                             "--set", f"baseUrl={fake_telegram.url}",
                             "--make-id", str(connection_ref), "--json", *ws)
        assert code == 0, err
        code, out, err = cli(capsys, "connections", "test", json.loads(out)["id"], *ws)
        assert code == 0 and "orders_bot" in out, err
        code, out, err = cli(capsys, "run", str(path), "--report", "json", *ws)
    assert code == 0, err
    report = json.loads(out)
    assert report["status"] == "success", report
    [call] = fake_telegram.sent()
    assert call.params["chat_id"] == str(chat["id"])
    assert "Safe Gas Price: 11\nPropose Gas Price: 12\nFast Gas Price: 14" in call.params["text"]
    assert set(call.params) == {"chat_id", "text"}
    assert report["modules"]["3"]["outputs"][0]["chat"]["title"] == "Gas"
    assert leaks([fake_telegram.token], tmp_path / "ws", [("report", out), ("stderr", err)]) == []


def echo_bot() -> dict[str, Any]:
    return {"name": "Echo bot", "flow": [
        {"id": 1, "module": "telegram:WatchUpdates", "version": 1,
         "parameters": {"__IMTHOOK__": 2901256, "__IMTCONN__": 77}},
        {"id": 2, "module": "telegram:SendReplyMessage", "version": 1,
         "parameters": {"__IMTCONN__": 77},
         "mapper": {"chatId": "{{1.message.chat.id}}", "text": "You said: {{1.message.text}}",
                    "replyToMessageId": "{{1.message.message_id}}", "parseMode": "",
                    "replyMarkup": "", "messageThreadId": "",
                    "replyMarkupAssembleType": "reply_markup_enter"}}],
        "metadata": {"scenario": {"roundtrips": 1, "maxErrors": 3}}}


async def test_the_runtime_sets_the_webhook_and_the_bot_answers(
        fake_telegram: FakeTelegram, tmp_path: Path, capsys: Any) -> None:
    ws = Workspace(tmp_path / "ws")
    code, _out, err = run_cli(capsys, "connections", "add", "telegram", "--name", "bot",
                              "--set", f"token={fake_telegram.token}",
                              "--set", f"baseUrl={fake_telegram.url}", "--make-id", "77",
                              "--data-dir", str(ws.folder))
    assert code == 0, err
    save_setting(ws.state, "public_url", "https://hooks.example.org")
    activated = activate(ws, tmp_path / "echo.json", echo_bot())
    assert activated.hook is not None
    token = activated.hook.token
    chat = fake_telegram.add_chat(5123456789)
    async with running(ws) as (runtime, events):
        try:
            await until(lambda: bool(fake_telegram.webhook_url))
        except TimeoutError:
            raise AssertionError(runtime.problems) from None
        assert fake_telegram.webhook_url == f"https://hooks.example.org/hook/{token}"
        update = fake_telegram.update(chat, "ping")
        async with httpx.AsyncClient() as client:  # Telegram's POST, through the tunnel
            answer = await client.post(f"http://127.0.0.1:{runtime.port}/hook/{token}",
                                       json=update)
        assert answer.status_code == 200
        await events.wait_for(lambda e: len(e.finished()) == 1)
    [reply] = fake_telegram.sent()
    assert reply.params["chat_id"] == "5123456789"
    assert reply.params["text"] == "You said: ping"
    assert json.loads(reply.params["reply_parameters"]) == {
        "message_id": update["message"]["message_id"]}
    assert hooks(ws.state, scenario="Echo bot")[0].options["attached"]["url"].endswith(token)
    assert run_cli(capsys, "deactivate", "Echo bot", "--data-dir", str(ws.folder))[0] == 0
    code, out, err = await asyncio.to_thread(
        run_cli, capsys, "scenarios", "remove", "Echo bot", "--data-dir", str(ws.folder))
    assert code == 0 and "unregistered from the service" in out, err
    assert fake_telegram.webhook_url == ""
    assert [c.bot_method for c in fake_telegram.calls].count("setWebhook") == 1
