"""Real Make exports run unchanged by `scenarist run` against the local fakes of Notion and
Gemini, with connections made on the command line (`--make-id` mapping each export's
`__IMTCONN__`):
- the corpus' Notion Task Dashboard updater (Get a Database → Search Objects → Lokalise Get a
  Task → Update a Database Item), with an internal integration secret;
- the corpus' invoice-to-Google-Sheets scenario (Gmail Watch Emails → List Attachments →
  Gemini Upload a File → Gemini Generate a response → Google Sheets Add a Row), with a Gemini
  API key;
and a Notion OAuth connection renewed when Notion answers 401 in the middle of a run.
Lokalise is not shipped: a stand-in app in the test workspace supplies what the export maps
from it (tests/connectors/standins.py); Gmail and Google Sheets are the shipped apps against
the local fake of Google's APIs."""

from __future__ import annotations

import json
import threading
import webbrowser
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from tests.connectors.corpus import blueprint
from tests.connectors.standins import standin_app
from tests.connectors.test_google_cli import connect as google_connect
from tests.secrets.scan import leaks
from tests.support.fake_gemini import DEFAULT_KEY as GEMINI_KEY
from tests.support.fake_gemini import serve_fake_gemini
from tests.support.fake_google import FakeGoogle
from tests.support.fake_notion import DEFAULT_TOKEN, serve_fake_notion
from tests.support.http_stub import Answer, Recorded, recording

TASKS = "12e84d32-43c5-8088-996c-f5914c12cf99"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def connect(capsys: pytest.CaptureFixture[str], kind: str, reference: Any, values: dict[str, str],
            base_url: str, ws: tuple[str, ...]) -> None:
    sets = [part for key, value in values.items() for part in ("--set", f"{key}={value}")]
    code, _, err = cli(capsys, "connections", "add", kind, "--name", kind, *sets,
                       "--base-url", base_url, "--make-id", str(reference), *ws)
    assert code == 0, err


def stub(answer: Callable[[Recorded], Any]) -> Any:
    return recording(lambda request: Answer.of(*answer(request)))


def test_the_notion_task_dashboard_updater_runs_unchanged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exported = blueprint("Notion__Task_Dashboard__NotionTaskDashboardUpdater")
    refs = {node["module"]: node["parameters"]["__IMTCONN__"] for node in exported["flow"]}
    workspace = tmp_path / "ws"
    ws = ("--data-dir", str(workspace))
    standin_app(workspace / "apps", "lokalise", {"getATask": {"type": "action",
                                                              "communication": {
        "url": "/projects/{{parameters.project_id}}/tasks/{{parameters.task_id}}",
        "response": {"output": "{{body}}"}}}})
    progress = {"9001": 40, "9002": 100}

    def lokalise(request: Recorded) -> tuple[int, Any]:
        task_id = request.path.rsplit("/", 1)[-1]
        return 200, {"project_id": "8530821864d3e26c5cb2b9.72951273", "task": {
            "task_id": int(task_id), "title": f"Translate release {task_id}",
            "progress": progress[task_id], "status": "in progress"}}

    with serve_fake_notion() as notion, stub(lokalise) as tasks:
        rich = {"type": "rich_text"}
        notion.add_database(TASKS, "Lokalise Tasks", {  # the IDs of the export's metadata
            "Task Title": {"id": "title", "type": "title"},
            "Word Count": {"id": "%3BATM", **rich}, "Due Date": {"id": "F%7CsG", **rich},
            "Email of Task Creator": {"id": "OfjJ", **rich},
            "Task Type": {"id": "XFeP", **rich}, "Parent Task ID": {"id": "%60w%7C%3C", **rich},
            "Progress": {"id": "gvhH", **rich},
            "Status": {"id": "q_%5Dy", "type": "status", "options": [
                {"id": "1", "name": "Not started"}, {"id": "2", "name": "In progress"},
                {"id": "3", "name": "Done"}]},
            "Key Count": {"id": "wF_B", **rich}, "Task ID": {"id": "xA~e", **rich}})
        for task_id in progress:
            notion.add_page(TASKS, {
                "Task Title": {"title": [{"text": {"content": "(from Lokalise)"}}]},
                "Task ID": {"rich_text": [{"text": {"content": task_id}}]},
                "Progress": {"rich_text": [{"text": {"content": "0"}}]}})
        connect(capsys, "notion:internal", refs["notion:getADatabase"],
                {"token": DEFAULT_TOKEN}, notion.url, ws)
        connect(capsys, "lokalise", refs["lokalise:getATask"], {"apiKey": "lok-key-3f9e"},
                tasks.url, ws)
        path = tmp_path / "updater.blueprint.json"
        path.write_text(json.dumps(exported))
        code, out, err = cli(capsys, "run", str(path), "--report", "json", *ws)
        assert code == 0, err
        report = json.loads(out)
        assert report["status"] == "success", report
        assert {m: report["modules"][m]["operations"] for m in "3467"} == {
            "3": 1, "4": 1, "6": 2, "7": 2}
        assert [r.path for r in tasks.requests] == [
            "/projects/8530821864d3e26c5cb2b9.72951273/tasks/9001",
            "/projects/8530821864d3e26c5cb2b9.72951273/tasks/9002"]
        updates = notion.bodies("PATCH", "/v1/pages/")
        assert updates == [{"properties": {
            "Progress": {"rich_text": [{"type": "text", "text": {"content": str(p)}}]},
            "Task Title": {"title": [{"type": "text", "text": {
                "content": f"Translate release {t}"}}]}}} for t, p in progress.items()]
        pages = [notion.pages[p] for p in notion.databases[TASKS.replace("-", "")].pages]
        assert [p["properties"]["Progress"]["rich_text"][0]["plain_text"] for p in pages] == [
            "40", "100"]
        assert all(r.headers["authorization"] == f"Bearer {DEFAULT_TOKEN}"
                   for r in notion.requests)
    assert leaks([DEFAULT_TOKEN, "lok-key-3f9e"], workspace,
                 [("report", out), ("stderr", err)]) == []


INVOICE = {"Invoice number": "INV-1042", "Invoice date": "2026-02-27",
           "Vendor name": "Desert Supplies LLC", "Total amount": "1050.00",
           "Tax amount": "50.00", "Currency": "AED", "Due date": "2026-03-29"}


def test_the_invoice_to_sheets_export_runs_unchanged_with_gemini(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_google: FakeGoogle,
        browser: list[str]) -> None:
    exported = blueprint("invoice-to-google-sheets-ai")
    refs = {node["module"]: node["parameters"]["__IMTCONN__"] for node in exported["flow"]}
    workspace = tmp_path / "ws"
    ws = ("--data-dir", str(workspace))
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = "Invoice INV-1042", "ap@desert.example", "me"
    mail.set_content("Please find the invoice attached.")
    mail.add_attachment(PDF, maintype="application", subtype="pdf", filename="INV-1042.pdf")
    fake_google.add_message(mail.as_bytes())
    sid = fake_google.add_spreadsheet("Invoices", {"Sheet1": [list(INVOICE)]},
                                      sid="1PWF_3pcmq0fZ5dmwXEKcfqxG7bw-9U1pdWtqhBjMebM")
    with serve_fake_gemini() as gemini:
        gemini.reply = lambda body: json.dumps(INVOICE)
        connect(capsys, "gemini-ai", refs["gemini-ai:uploadAFile"], {"apiKey": GEMINI_KEY},
                gemini.url, ws)
        google_connect(capsys, fake_google, ws, str(refs["google-email:triggerWatchNewEmails"]),
                       str(refs["google-sheets:addRow"]))
        path = tmp_path / "invoices.blueprint.json"
        path.write_text(json.dumps(exported))
        code, out, err = cli(capsys, "run", str(path), "--report", "json", *ws)
        assert code == 0, err
        report = json.loads(out)
        assert report["status"] == "success", report
        assert {m: report["modules"][m]["operations"] for m in ("1", "9", "3", "4", "13")} == {
            "1": 1, "9": 1, "3": 1, "4": 1, "13": 1}
        start, upload, generate = gemini.requests
        assert start.json() == {"file": {"display_name": "INV-1042.pdf"}}
        assert upload.body == PDF
        [file] = gemini.files.values()
        parts = generate.json()["contents"][0]["parts"]
        assert parts == [{"file_data": {"mime_type": "application/pdf",
                                        "file_uri": file["uri"]}}]
        assert report["modules"]["4"]["outputs"][0]["result"] == INVOICE
    assert fake_google.sheets[sid]["tabs"]["Sheet1"][-1] == list(INVOICE.values())
    assert leaks([GEMINI_KEY, fake_google.client_secret], workspace,
                 [("report", out), ("stderr", err)]) == []


def test_a_notion_oauth_connection_is_renewed_when_notion_answers_401(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = tmp_path / "ws"
    ws = ("--data-dir", str(workspace))
    with serve_fake_notion() as notion:
        notion.add_database(TASKS, "Lokalise Tasks", {"Task Title": {"id": "title",
                                                                     "type": "title"}})
        monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: threading.Thread(
            target=notion.browser, args=(url,), daemon=True).start() or True)
        code, _, err = cli(capsys, "connections", "add", "notion:oauth", "--name", "Public",
                           "--set", f"clientId={notion.client_id}",
                           "--set", f"clientSecret={notion.client_secret}",
                           "--set", f"server={notion.url}", "--base-url", notion.url,
                           "--make-id", "3585006", "--timeout", "20", *ws)
        assert code == 0, err
        notion.revoke_access()  # the next request with the stored token answers 401
        path = tmp_path / "get.blueprint.json"
        path.write_text(json.dumps({"name": "Get", "flow": [
            {"id": 3, "module": "notion:getADatabase", "version": 1,
             "parameters": {"__IMTCONN__": 3585006}, "mapper": {"database": TASKS}}]}))
        code, out, err = cli(capsys, "run", str(path), "--report", "json", *ws)
        assert code == 0, err
        assert json.loads(out)["modules"]["3"]["outputs"][0]["id"] == TASKS
        assert [b["grant_type"] for b in notion.token_bodies] == [
            "authorization_code", "refresh_token"]
        assert [r.path for r in notion.requests[-3:]] == [
            f"/v1/databases/{TASKS}", "/v1/oauth/token", f"/v1/databases/{TASKS}"]
    assert leaks([notion.client_secret, *notion.refresh_tokens, *notion.access_tokens],
                 workspace, [("report", out), ("stderr", err)]) == []
