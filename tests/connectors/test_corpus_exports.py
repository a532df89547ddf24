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
from tests.support.fake_airtable import DEFAULT_TOKEN as AIRTABLE_TOKEN
from tests.support.fake_airtable import FakeAirtable
from tests.support.fake_gemini import DEFAULT_KEY as GEMINI_KEY
from tests.support.fake_gemini import serve_fake_gemini
from tests.support.fake_google import FOLDER_MIME, FakeGoogle
from tests.support.fake_slack import FakeSlack

fake_slack = slack_support.fake_slack
fake_airtable = airtable_support.fake_airtable

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
