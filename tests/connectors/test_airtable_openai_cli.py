"""A real Make export run unchanged by `scenarist run` against the local fakes of OpenAI and
Airtable: the corpus' "RAG Email" scenario (mailhook → OpenAI Create a Completion → Airtable
Search Records → Airtable Create/Update a Record → HTTP), with connections made on the command
line (`--make-id` mapping the export's `__IMTCONN__`): an OpenAI API key, and an Airtable OAuth
connection authorized with PKCE, renewed on a 401 in the middle of a run and before a run when
its token is about to expire. Only the HTTP module's address (a Make webhook) is moved to a
local stub, as the acceptance harness does."""

from __future__ import annotations

import json
import threading
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from engine.connections import ConnectionStore
from tests.connectors.corpus import blueprint
from tests.secrets.scan import leaks
from tests.support.fake_airtable import FakeAirtable, serve_fake_airtable
from tests.support.fake_openai import DEFAULT_KEY, FakeOpenAI, serve_fake_openai
from tests.support.http_stub import http_stub

RAG = "RAG Email - Spun Web"
BASE, TABLE = "appIx01XgyF4cM0AY", "tblXxFhaoXJv8EJJI"
MAKE_HOOK = "https://hook.us1.make.com/lih3tizol9mfoc03lptm6r54jtdixbit"


def rag_table(fake: FakeAirtable) -> None:
    """The table the export writes to, with the field IDs and types its metadata names."""
    fake.add_base(BASE, "RAG-TEST")
    fake.add_table(BASE, TABLE, "Table 1", [
        {"id": "fldisNGyCEK9VZYCi", "name": "ID", "type": "singleLineText"},
        {"id": "fldwERz2IHB5jIfkn", "name": "Date", "type": "date"},
        {"id": "fldZS62c8NqpBbojf", "name": "Source", "type": "singleSelect",
         "options": {"choices": [{"id": "selWeb", "name": "Website"},
                                 {"id": "selMail", "name": "Email"}]}},
        {"id": "fld1OSEjdKwZG1Bqx", "name": "Message", "type": "multilineText"},
        {"id": "fldGOzyyp0BUczVeJ", "name": "URL", "type": "url"},
        {"id": "fldSe6sfuLlok0iJd", "name": "File", "type": "multipleAttachments"},
        {"id": "fldHGNFudp9fE4ae3", "name": "Uploaded", "type": "checkbox"},
    ])


MAIL = {"body": {
    "subject": "Quote for a new website", "text": "Hi,\nwe need a new site.\n--\nAda Lovelace",
    "from": {"name": "Ada Lovelace", "address": "ada@example.com"},
    "headers": {"message-id": "<CAF=1234@mail.example.com>"}}}


@pytest.fixture
def services() -> Iterator[tuple[FakeAirtable, FakeOpenAI, Any]]:
    with serve_fake_airtable() as airtable, serve_fake_openai() as openai, \
            http_stub({"POST /hook": (200, "Accepted")}) as hook:
        rag_table(airtable)
        openai.reply = lambda body: "Ada Lovelace (ada@example.com): we need a new site."
        yield airtable, openai, hook


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_rag_email_export_runs_with_airtable_oauth_renewed_on_401_and_expiry(
        services: tuple[FakeAirtable, FakeOpenAI, Any], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    airtable, openai, hook = services
    ws = ("--data-dir", str(tmp_path / "ws"))
    exported = blueprint(RAG)
    scenario = json.loads(json.dumps(exported).replace(MAKE_HOOK, f"{hook.url}/hook"))
    path = tmp_path / "rag.blueprint.json"
    path.write_text(json.dumps(scenario))
    mail = tmp_path / "mail.json"
    mail.write_text(json.dumps(MAIL))
    openai_ref = str(exported["flow"][1]["parameters"]["__IMTCONN__"])
    airtable_ref = str(exported["flow"][2]["parameters"]["__IMTCONN__"])

    code, out, err = cli(capsys, "connections", "add", "openai-gpt-3", "--name", "OpenAI",
                         "--set", f"apiKey={DEFAULT_KEY}", "--set", f"baseUrl={openai.url}",
                         "--make-id", openai_ref, "--json", *ws)
    assert code == 0, err
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: threading.Thread(
        target=airtable.browser, args=(url,), daemon=True).start() or True)
    code, out, err = cli(capsys, "connections", "add", "airtable:oauth", "--name", "Airtable",
                         "--set", f"clientId={airtable.client_id}",
                         "--set", f"clientSecret={airtable.client_secret}",
                         "--set", f"server={airtable.url}", "--base-url", airtable.url,
                         "--make-id", airtable_ref, "--timeout", "20", "--json", *ws)
    assert code == 0, err
    connection_id = json.loads(out)["id"]

    code, out, err = cli(capsys, "run", str(path), "--input", str(mail), "--report", "json",
                         *ws)
    assert code == 0, err
    report = json.loads(out)
    assert report["status"] == "success", report
    # As in Make, a search that finds nothing outputs no bundle: the flow stops there.
    assert {m: report["modules"][m]["operations"] for m in "25347"} == {
        "2": 1, "5": 1, "3": 1, "4": 0, "7": 0}
    [search] = airtable.calls("POST", "/listRecords")
    assert search.json()["filterByFormula"] == '{ID} = "<CAF=1234@mail.example.com>"'
    assert search.json()["fields"] == ["ID"] and search.json()["maxRecords"] == 1
    assert openai.bodies("/v1/chat/completions")[0]["model"] == "o1-mini"
    assert "max_tokens" not in openai.bodies("/v1/chat/completions")[0]
    assert hook.requests == []
    seeded = airtable.add_record(BASE, TABLE, {"ID": "<CAF=1234@mail.example.com>",
                                               "Source": "Email"})

    # Airtable revokes the access token: the next run's first Airtable request gets a 401,
    # the connection is renewed by its refresh token and the module runs once more.
    airtable.revoke_access()
    airtable.expires_in = 60  # the renewed token expires within the refresh margin
    before = len(airtable.requests)
    code, out, err = cli(capsys, "run", str(path), "--input", str(mail), "--report", "json",
                         *ws)
    assert code == 0, err
    report = json.loads(out)
    assert report["status"] == "success", report
    assert [f["grant_type"] for f in airtable.token_forms] == [
        "authorization_code", "refresh_token"]
    paths = [r.path for r in airtable.requests[before:]]
    assert paths[:3] == [f"/v0/{BASE}/{TABLE}/listRecords", "/oauth2/v1/token",
                         f"/v0/{BASE}/{TABLE}/listRecords"]  # 401, renewal, the same again
    assert {m: report["modules"][m]["operations"] for m in "25347"} == {
        "2": 1, "5": 1, "3": 1, "4": 1, "7": 1}
    [record] = airtable.records(BASE, TABLE)  # found by the search, so updated in place
    assert record["id"] == seeded["id"]
    assert airtable.calls("PATCH")[-1].path == f"/v0/{BASE}/{TABLE}/{seeded['id']}"
    assert record["fields"]["Message"] == "Ada Lovelace (ada@example.com): we need a new site."
    assert record["fields"]["Source"] == "Website" and record["fields"]["Date"]
    assert report["modules"]["4"]["outputs"][0]["Source"] == "Website"
    [posted] = hook.requests
    assert b"email=ada%40example.com" in posted.body

    # The token now expires within a minute: it is renewed before the run starts.
    statuses_before = len(airtable.requests)
    code, out, err = cli(capsys, "run", str(path), "--input", str(mail), "--report", "json",
                         *ws)
    assert code == 0, err
    assert [f["grant_type"] for f in airtable.token_forms][-1] == "refresh_token"
    assert len(airtable.token_forms) == 3
    later = airtable.requests[statuses_before:]
    assert later[0].path == "/oauth2/v1/token"  # renewed first, then used
    assert all(r.headers.get("authorization") == f"Bearer {airtable.access_tokens[-1]}"
               for r in later[1:])
    stored = ConnectionStore(tmp_path / "ws").require(connection_id)
    secrets = [DEFAULT_KEY, airtable.client_secret, *airtable.refresh_tokens,
               stored.secret_data["accessToken"]]
    assert leaks(secrets, tmp_path / "ws", [("report", out), ("stderr", err)]) == []
