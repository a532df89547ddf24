"""The Google apps from the command line, as a user meets them: one Google connection made
with `scenarist connections add google` (the user's own client id and secret, authorization
code with PKCE through the loopback redirect, against a local fake of Google's OAuth
server), mapped to the ids real exports carry, then `scenarist run` of real corpus exports
against the local fake APIs; a revoked token renewed on the 401, one about to expire renewed
before the run; the client secret and tokens nowhere in the workspace or the reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from app.cli import main
from engine.connections import ConnectionStore, find_type
from tests.secrets.scan import leaks
from tests.support.fake_google import DOCUMENT_MIME, FakeGoogle

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "blueprints"
INTAKE = "6302Mohamed__make-automation-projects__project-01-agency-intake-routing__project-01-blueprint-sanitized-reference.json"  # noqa: E501
INVOICES = "sadeedameen__make-automation-blueprints__finance__invoice-compliance-automation__blueprint.json"  # noqa: E501
CONTENT = "sergibuendia__make-automations__community-manager-automation__Contenido redes con ideas (Parte 1).blueprint.json"  # noqa: E501
STUDENTS = "mrlmbrown__make-blueprints__Student Engagement Monitor Automation.blueprint.json"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def export(name: str, keep: set[int] | None = None) -> dict[str, Any]:
    """A real export; with `keep`, only those modules (the others are apps Scenarist
    doesn't have), each kept exactly as exported."""
    blueprint: dict[str, Any] = json.loads((CORPUS / name).read_text())
    if keep is None:
        return blueprint

    def trim(flow: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for module in flow:
            if module["id"] not in keep:
                continue
            if module.get("routes"):
                routes = [{**r, "flow": trim(r["flow"])} for r in module["routes"]]
                module = {**module, "routes": [r for r in routes if r["flow"]]}
            out.append(module)
        return out

    blueprint["flow"] = trim(blueprint["flow"])
    return blueprint


def connect(capsys: pytest.CaptureFixture[str], fake: FakeGoogle, ws: tuple[str, ...],
            *make_ids: str) -> str:
    code, out, err = cli(
        capsys, "connections", "add", "google", "--name", "Google",
        "--set", f"clientId={fake.client_id}", "--set", f"clientSecret={fake.client_secret}",
        "--set", f"authorizeUri={fake.url}/o/oauth2/v2/auth?access_type=offline&prompt=consent",
        "--set", f"tokenUri={fake.url}/token", "--base-url", fake.url,
        "--make-id", make_ids[0], "--json", "--timeout", "20", *ws)
    assert code == 0, err
    connection_id: str = json.loads(out)["id"]
    for make_id in make_ids[1:]:
        code, _, err = cli(capsys, "connections", "edit", connection_id, "--make-id", make_id,
                           *ws)
        assert code == 0, err
    return connection_id


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, blueprint: dict[str, Any],
        ws: tuple[str, ...]) -> tuple[dict[str, Any], str, str]:
    path = tmp_path / "scenario.blueprint.json"
    path.write_text(json.dumps(blueprint))
    code, out, err = cli(capsys, "run", str(path), "--report", "json", *ws)
    assert code == 0, (err, json.loads(out).get("error") if out.startswith("{") else out)
    report: dict[str, Any] = json.loads(out)
    assert report["status"] == "success", report
    return report, out, err


def sent_subjects(fake: FakeGoogle) -> list[str]:
    return [str(message_from_bytes(m.raw, policy=email_policy)["Subject"])
            for m in fake.messages.values() if m.labels == ["SENT"]]


def test_the_google_connection_type(tmp_path: Path) -> None:
    from engine.apps import discover_apps

    kind = find_type("google", discover_apps(tmp_path, entry_points=False))
    assert kind.key == "google:google" and kind.kind == "oauth2"
    assert [f.name for f in kind.fields] == ["clientId", "clientSecret", "scope",
                                             "authorizeUri", "tokenUri"]
    assert kind.is_secret("clientSecret") and not kind.is_secret("clientId")
    scope = kind.field("scope")
    assert scope is not None and "auth/spreadsheets" in scope.default
    assert "auth/gmail.modify" in scope.default and "auth/documents" in scope.default


def test_sheets_and_gmail_intake_export_runs_on_a_pkce_authorized_connection(
        fake_google: FakeGoogle, browser: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    ws = ("--data-dir", str(tmp_path / "ws"))
    header = ["Timestamp", "Name?", "Email?", "Company?", "Category?", "Priority?", "Message?",
              "Status", "Destination Team", "Notification Channel", "Notified At", "Notes"]
    sid = fake_google.add_spreadsheet("DigitalSheet", {
        "Form Responses 1": [
            header,
            ["2024-01-02 09:55:00", "Ada", "ada@example.com", "Analytical", "Lead", "Urgent",
             "Need help"],
            ["2024-01-02 10:00:00", "Ada", "ada@example.com", "Analytical", "Lead", "Urgent",
             "Need help"]],
        "Sheet1": [["Name", "EMAIL", "COMPANY"]]}, sid="SPREADSHEET_ID_PLACEHOLDER")
    connection_id = connect(capsys, fake_google, ws, "CONNECTION_PLACEHOLDER")

    # authorization code with PKCE through the loopback redirect, offline access
    [url] = browser
    query = dict(parse_qsl(urlsplit(url).query))
    assert url.startswith(f"{fake_google.url}/o/oauth2/v2/auth?access_type=offline")
    assert query["redirect_uri"].startswith("http://127.0.0.1:")
    assert "https://www.googleapis.com/auth/spreadsheets" in query["scope"].split()
    [exchange] = fake_google.token_requests
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"]
    assert exchange["client_secret"] == fake_google.client_secret

    # run 1: rows 2 and 3 (the trigger's limit); row 3 repeats row 2 within ten minutes
    blueprint = export(INTAKE)  # unchanged
    report, out1, err1 = run(capsys, tmp_path, blueprint, ws)
    assert report["modules"]["1"]["operations"] == 1
    rows = fake_google.sheets[sid]["tabs"]["Form Responses 1"]
    assert rows[2][7] == "Urgent Sent" and rows[2][9] == "Email"
    assert rows[2][8] == "TEAM Lead" and rows[2][11].startswith("The Team Lead")
    assert len(rows[1]) == 7  # row 2 had no earlier duplicate: the search stopped its route
    assert sent_subjects(fake_google) == ["[URGENT][Lead]New request from Ada - Analytical"]
    search = [r for r in fake_google.requests
              if unquote(r.path).endswith("'Form Responses 1'!A1:CZ")]
    assert search and search[0].query["valueRenderOption"] == "FORMATTED_VALUE"
    assert all(r.headers.get("authorization") == f"Bearer {fake_google.access_token}"
               for r in fake_google.requests if r.path not in ("/token", "/o/oauth2/v2/auth"))

    # run 2: an invalid row: logged to Sheet1 and marked
    rows.append(["2024-01-02 10:05:00", "Grace", "", "Navy", "Support", "Normal", "Hi"])
    run(capsys, tmp_path, blueprint, ws)
    assert fake_google.sheets[sid]["tabs"]["Sheet1"][1][:2] == ["Grace", ""]
    assert fake_google.sheets[sid]["tabs"]["Sheet1"][1][6:8] == [
        "INVALID ", "MISSING WHEN OF THE KEY FIELDS"]
    assert rows[3][7] == "Invalid " and rows[3][8] == "NAN"

    # run 3: Google revoked the token meanwhile; the 401 renews it and the run goes on
    fake_google.rotate()
    for minute in ("10:01", "10:04"):  # the second repeats the first
        rows.append([f"2024-01-02 {minute}:00", "Bo", "bo@example.com", "Bo & Co", "Lead",
                     "Normal", "Price list?"])
    _, out3, err3 = run(capsys, tmp_path, blueprint, ws)
    assert [f["grant_type"] for f in fake_google.token_requests] == [
        "authorization_code", "refresh_token"]
    assert len(rows[4]) == 7 and rows[5][7] == "Sent to Lead" and rows[5][8] == "Team Lead"
    assert sent_subjects(fake_google)[-1] == "[Lead] New inquiry from Bo - Bo & Co"
    stored = ConnectionStore(tmp_path / "ws").require(connection_id)
    assert stored.secret_data["accessToken"] == fake_google.access_token
    assert stored.secret_data["refreshToken"] == fake_google.refresh_token
    secrets = [fake_google.client_secret, fake_google.refresh_token, fake_google.access_token,
               "ya29.fake-access-1"]
    assert leaks(secrets, tmp_path / "ws", [("report 1", out1), ("stderr 1", err1),
                                            ("report 3", out3), ("stderr 3", err3)]) == []


def test_a_token_about_to_expire_is_renewed_before_the_run(
        fake_google: FakeGoogle, browser: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    ws = ("--data-dir", str(tmp_path / "ws"))
    fake_google.add_spreadsheet("Leads", {"Sheet1": [["Name"]]}, sid="1Leads")
    connection_id = connect(capsys, fake_google, ws, "37142")
    store = ConnectionStore(tmp_path / "ws")
    connection = store.require(connection_id)
    kind = find_type("google", _loaded(tmp_path))
    soon = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
    store.update(connection, kind, data={**connection.data, **connection.secret_data,
                                         "expires": soon})
    blueprint = {"name": "Add a lead", "flow": [{
        "id": 1, "module": "google-sheets:addRow", "version": 2,
        "parameters": {"__IMTCONN__": 37142},
        "mapper": {"mode": "map", "spreadsheetId": "1Leads", "sheetId": "Sheet1",
                   "includesHeaders": True, "values": {"0": "Linus"}}}]}
    run(capsys, tmp_path, blueprint, ws)
    assert [f["grant_type"] for f in fake_google.token_requests] == [
        "authorization_code", "refresh_token"]
    [append] = [r for r in fake_google.requests if r.method == "POST" and "append" in r.path]
    assert append.headers["authorization"] == f"Bearer {fake_google.access_token}"
    assert fake_google.sheets["1Leads"]["tabs"]["Sheet1"][1] == ["Linus"]


def _loaded(tmp_path: Path) -> Any:
    from engine.apps import discover_apps

    return discover_apps(tmp_path / "ws", entry_points=False)


def test_gmail_invoice_export_watches_iterates_attachments_and_replies(
        fake_google: FakeGoogle, browser: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.connectors.test_google_email import PDF, invoice_mail

    ws = ("--data-dir", str(tmp_path / "ws"))
    connect(capsys, fake_google, ws, "4607190", "3640429")
    mid = fake_google.add_message(invoice_mail("Invoice 42"))
    fake_google.add_message(invoice_mail("Lunch?"), ["INBOX"])
    # Gemini's two modules are left out (the whole export, Gemini included, runs in
    # test_corpus_exports.py): without their verdict the router takes its fallback route.
    blueprint = export(INVOICES, keep={9, 10, 12, 21, 13})
    report, _, _ = run(capsys, tmp_path, blueprint, ws)
    assert report["modules"]["10"]["outputs"][0]["filename"] == "invoice.pdf"
    assert report["modules"]["10"]["operations"] == 1
    [listing] = [r for r in fake_google.requests if r.path == "/gmail/v1/users/me/messages"]
    assert listing.query["q"] == "subject:invoice has:attachment"
    [reply] = [m for m in fake_google.messages.values() if m.labels == ["SENT"]]
    message = message_from_bytes(reply.raw, policy=email_policy)
    assert message["Subject"] == "Re: Invoice 42" and reply.thread_id == f"t{mid}"
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    body = message.get_body(("html",))
    assert body is not None and "Hi Ada Lovelace ," in body.get_content()
    assert report["modules"]["10"]["outputs"][0]["fileSize"] == len(PDF)


def test_drive_content_export_uploads_shares_and_logs_the_link(
        fake_google: FakeGoogle, browser: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    ws = ("--data-dir", str(tmp_path / "ws"))
    connect(capsys, fake_google, ws, "5969987", "5969854")
    sid = fake_google.add_spreadsheet("Ideas", {"Hoja 1": [
        ["Fecha", "Red", "Texto", "Imagen", "Estado", "Publicada"],
        ["2024-01-02", "Instagram", "Post about automation"]]},
        sid="1NwwCLUuXfhvDboD8lUtbPuCSaZrOZ7eKdzAV-Ay1qf4")
    log = fake_google.add_spreadsheet("Publicaciones", {"Hoja 1": [
        ["Fecha", "Red", "Texto", "Imagen", "Estado", "Publicada"]]},
        sid="1Y-cL9OU5_ZF4mYlMRjbVJJZUe-WYcWUwu0u-fDMe3mI")
    # Instagram, LinkedIn and Facebook are not Scenarist's; the OpenAI modules (the post and
    # its image) are left out with them, so the upload gets no image data from them, and
    # everything Google does with the file runs as exported.
    blueprint = export(CONTENT, keep={26, 2, 12, 13, 16})
    report, _, _ = run(capsys, tmp_path, blueprint, ws)
    [upload] = [r for r in fake_google.requests if r.path == "/upload/drive/v3/files"]
    assert upload.headers["content-type"].startswith("multipart/related")
    file_id = report["modules"]["12"]["outputs"][0]["id"]
    assert fake_google.files[file_id]["parents"] == ["1swWlUSAbrLGL7CSsEakJEjukChF-fb5N"]
    [permission] = fake_google.permissions[file_id]
    assert permission["type"] == "anyone" and permission["role"] == "reader"
    shared = report["modules"]["13"]["outputs"][0]
    assert shared["fileId"] == file_id and shared["webContentLink"]
    assert len(fake_google.sheets[sid]["tabs"]["Hoja 1"]) == 2
    logged = fake_google.sheets[log]["tabs"]["Hoja 1"][1]
    assert logged[1] == "Instagram" and logged[4:] == ["Pendiente de aprobación", "No publicada"]
    assert logged[3] == f"https://drive.google.com/uc?export=download&id={file_id}"


def test_docs_certificate_export_copies_the_template_and_exports_it(
        fake_google: FakeGoogle, browser: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    ws = ("--data-dir", str(tmp_path / "ws"))
    connect(capsys, fake_google, ws, "6615473", "6285186")
    template = fake_google.add_document(
        "Certificate", "{{student_name}} completed {{course_name}} on {{completion_date}}.",
        did="1Ogl9QNFLF91GfTSdXLDcBVkCLMu0gJtt3HnpU8_Svtw")
    sid = fake_google.add_spreadsheet("Students", {"Sheet1": [
        ["Name", "Email", "Course", "Progress", "Last activity", "Days inactive", "Status"],
        ["Ada", "ada@example.com", "Analysis", "100", "2024-01-01", "0", "Completed"]]},
        sid="1b_N_l3DEBAgzgcKoFZG4D8alyvYXZijjX1yEzMzN39Y")
    # DocuSign and HubSpot are not Scenarist's, so the export can't run whole; of the
    # certificate route, its Google modules run as exported.
    blueprint = export(STUDENTS, keep={2, 3, 24, 25, 20})
    report, _, _ = run(capsys, tmp_path, blueprint, ws)
    copies = [d for i, d in fake_google.documents.items() if i != template]
    [copy] = copies
    assert copy["text"].startswith("Ada completed Analysis on ")
    assert fake_google.files[template]["mimeType"] == DOCUMENT_MIME
    export_out = report["modules"]["25"]["outputs"][0]
    assert export_out["filename"] == "Certificate.pdf"
    [request] = [r for r in fake_google.requests if r.path.endswith("/export")]
    assert request.query["mimeType"] == "application/pdf"
    row = fake_google.sheets[sid]["tabs"]["Sheet1"][1]
    assert row[6] == "Completed" and len(row) == 10  # column J: today's date


def test_the_legacy_gmail_module_finds_its_account_and_renews_it_on_a_401(
        fake_google: FakeGoogle, browser: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    ws = ("--data-dir", str(tmp_path / "ws"))
    connect(capsys, fake_google, ws, "5969854")
    fake_google.rotate()  # revoked: the first send answers 401
    blueprint = {"name": "Mail", "flow": [{
        "id": 9, "module": "google-email:ActionSendEmail", "version": 2,
        "parameters": {"account": 5969854},
        "mapper": {"cc": [], "to": ["lead@example.com"], "bcc": [], "from": "",
                   "html": "<p>Hola</p>", "subject": "Propuesta", "attachments": []}}]}
    run(capsys, tmp_path, blueprint, ws)
    assert sent_subjects(fake_google) == ["Propuesta"]
    assert [f["grant_type"] for f in fake_google.token_requests] == [
        "authorization_code", "refresh_token"]
