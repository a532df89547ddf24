"""The corpus' invoice compliance check, run whole and unchanged (the export's bytes: it has
no placeholder) by `scenarist run` against the local fakes of Google's APIs and Gemini:
Gmail Watch Emails → List Attachments → Gemini Upload a File → Gemini Generate a response →
router: a compliant invoice is uploaded to its Google Drive folder, any other gets a reply
in its Gmail thread listing the issues, with the invoice in the body. Connections are made
on the command line (a Gemini API key; one Google connection, OAuth with PKCE, for the
export's Gmail and Google Drive ids)."""

from __future__ import annotations

import json
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

import pytest

from tests.connectors.corpus_runs import cli, exported, operations, run
from tests.connectors.test_google_cli import connect as google_connect
from tests.secrets.scan import leaks
from tests.support.fake_gemini import DEFAULT_KEY as GEMINI_KEY
from tests.support.fake_gemini import serve_fake_gemini
from tests.support.fake_google import FOLDER_MIME, FakeGoogle

COMPLIANCE = "sadeedameen__make-automation-blueprints__finance__invoice-compliance-automation__blueprint.json"  # noqa: E501
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


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


def test_a_compliant_invoice_goes_to_drive_and_any_other_gets_a_reply(
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

