"""Real corpus exports that use only apps Scenarist has, run by `scenarist run` exactly as
exported (the file's bytes, read from the shared corpus) against the local fakes, with
connections made on the command line (`--make-id` maps each export's `__IMTCONN__`):

- the invoice compliance check (Gmail Watch Emails → List Attachments → Gemini Upload a
  File → Gemini Generate a response → router: a compliant invoice is uploaded to Google
  Drive, any other gets a reply in its Gmail thread);
- the human-in-the-loop lead safeguard's review follow-up (Airtable Watch Records →
  if/else on the reviewer's decision → Gmail, Airtable and Slack).

Each test checks what a user would: the requests each service got (method, path, auth,
body), the run's status and module outputs, and that no secret reaches the workspace or
the report."""

from __future__ import annotations

import json
import re
import threading
import webbrowser
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from engine.connections import ConnectionStore
from tests.connectors.corpus import CORPUS
from tests.connectors.test_google_cli import connect as google_connect
from tests.secrets.scan import leaks
from tests.support import fake_airtable as airtable_support
from tests.support import fake_slack as slack_support
from tests.support import fake_telegram as telegram_support
from tests.support.fake_airtable import DEFAULT_TOKEN as AIRTABLE_TOKEN
from tests.support.fake_airtable import FakeAirtable
from tests.support.fake_gemini import DEFAULT_KEY as GEMINI_KEY
from tests.support.fake_gemini import serve_fake_gemini
from tests.support.fake_google import FOLDER_MIME, FakeGoogle
from tests.support.fake_slack import FakeSlack
from tests.support.fake_telegram import FakeTelegram
from tests.support.mail_servers import IGNORE_AUTH_WARNING, smtp_server

fake_slack = slack_support.fake_slack
fake_airtable = airtable_support.fake_airtable
fake_telegram = telegram_support.fake_telegram

COMPLIANCE = "sadeedameen__make-automation-blueprints__finance__invoice-compliance-automation__blueprint.json"  # noqa: E501
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def exported(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip("the shared corpus is not here")
    return path


def run(capsys: pytest.CaptureFixture[str], path: Path, ws: tuple[str, ...],
        *more: str) -> tuple[dict[str, Any], str, str]:
    code, out, err = cli(capsys, "run", str(path), "--report", "json", *more, *ws)
    assert code == 0, (err, out[-2000:])
    report: dict[str, Any] = json.loads(out)
    assert report["status"] == "success", report
    return report, out, err


def operations(report: dict[str, Any], *modules: int) -> dict[int, int]:
    return {m: report["modules"].get(str(m), {}).get("operations", 0) for m in modules}


def invoice_mail(subject: str, sender: str, filename: str) -> bytes:
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = subject, sender, "ap@abc.example"
    mail["Message-ID"] = f"<{filename}@supplier.example>"
    mail.set_content("Please find our invoice attached.")
    mail.add_attachment(PDF, maintype="application", subtype="pdf", filename=filename)
    return mail.as_bytes()


VERDICTS = {
    "INV-1042.pdf": {"Invoice No": "INV-1042", "Invoice Date": "2026-02-27",
                     "Supplier Name": "Desert Supplies LLC", "Item": "Paper",
                     "Item Description": "A4 paper, 50 reams", "Taxable Amount": 1000,
                     "Tax Amount": 50, "Total Amount": 1050, "Currency": "AED",
                     "status": "Pass", "issues_found": [], "explanation": "Compliant."},
    "INV-7.pdf": {"Invoice No": "INV-7", "Invoice Date": "2026-03-01",
                  "Supplier Name": "Oasis Trading", "Item": "Chairs",
                  "Item Description": "Office chairs", "Taxable Amount": 2000,
                  "Tax Amount": 200, "Total Amount": 2200, "Currency": "AED",
                  "status": "Fail",
                  "issues_found": ["Supplier TRN missing", "VAT charged at 10% instead of 5%"],
                  "explanation": "The TRN is missing and the VAT rate is wrong."},
}


def test_the_invoice_compliance_export_uploads_a_compliant_invoice_to_drive_and_replies_to_others(  # noqa: E501
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_google: FakeGoogle,
        browser: list[str]) -> None:
    path = exported(COMPLIANCE)  # run as it is: no placeholder to fill in
    blueprint = json.loads(path.read_text())
    gmail_ref, gemini_ref = (str(blueprint["flow"][i]["parameters"]["__IMTCONN__"])
                             for i in (0, 2))
    drive_ref = str(blueprint["flow"][4]["routes"][0]["flow"][0]["parameters"]["__IMTCONN__"])
    folder = "1h0Hh2bdCwj8XcXZFwqXpj68E1r68Q-v4"  # "AI Automation", the export's folder
    fake_google.add_file("AI Automation", FOLDER_MIME, fid=folder)
    workspace = tmp_path / "ws"
    ws = ("--data-dir", str(workspace))

    def verdict(body: dict[str, Any]) -> str:
        [part] = body["contents"][0]["parts"]
        uri = part["file_data"]["file_uri"]
        return json.dumps(VERDICTS[gemini.files[uri]["displayName"]])

    with serve_fake_gemini() as gemini:
        gemini.reply = verdict
        code, _, err = cli(capsys, "connections", "add", "gemini-ai", "--name", "Gemini",
                           "--set", f"apiKey={GEMINI_KEY}", "--base-url", gemini.url,
                           "--make-id", gemini_ref, *ws)
        assert code == 0, err
        google_connect(capsys, fake_google, ws, gmail_ref, drive_ref)

        # run 1: a compliant invoice goes to the Drive folder; nobody gets a reply
        fake_google.add_message(invoice_mail("Invoice INV-1042", "Desert Supplies "
                                             "<billing@desert.example>", "INV-1042.pdf"))
        report, out1, err1 = run(capsys, path, ws)
        assert operations(report, 9, 10, 3, 4, 21, 13) == {9: 1, 10: 1, 3: 1, 4: 1, 21: 1,
                                                           13: 0}
        assert report["modules"]["4"]["outputs"][0]["result"] == VERDICTS["INV-1042.pdf"]
        start, upload, generate = gemini.requests
        assert (start.method, start.path) == ("POST", "/upload/v1beta/files")
        assert start.headers["x-goog-api-key"] == GEMINI_KEY
        assert upload.body == PDF
        request = generate.json()
        assert generate.path == "/v1beta/models/gemini-2.5-flash:generateContent"
        assert "UAE VAT" in request["system_instruction"]["parts"][0]["text"]
        [file] = gemini.files.values()
        assert request["contents"] == [{"role": "user", "parts": [{"file_data": {
            "file_uri": file["uri"], "mime_type": "application/pdf"}}]}]
        [uploads] = [r for r in fake_google.requests if r.path == "/upload/drive/v3/files"]
        assert uploads.method == "POST" and uploads.query["uploadType"] == "multipart"
        assert uploads.headers["authorization"] == f"Bearer {fake_google.access_token}"
        stored = report["modules"]["21"]["outputs"][0]
        assert fake_google.files[stored["id"]]["parents"] == [folder]
        assert fake_google.files[stored["id"]]["name"] == "INV-1042.pdf"
        assert fake_google.contents[stored["id"]] == PDF
        assert not [m for m in fake_google.messages.values() if m.labels == ["SENT"]]

        # run 2: a non-compliant invoice: the supplier gets a reply listing the issues
        mid = fake_google.add_message(invoice_mail("Invoice INV-7", "Oasis Trading "
                                                   "<accounts@oasis.example>", "INV-7.pdf"))
        report, out2, err2 = run(capsys, path, ws)
        assert operations(report, 9, 10, 3, 4, 21, 13) == {9: 1, 10: 1, 3: 1, 4: 1, 21: 0,
                                                           13: 1}
        [reply] = [m for m in fake_google.messages.values() if m.labels == ["SENT"]]
        assert reply.thread_id == f"t{mid}"
        message = message_from_bytes(reply.raw, policy=email_policy)
        assert message["Subject"] == "Re: Invoice INV-7"
        assert message["To"] == "Oasis Trading <accounts@oasis.example>"
        assert message["In-Reply-To"] == "<INV-7.pdf@supplier.example>"
        body = message.get_body(("plain",))
        assert body is not None
        text = body.get_content().replace("\r\n", "\n")
        assert text.startswith("Hi Oasis Trading ,\n\nThank you for sharing invoice")
        assert "processing:\nSupplier TRN missing, VAT charged at 10% instead of 5%\n" in text
        # the contents' "image" (the invoice) is embedded in the HTML body
        [inline] = [p for p in message.walk() if p.get_filename() == "INV-7.pdf"]
        assert inline.get_content_disposition() == "inline" and inline.get_content() == PDF
        html = message.get_body(("html",))
        assert html is not None and f'src="cid:{inline["Content-ID"][1:-1]}"' in \
            html.get_content()
        assert len([r for r in fake_google.requests
                    if r.path == "/upload/drive/v3/files"]) == 1
    assert leaks([GEMINI_KEY, fake_google.client_secret, fake_google.access_token,
                  fake_google.refresh_token], workspace,
                 [("report 1", out1), ("stderr 1", err1), ("report 2", out2),
                  ("stderr 2", err2)]) == []


# --- the lead safeguard's review follow-up (Slack, Airtable, Gmail) ---------------------

FOLLOW_UP = "6302Mohamed__make-automation-projects__project-03-human-in-the-loop-lead-safeguard__blueprints__scenario-2-human-review-followup-sanitized.json"  # noqa: E501
BASE, REVIEWS, LEADS, LOG, DRAFTS = ("appLeadSafeguard1", "tblReviewApprove", "tblLeads0000001",
                                     "tblMessageLog001", "tblAIDrafts00001")
ALERTS, ERRORS = "C07LEADALERT", "C07LEADERROR"
REVIEWER = "reviews@agency.example"
# The export is sanitized: it marks what its author's account had as placeholders, which the
# user fills in with their own. Filled in here: the Airtable base, tables and view, the Slack
# channels and the reviewer's address. Left as they are: the connection and keychain ids
# (<CONN_01>..<CONN_05>, <KEYCHAIN_01>), which `--make-id` maps, the data structures (only on
# routes this test doesn't take) and the placeholders inside message texts.
FILLED_IN = {"<BASE_01>": BASE, "<TABLE_01>": REVIEWS, "<TABLE_02>": LEADS, "<TABLE_03>": LOG,
             "<TABLE_04>": DRAFTS, "<VIEW_01>": "viwDecisionProc01", "<CHANNEL_01>": ERRORS,
             "<CHANNEL_02>": ALERTS, "<EMAIL_01>": REVIEWER}
LEAD_STATUS = ["Pending Review", "Sent", "Manual Follow-Up Required", "Rejected", "Error"]


def filled_in(path: Path, values: dict[str, str], into: Path) -> Path:
    """The export with each placeholder that is a whole JSON string replaced, every other
    byte as it was."""
    raw = path.read_text(encoding="utf-8")
    for placeholder, value in values.items():
        assert f'"{placeholder}"' in raw, placeholder
        raw = raw.replace(f'"{placeholder}"', json.dumps(value))
    into.write_text(raw, encoding="utf-8")
    return into


def lead_base(fake: Any) -> None:
    """The export's base: its field IDs where the export writes by ID, the names it reads."""
    def select(*names: str) -> dict[str, Any]:
        return {"type": "singleSelect", "options": {"choices": [
            {"id": f"sel{i:014d}", "name": n} for i, n in enumerate(names)]}}

    def lookup(name: str, field_in_leads: str) -> dict[str, Any]:
        return {"id": f"fldLk{field_in_leads[3:]}", "name": name,
                "type": "multipleLookupValues",
                "options": {"recordLinkFieldId": "fldH1HA440IFhuYaI",
                            "fieldIdInLinkedTable": field_in_leads, "isValid": True}}

    fake.add_base(BASE, "AI Lead Review & Follow-Up System")
    fake.add_table(BASE, LEADS, "Leads", [
        {"id": "fldLeadId0000001", "name": "Lead ID", "type": "autoNumber"},
        {"id": "fldFullName00001", "name": "Full Name", "type": "singleLineText"},
        {"id": "fldEmail00000001", "name": "Email", "type": "email"},
        {"id": "fldCompany000001", "name": "Company", "type": "singleLineText"},
        {"id": "fldService000001", "name": "Service Interest", "type": "singleLineText"},
        {"id": "fldContact000001", "name": "Preferred Contact Method", "type": "singleLineText"},
        {"id": "fldMessage000001", "name": "Original Message", "type": "multilineText"},
        {"id": "fld8wqAQdB0lKsrae", "name": "Lead Status", **select(*LEAD_STATUS)},
        {"id": "fldl89tnn6Fl1AFxk", "name": "Notes", "type": "multilineText"}])
    reviews = fake.add_table(BASE, REVIEWS, "Review & Approval", [
        {"id": "fldReviewId00001", "name": "Review ID", "type": "autoNumber"},
        {"id": "fldH1HA440IFhuYaI", "name": "Linked Lead", "type": "multipleRecordLinks",
         "options": {"linkedTableId": LEADS}},
        {"id": "fldGLolALKODyNjvt", "name": "Approval Status",
         **select("Pending Review", "Approved", "Rejected", "Needs Edit")},
        {"id": "fldY4OV4KHXrkT5LG", "name": "Approved Reply", "type": "multilineText"},
        {"id": "fldKGKnbxjp3dtvIQ", "name": "Reviewer Notes", "type": "multilineText"},
        {"id": "fldCreatedAt0001", "name": "Created At", "type": "createdTime"},
        lookup("Lead Email", "fldEmail00000001"), lookup("Lead Company", "fldCompany000001"),
        lookup("Lead Message", "fldMessage000001"),
        lookup("Preffered Contact", "fldContact000001"),
        lookup("Service Interest lead", "fldService000001")],
        views=[{"id": "viwGrid0000000001", "name": "Grid view", "type": "grid"},
               {"id": "viwDecisionProc01", "name": "Decision Processing", "type": "grid"}])
    reviews.view_filters["viwDecisionProc01"] = lambda fields: fields.get(
        "Approval Status") not in (None, "Pending Review")
    fake.add_table(BASE, LOG, "Message Log", [
        {"id": "fldLogName000001", "name": "Name", "type": "autoNumber"},
        {"id": "fld4oXRLjul6IwbOv", "name": "Linked Lead", "type": "multipleRecordLinks",
         "options": {"linkedTableId": LEADS}},
        {"id": "fldy6GV1eKOPJROiS", "name": "Linked Review", "type": "multipleRecordLinks",
         "options": {"linkedTableId": REVIEWS}},
        {"id": "fldqmi0hxajc8zATM", "name": "Channel",
         **select("Email", "WhatsApp", "Phone call", "Manual", "None")},
        {"id": "fldOzqksbSnSMPtdU", "name": "Final Message", "type": "multilineText"},
        {"id": "flddLOjldt5OKgORN", "name": "Sent Status",
         **select("Queued", "Sent", "Failed", "Cancelled")},
        {"id": "fldqXZE687mXhasVo", "name": "Sent At", "type": "dateTime"},
        {"id": "flduFN9K4AzVQAsQZ", "name": "Error Message", "type": "multilineText"}])
    fake.add_table(BASE, DRAFTS, "AI Drafts", [
        {"id": "fldDraftName0001", "name": "Name", "type": "singleLineText"}])


def sent_mail(fake: FakeGoogle) -> list[Any]:
    return [message_from_bytes(m.raw, policy=email_policy)
            for m in fake.messages.values() if m.labels == ["SENT"]]


def test_the_lead_review_follow_up_export_emails_logs_and_posts_to_slack(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_google: FakeGoogle,
        browser: list[str], fake_slack: FakeSlack, fake_airtable: FakeAirtable,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = filled_in(exported(FOLLOW_UP), FILLED_IN, tmp_path / "follow-up.blueprint.json")
    workspace = tmp_path / "ws"
    ws = ("--data-dir", str(workspace))
    lead_base(fake_airtable)
    fake_slack.add_channel(ALERTS, "lead-review-alerts")
    fake_slack.add_channel(ERRORS, "lead-review-errors")
    start = datetime.now(UTC) - timedelta(hours=2)
    leads = {}
    for i, (name, email, company, service, contact) in enumerate([
            ("Ada", "ada@lovelace.example", "Analytical Engines", "Website Redesign", "Email"),
            ("Grace", "grace@navy.example", "US Navy", "SEO Audit", "WhatsApp"),
            ("Linus", "", "Kernel Co", "Automation", ""),
            ("Alan", "alan@turing.example", "Bletchley", "Website Redesign", "Email"),
            ("Barbara", "barbara@liskov.example", "CLU Inc", "Consulting", "No preference")]):
        leads[name] = fake_airtable.add_record(BASE, LEADS, {
            "Full Name": name, "Email": email, "Company": company, "Service Interest": service,
            "Preferred Contact Method": contact, "Original Message": f"{name} needs help",
            "Lead Status": "Pending Review"}, start + timedelta(minutes=i))["id"]
    reviews = {}
    for i, (name, status, reply) in enumerate([
            ("Ada", "Approved", "Hi Ada,\nhere is our redesign proposal."),
            ("Grace", "Approved", "Hi Grace, we'll call you on WhatsApp."),
            ("Linus", "Approved", "Hi Linus, thanks for reaching out."),
            ("Alan", "Needs Edit", "Hi Alan, ..."),
            ("Barbara", "Approved", "Hi Barbara, happy to help.")]):
        reviews[name] = fake_airtable.add_record(BASE, REVIEWS, {
            "Linked Lead": [leads[name]], "Approval Status": status, "Approved Reply": reply},
            start + timedelta(minutes=10 + i))["id"]
    fake_airtable.add_record(BASE, REVIEWS, {"Linked Lead": [leads["Ada"]],
                                             "Approval Status": "Pending Review"})

    # connections: Airtable (a personal access token, three ids in the export), Slack (the
    # user's Slack app, OAuth with PKCE), Gmail (Google, OAuth with PKCE), the Groq key the
    # HTTP modules name (its routes are not taken here, but a run needs every connection)
    code, out, err = cli(capsys, "connections", "add", "airtable:token", "--name", "Airtable",
                         "--set", f"token={AIRTABLE_TOKEN}", "--base-url", fake_airtable.url,
                         "--make-id", "<CONN_01>", "--json", *ws)
    assert code == 0, err
    for make_id in ("<CONN_02>", "<CONN_04>"):
        code, _, err = cli(capsys, "connections", "edit", json.loads(out)["id"], "--make-id",
                           make_id, *ws)
        assert code == 0, err
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: threading.Thread(
        target=(fake_slack.browser if url.startswith(fake_slack.url) else fake_google.consent),
        args=(url,), daemon=True).start() or True)
    code, out, err = cli(capsys, "connections", "add", "slack:slack2", "--name", "Slack",
                         "--set", f"clientId={fake_slack.client_id}",
                         "--set", f"clientSecret={fake_slack.client_secret}",
                         "--base-url", fake_slack.url, "--make-id", "<CONN_03>",
                         "--timeout", "20", "--json", *ws)
    assert code == 0, err
    slack = ConnectionStore(workspace).require(json.loads(out)["id"])
    user_token = slack.secret_data["accessToken"]
    google_connect(capsys, fake_google, ws, "<CONN_05>")
    code, _, err = cli(capsys, "connections", "add", "http:apikeyauth", "--name", "Groq",
                       "--set", "key=gsk_groq-key-5d1e", "--set", "name=Authorization",
                       "--make-id", "<KEYCHAIN_01>", *ws)
    assert code == 0, err

    report, out1, err1 = run(capsys, path, ws)
    ran = {int(m) for m, out in report["modules"].items() if out["operations"]}
    assert ran == {1, 3, 64, 65, 66, 151,  # the watch, then the if/else on each review
                   72, 83, 84, 85,  # Ada: e-mail, lead Sent, log, Slack
                   71, 80, 82,  # Grace: Slack (WhatsApp is manual), lead, log
                   67, 92, 78,  # Linus: Slack (no contact at all), lead, log
                   51, 53, 108, 109,  # Alan: the reviewer is asked for notes, back to review
                   160, 161, 169, 162}  # Barbara: e-mail, lead Sent, log, Slack
    assert report["modules"]["1"]["operations"] == 1 and report["warnings"] == []
    assert [b["Review ID"] for b in report["modules"]["1"]["outputs"]] == [1, 2, 3, 4, 5]
    [watch] = fake_airtable.calls("POST", "/listRecords")
    assert watch.path == f"/v0/{BASE}/{REVIEWS}/listRecords"
    assert watch.json()["view"] == "viwDecisionProc01"
    assert watch.headers["authorization"] == f"Bearer {AIRTABLE_TOKEN}"

    # Gmail: Ada (asked for e-mail) and Barbara (no preference) get the approved reply; the
    # reviewer is asked for the notes Alan's review lacks
    mails = {str(m["To"]): m for m in sent_mail(fake_google)}
    assert set(mails) == {"ada@lovelace.example", "barbara@liskov.example", REVIEWER}
    assert mails["ada@lovelace.example"]["Subject"] == "Your Website Redesign follow-up"
    body = mails["ada@lovelace.example"].get_body(("html",))
    assert body is not None and "Hi Ada,<br>here is our redesign proposal." in \
        body.get_content()
    assert mails["barbara@liskov.example"]["Subject"] == "Consulting follow-up"
    assert mails[REVIEWER]["Subject"] == "Reviewer notes required for lead draft revision"
    assert all(r.headers["authorization"] == f"Bearer {fake_google.access_token}"
               for r in fake_google.calls("POST", "/gmail/v1/users/me/messages/send"))

    # Airtable: each lead's status, one Message Log row per lead contacted or queued
    status = {r["fields"]["Full Name"]: (r["fields"]["Lead Status"], r["fields"].get("Notes"))
              for r in fake_airtable.records(BASE, LEADS)}
    assert status == {
        "Ada": ("Sent", "Approved reply sent by email."),
        "Grace": ("Manual Follow-Up Required", "Lead requested WhatsApp follow-up. Approved "
                  "reply is ready. Human follow-up required."),
        "Linus": ("Manual Follow-Up Required", "Approved, but no preferred contact method or "
                  "usable email address was available. Human follow-up required."),
        "Alan": ("Pending Review", "Reviewer selected Needs Edit but did not provide revision "
                 "notes. Reviewer was notified to add instructions."),
        "Barbara": ("Sent", "Approved reply sent by email because no preferred contact "
                    "method was chosen.")}
    log = {tuple(r["fields"]["Linked Lead"]): r["fields"]
           for r in fake_airtable.records(BASE, LOG)}
    assert {lead: (f["Channel"], f["Sent Status"], f.get("Linked Review"))
            for lead, f in log.items()} == {
        (leads["Ada"],): ("Email", "Sent", [reviews["Ada"]]),
        (leads["Grace"],): ("WhatsApp", "Queued", [reviews["Grace"]]),
        (leads["Linus"],): ("Manual", "Queued", [reviews["Linus"]]),
        (leads["Barbara"],): ("Email", "Sent", [reviews["Barbara"]])}
    assert log[(leads["Ada"],)]["Final Message"] == "Hi Ada,\nhere is our redesign proposal."
    assert log[(leads["Ada"],)]["Sent At"].startswith(str(datetime.now(UTC).year))
    [alan] = [r for r in fake_airtable.records(BASE, REVIEWS) if r["id"] == reviews["Alan"]]
    assert alan["fields"]["Approval Status"] == "Pending Review"
    created = fake_airtable.calls("POST", f"/v0/{BASE}/{LOG}")
    assert [r.json()["typecast"] for r in created] == [False] * 4
    assert created[0].json()["fields"]["fld4oXRLjul6IwbOv"] == [leads["Ada"]]

    # Slack: the four alerts, in the alerts channel, as the user who authorized Scenarist
    posts = fake_slack.called("chat.postMessage")
    assert [p["channel"] for p, _ in posts] == [ALERTS] * 4
    assert all(token == user_token for _, token in posts)
    texts = [p["text"] for p, _ in posts]
    assert texts[0].startswith("\u2705 Approved reply sent\n\nReview ID: 1\n"
                               "Service Interest: Website Redesign\nChannel: Email")
    assert texts[1].startswith("\U0001f4cc Manual WhatsApp follow-up required")
    assert "Approved reply:\r\nHi Grace, we'll call you on WhatsApp." in texts[1]
    assert "Review ID: 3" in texts[2] and "Review ID: 5" in texts[3]
    assert all(p["mrkdwn"] == "true" and "parse" not in p for p, _ in posts)
    assert [m["text"] for m in fake_slack.messages[ALERTS]] == texts
    assert report["modules"]["85"]["outputs"][0]["channel"] == ALERTS

    # run 2: nothing new in the view: nothing is sent again
    report, out2, err2 = run(capsys, path, ws)
    assert report["modules"]["1"]["operations"] == 1 and len(sent_mail(fake_google)) == 3
    assert len(fake_slack.called("chat.postMessage")) == 4
    secrets = [AIRTABLE_TOKEN, fake_slack.client_secret, user_token,
               slack.secret_data["refreshToken"], fake_google.client_secret,
               fake_google.access_token, fake_google.refresh_token, "gsk_groq-key-5d1e"]
    assert leaks(secrets, workspace, [("report 1", out1), ("stderr 1", err1),
                                      ("report 2", out2), ("stderr 2", err2)]) == []


# --- the e-commerce order processing (Sheets, Airtable, e-mail, Slack, Telegram) -------

ORDERS = "6302Mohamed__make-automation-projects__project-02-ecommerce-order-processing__project-02-blueprint-sanitized-reference.json"  # noqa: E501
SHEETS = {3: "1InvalidOrders", 6: "1Duplicates", 7: "1Orders", 11: "1Orders", 20: "1Orders",
          15: "1OrderItems"}
SALES, ORDER_ERRORS, TELEGRAM_CHAT = "C07SALESORDER", "C07ORDERERROR", -1002211334455
INVOICES = ("appOrderLab000001", "tblInvoices000001")


def filled_in_modules(raw: str, values: dict[tuple[int, str], str]) -> str:
    """Fill in, for one module each, the first `"key": "…PLACEHOLDER"` after its id (its
    parameters, then its mapper, come before its metadata)."""
    for (module_id, key), value in values.items():
        start = raw.index(f'"id": {module_id},')
        found = re.compile(rf'"{key}": "[A-Z_]*PLACEHOLDER"').search(raw, start)
        assert found is not None, (module_id, key)
        raw = raw[:found.start()] + f'"{key}": {json.dumps(value)}' + raw[found.end():]
    return raw


def node(blueprint: dict[str, Any], module_id: int) -> dict[str, Any]:
    def walk(flow: list[dict[str, Any]]) -> Any:
        for module in flow:
            if module["id"] == module_id:
                return module
            for inner in [module.get("onerror") or [],
                          *[r["flow"] for r in module.get("routes") or []]]:
                found = walk(inner)
                if found is not None:
                    return found
        return None

    return walk(blueprint["flow"])  # type: ignore[no-any-return]


def order(order_id: str | None, **more: Any) -> dict[str, Any]:
    body = {"order_id": order_id, "order_timestamp": "2026-03-02T10:15:00Z",
            "customer_name": "Ada Lovelace", "customer_email": "ada@lovelace.example",
            "payment_status": "paid", "total_amount": 129.5, "line_items": [
                {"item_id": "LI-1", "product_name": "Difference Engine kit", "sku": "DE-1",
                 "quantity": 1, "unit_price": 99.5, "line_total": 99.5},
                {"item_id": "LI-2", "product_name": "Punched cards", "sku": "PC-100",
                 "quantity": 3, "unit_price": 10, "line_total": 30}], **more}
    return {"body": {k: v for k, v in body.items() if v is not None}, "headers": {},
            "method": "POST"}


@pytest.mark.filterwarnings(IGNORE_AUTH_WARNING)
def test_the_order_processing_export_logs_invoices_mails_and_notifies(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_google: FakeGoogle,
        browser: list[str], fake_slack: FakeSlack, fake_airtable: FakeAirtable,
        fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    # The export is sanitized, and its placeholders stand for what the user fills in: every
    # module's connection is one CONNECTION_PLACEHOLDER, whatever its app, so the Slack,
    # Airtable and Telegram modules get theirs (the Google Sheets modules keep it, mapped
    # by `--make-id`); each Google Sheets module gets its spreadsheet (the author's sheet
    # names are in the metadata: Invalid_Orders, Duplicates, Orders, Order_Items); the Slack
    # modules their channels (sales-orders, order-errors); the Airtable base and table and
    # the Telegram chat. The webhook and the e-mail account are left as exported (`--input`
    # gives the request, `--make-id` maps the account).
    raw = filled_in_modules(exported(ORDERS).read_text(encoding="utf-8"), {
        **{(m, "__IMTCONN__"): "slack-orders" for m in (21, 17)},
        (26, "__IMTCONN__"): "airtable-orders", (23, "__IMTCONN__"): "telegram-orders",
        **{(m, "spreadsheetId"): sid for m, sid in SHEETS.items()},
        (17, "channel"): SALES, (21, "channel"): ORDER_ERRORS,
        (26, "base"): INVOICES[0], (26, "table"): INVOICES[1],
        (23, "chatId"): str(TELEGRAM_CHAT)})
    path = tmp_path / "orders.blueprint.json"
    path.write_text(raw, encoding="utf-8")
    blueprint = json.loads(raw)
    assert [node(blueprint, m)["mapper"]["spreadsheetId"] for m in SHEETS] == list(
        SHEETS.values())
    workspace = tmp_path / "ws"
    ws = ("--data-dir", str(workspace))
    for sid, name, header in [
            ("1InvalidOrders", "Invalid_Orders", ["received_at", "raw_order_id",
                                                  "customer_name", "customer_email",
                                                  "validation_reason"]),
            ("1Duplicates", "Duplicates", ["OrderID", "order_timestamp", "customer_name",
                                           "customer_email", "total_amount", "detected_at",
                                           "duplicate_reason"]),
            ("1Orders", "Orders", ["OrderID", "order_timestamp", "customer_name",
                                   "customer_email", "payment_status", "total_amount",
                                   "item_count", "processed_at", "processing_status",
                                   "notification_status"]),
            ("1OrderItems", "Order_Items", ["OrderID", "item_id", "product_name", "sku",
                                            "quantity", "unit_price", "line_total",
                                            "logged_at"])]:
        fake_google.add_spreadsheet(name, {"Sheet1": [header]}, sid=sid)
    fake_airtable.add_base(INVOICES[0], "Order Processing Lab")
    fake_airtable.add_table(INVOICES[0], INVOICES[1], "Invoices", [
        {"id": "fldcBg7KmhgPfR4kR", "name": "invoice_id", "type": "singleLineText"},
        {"id": "fld35wkcSwN7m3gLY", "name": "order_id", "type": "singleLineText"},
        {"id": "fldB9TDVm9EBscWs0", "name": "customer_name", "type": "singleLineText"},
        {"id": "fld69xAIo3GNtO4yO", "name": "customer_email", "type": "email"},
        {"id": "fldKKhEUR2JBoq2UC", "name": "invoice_amount", "type": "currency"},
        {"id": "fld9NBrStSvpIdqjO", "name": "invoice_status", "type": "singleSelect",
         "options": {"choices": [{"id": f"sel{n}", "name": n}
                                 for n in ("generated", "Paid", "Unpaid", "Overdue")]}},
        {"id": "fldNOPAURcFybM4hA", "name": "generated_at", "type": "dateTime"}])
    fake_slack.add_channel(SALES, "sales-orders")
    fake_slack.add_channel(ORDER_ERRORS, "order-errors")
    fake_telegram.add_chat(TELEGRAM_CHAT, "supergroup", title="Order alerts")

    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: threading.Thread(
        target=(fake_slack.browser if url.startswith(fake_slack.url) else fake_google.consent),
        args=(url,), daemon=True).start() or True)
    google_connect(capsys, fake_google, ws, "CONNECTION_PLACEHOLDER")
    code, out, err = cli(capsys, "connections", "add", "slack:slack2", "--name", "Slack",
                         "--set", f"clientId={fake_slack.client_id}",
                         "--set", f"clientSecret={fake_slack.client_secret}",
                         "--base-url", fake_slack.url, "--make-id", "slack-orders",
                         "--timeout", "20", "--json", *ws)
    assert code == 0, err
    slack = ConnectionStore(workspace).require(json.loads(out)["id"])
    for app, values, make_id, url in [
            ("airtable:token", {"token": AIRTABLE_TOKEN}, "airtable-orders",
             fake_airtable.url),
            ("telegram", {"token": fake_telegram.token}, "telegram-orders", fake_telegram.url)]:
        sets = [part for k, v in values.items() for part in ("--set", f"{k}={v}")]
        code, _, err = cli(capsys, "connections", "add", app, "--name", app, *sets,
                           "--base-url", url, "--make-id", make_id, *ws)
        assert code == 0, err
    with smtp_server(user="shop@agency.example", password="smtp-pass-41c9") as smtp:
        code, _, err = cli(capsys, "connections", "add", "email", "--name", "Shop mail",
                           "--set", "host=127.0.0.1", "--set", f"port={smtp.port}",
                           "--set", "user=shop@agency.example", "--set", "tls=none",
                           "--set", "password=smtp-pass-41c9",
                           "--set", "from=Shop <shop@agency.example>",
                           "--make-id", "EMAIL_ACCOUNT_PLACEHOLDER", *ws)
        assert code == 0, err

        def send(request: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
            incoming = tmp_path / "request.json"
            incoming.write_text(json.dumps(request))
            return run(capsys, path, ws, "--input", str(incoming))

        # an order without its id: logged as invalid, nothing else
        report, *printed = send(order(None))
        assert fake_google.sheets["1InvalidOrders"]["tabs"]["Sheet1"][1] == [
            "2026-03-02T10:15:00Z", "", "Ada Lovelace", "Ada Lovelace",
            "missing_required_field"]
        assert report["modules"]["7"]["operations"] == 0

        # a new order: as in Make, Search Rows that finds nothing outputs no bundle, so the
        # export goes no further (it processes only orders the Orders sheet already has)
        report, *more = send(order("ORD-1001"))
        printed += more
        assert report["modules"]["7"]["operations"] == 1
        assert not report["modules"]["7"]["outputs"] and not smtp.messages
        assert len(fake_google.sheets["1Orders"]["tabs"]["Sheet1"]) == 1

        # an order the Orders sheet has: logged as a duplicate, and processed
        fake_google.sheets["1Orders"]["tabs"]["Sheet1"].append(["ORD-1001"])
        report, *more = send(order("ORD-1001"))
        printed += more
        search = [r for r in fake_google.requests if r.path.startswith(
            "/v4/spreadsheets/1Orders/values/") and r.method == "GET"]
        assert search and all(r.headers["authorization"] == f"Bearer "
                              f"{fake_google.access_token}" for r in search)
        duplicate = fake_google.sheets["1Duplicates"]["tabs"]["Sheet1"][1]
        assert duplicate[:5] == ["ORD-1001", "2026-03-02T10:15:00Z", "Ada Lovelace",
                                 "ada@lovelace.example", "129.5"]
        assert duplicate[6] == "order_id_already_exists"
        rows = fake_google.sheets["1Orders"]["tabs"]["Sheet1"]
        assert rows[2][:7] == ["ORD-1001", "2026-03-02T10:15:00Z", "Ada Lovelace",
                               "ada@lovelace.example", "paid", "129.5", "2"]
        assert rows[2][8:] == ["Processed", "Sent_to_Slack"]  # updated after the Slack post
        items = fake_google.sheets["1OrderItems"]["tabs"]["Sheet1"][1:]
        assert [row[:7] for row in items] == [
            ["ORD-1001", "LI-1", "Difference Engine kit", "DE-1", "1", "99.5", "99.5"],
            ["ORD-1001", "LI-2", "Punched cards", "PC-100", "3", "10", "30"]]
        [invoice] = fake_airtable.records(*INVOICES)
        assert {k: v for k, v in invoice["fields"].items() if k != "generated_at"} == {
            "invoice_id": "INV-  ORD-1001", "order_id": "ORD-1001",
            "customer_name": "Ada Lovelace", "customer_email": "ada@lovelace.example",
            "invoice_amount": 129.5, "invoice_status": "Paid"}
        [created] = fake_airtable.calls("POST", f"/v0/{INVOICES[0]}/{INVOICES[1]}")
        assert created.headers["authorization"] == f"Bearer {AIRTABLE_TOKEN}"
        assert created.json()["typecast"] is False
        [mail] = smtp.messages
        assert mail.recipients == ["ada@lovelace.example"]
        assert smtp.logins == ["shop@agency.example"]
        confirmation = message_from_bytes(mail.data, policy=email_policy)
        assert confirmation["Subject"] == "Your order has been confirmed \u2014 ORD-1001"
        assert "Invoice ID: INV-ORD-1001\nTotal Amount: 129.5" in str(
            confirmation.get_content()).replace("\r\n", "\n")
        [(post, token)] = fake_slack.called("chat.postMessage")
        assert post["channel"] == SALES and token == slack.secret_data["accessToken"]
        assert post["text"] == ("New paid order received\r\n\r\nOrder ID: ORD-1001\nOrder "
                                "Time: 2026-03-02T10:15:00Z\nCustomer: Ada Lovelace\nItems: "
                                "2\nTotal Amount: 129.5\nPayment Status: paid")
        assert not fake_telegram.sent()

        # Slack refuses (the channel was archived): Telegram alerts the team, and the run
        # is kept to be retried (Break)
        fake_slack.channels[SALES]["is_archived"] = True
        fake_google.sheets["1Orders"]["tabs"]["Sheet1"].append(["ORD-1002"])
        incoming = tmp_path / "request.json"
        incoming.write_text(json.dumps(order("ORD-1002")))
        code, out, err = cli(capsys, "run", str(path), "--input", str(incoming), "--report",
                             "json", *ws)
        printed += [out, err]
        assert code == 0, err
        report = json.loads(out)
        assert (report["status"], report["incomplete_executions"]) == ("warning", 1)
        assert [e["name"] for e in report["modules"]["17"]["errors"]] == ["DataError"]
        assert "20" not in report["modules"] or not report["modules"]["20"]["operations"]
        [alert] = fake_telegram.sent()
        assert alert.params["chat_id"] == str(TELEGRAM_CHAT)
        assert alert.params["text"].startswith("Slack order notification failed\r\n\r\n"
                                               "Order ID: ORD-1002\n")
        assert fake_google.sheets["1Orders"]["tabs"]["Sheet1"][-1][8:] == ["Processing",
                                                                            "Processing"]
    secrets = [fake_google.client_secret, fake_google.access_token, fake_google.refresh_token,
               fake_slack.client_secret, slack.secret_data["accessToken"], AIRTABLE_TOKEN,
               fake_telegram.token, "smtp-pass-41c9"]
    assert leaks(secrets, workspace, [(f"output {i}", text)
                                      for i, text in enumerate(printed)]) == []
