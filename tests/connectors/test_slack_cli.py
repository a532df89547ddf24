"""Slack as a user meets it: the OAuth 2.0 connection with the user's own Slack app (client id
and secret, bot and user scopes, PKCE, Scenarist's loopback redirect) authorized against the
local fake, then the Slack part of a real corpus export (the Cricket bot's question lookup:
two Search Messages and two Get a Public Channel Message, unchanged) run by `scenarist run`;
an expired token is renewed with the refresh token in the middle of a run."""

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
from engine.connections import ConnectionStore
from tests.secrets.scan import leaks
from tests.support import fake_slack as support
from tests.support.fake_slack import FakeSlack

fake_slack = support.fake_slack

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "blueprints"
CRICKET = "amrit-dash__Make-Automation-Projects__Cricket Bot__Amrit's Cricket Responder Bot.json"
# The route that finds today's questions: webhook 87 -> router 120 -> 6 (settings) -> router 91
# -> router 73 -> 109 (sleep), 19, 20 (Search Messages), 78, 79 (Get a Public Channel
# Message), 77 (keep what they found). The other routes (Google Sheets, OpenAI) are left out:
# this test is about the Slack connection; whole Slack exports run in test_corpus_exports.py.
KEEP = {87, 120, 6, 91, 73, 109, 19, 20, 78, 79, 77}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def pruned(flow: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for module in flow:
        if module["id"] not in KEEP:
            continue
        if module.get("routes"):
            routes = [{**r, "flow": pruned(r["flow"])} for r in module["routes"]]
            module = {**module, "routes": [r for r in routes if r["flow"]]}
        out.append(module)
    return out


def test_oauth_with_pkce_then_the_cricket_lookup_and_a_refresh(
        fake_slack: FakeSlack, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    ws = ("--data-dir", str(tmp_path / "ws"))
    opened: list[str] = []

    def browser(url: str, *args: Any, **kwargs: Any) -> bool:
        opened.append(url)
        threading.Thread(target=fake_slack.browser, args=(url,), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    fake_slack.add_user("U012E5Y48BX", "amrit.dash", "Amrit Dash")
    blueprint = json.loads((CORPUS / CRICKET).read_text())
    reference = str(next(m for m in blueprint["flow"][1]["routes"][0]["flow"][1]["routes"][0][
        "flow"][0]["routes"][0]["flow"] if m["id"] == 19)["parameters"]["__IMTCONN__"])
    code, out, err = cli(capsys, "connections", "add", "slack:slack2", "--name", "Amrit",
                         "--set", f"clientId={fake_slack.client_id}",
                         "--set", f"clientSecret={fake_slack.client_secret}",
                         "--set", "scope=chat:write,reactions:write",
                         "--set", f"baseUrl={fake_slack.url}", "--make-id", reference,
                         "--timeout", "20", "--json", *ws)
    assert code == 0, err
    connection_id = json.loads(out)["id"]
    [url] = opened
    [asked] = fake_slack.authorizations
    assert url.startswith(f"{fake_slack.url}/oauth/v2/authorize?")
    assert asked["client_id"] == fake_slack.client_id
    assert asked["scope"] == "chat:write,reactions:write"
    assert "search:read" in asked["user_scope"].split(",")
    assert asked["redirect_uri"].startswith("http://127.0.0.1:") and asked["state"]
    assert asked["code_challenge_method"] == "S256"
    [form] = fake_slack.token_forms
    digest = hashlib.sha256(form["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"]
    assert form["redirect_uri"] == asked["redirect_uri"]
    stored = ConnectionStore(tmp_path / "ws").require(connection_id)
    assert stored.label == "amrit.dash (Axelerant)"
    user_token = stored.secret_data["accessToken"]
    assert user_token.startswith("xoxp-") and stored.secret_data["botToken"].startswith("xoxb")
    assert stored.secret_data["refreshToken"] and stored.data["expires"]

    fake_slack.add_channel("CKASL21E2", "guild-cricket")
    question = fake_slack.post("CKASL21E2", "U012E5Y48BX",
                               "@channel Who do you think will win today? :one: India "
                               ":two: Australia", reactions=[
                                   {"name": "one", "users": ["U05GVF0RNCF"], "count": 1}])
    blueprint["flow"] = pruned(blueprint["flow"])
    path = tmp_path / "cricket.blueprint.json"
    path.write_text(json.dumps(blueprint))
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"body": {"godModeInTimer": 1}, "headers": {},
                                   "method": "POST"}))
    fake_slack.expire(user_token)  # the user token runs out: the run renews it and goes on
    code, out, err = cli(capsys, "run", str(path), "--input", str(request),
                         "--report", "json", *ws)
    assert code == 0, err
    report = json.loads(out)
    assert report["status"] == "success", report
    found = report["modules"]["77"]["outputs"][0]
    assert found["Main Question Timestamp"] == question["ts"]
    assert found["Main Question Text"] == question["text"]
    assert found["Main Question Reactions"][0]["name"] == "one"
    searches = fake_slack.called("search.messages")
    assert searches[-1][0]["query"] == ("@channel :one: :two: from:<@U012E5Y48BX> "
                                        "in:<@CKASL21E2>")
    assert [f.get("grant_type") for f in fake_slack.token_forms] == [None, "refresh_token"]
    renewed = ConnectionStore(tmp_path / "ws").require(connection_id)
    assert renewed.secret_data["accessToken"] != user_token
    assert all(token == renewed.secret_data["accessToken"]
               for _, _, token in fake_slack.calls[-4:])
    secrets = [fake_slack.client_secret, user_token, renewed.secret_data["accessToken"],
               stored.secret_data["refreshToken"], stored.secret_data["botToken"]]
    assert leaks(secrets, tmp_path / "ws", [("report", out), ("stderr", err)]) == []
