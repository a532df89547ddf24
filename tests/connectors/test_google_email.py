"""Gmail (connectors/google_email) against the local fake Google APIs: messages sent as
base64url RFC 822 (HTML, Make's "collection" body with inline images, attachments, the
legacy module with its `account` connection), replies in a thread, Make's message shape,
attachments read through one batch request, and the Watch emails trigger."""

from __future__ import annotations

import base64
import email
import email.policy
import uuid
from email.message import EmailMessage
from typing import Any

import pytest

from engine.apps import ConnectionData, bind_connections, load_makecomapp, module_specs
from engine.apps.loader import SHIPPED_DIR
from engine.context import RunServices
from engine.errors import ModuleError
from engine.spec import ModuleSpec
from tests.apps.fakes import call_module
from tests.support import fake_google as support
from tests.support.fake_google import FakeGoogle, GoogleError

fake_google = support.fake_google
APP = load_makecomapp(SHIPPED_DIR / "google_email", source="shipped")
SPECS: dict[str, ModuleSpec] = {s.id.split(":")[1]: s for s in module_specs(APP)}
PDF = b"%PDF-1.4 invoice 42"


def services(fake: FakeGoogle) -> RunServices:
    run = RunServices(scenario_name=f"test-{uuid.uuid4()}")  # its own trigger cursors
    bind_connections(run, {"77": ConnectionData({"accessToken": fake.access_token},
                                                base_url_override=fake.url)})
    return run


async def call(fake: FakeGoogle, module: str, mapper: dict[str, Any] | None = None,
               parameters: dict[str, Any] | None = None,
               run: RunServices | None = None) -> list[dict[str, Any]]:
    return await call_module(SPECS[module], run or services(fake),
                             parameters={"__IMTCONN__": 77, **(parameters or {})}, mapper=mapper)


def sent(fake: FakeGoogle) -> email.message.EmailMessage:
    [request] = fake.calls("POST", "/gmail/v1/users/me/messages/send")
    raw = request.json()["raw"]
    message = email.message_from_bytes(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)),
                                       policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def listings(fake: FakeGoogle) -> list[Any]:
    return [r for r in fake.requests if r.path == "/gmail/v1/users/me/messages"]


def invoice_mail(subject: str = "Invoice 42") -> bytes:
    message = EmailMessage()
    message["From"] = "Ada Lovelace <ada@example.com>"
    message["To"] = "me@example.com"
    message["Subject"] = subject
    message["Message-ID"] = "<m42@example.com>"
    message.set_content("Please find attached the invoice.")
    message.add_attachment(PDF, "application", "pdf", filename="invoice.pdf")
    return message.as_bytes()


def test_the_modules_real_exports_use_are_there() -> None:
    assert not APP.problems, APP.problems
    assert {"sendAnEmail", "triggerWatchNewEmails", "listEmailAttachments", "ActionSendEmail",
            "replyToAnEmail", "getAnEmail", "makeAnApiCall"} <= set(SPECS)


async def test_send_an_email_with_a_collection_body(fake_google: FakeGoogle) -> None:
    out = await call(fake_google, "sendAnEmail", {
        "to": ["team@example.com"], "subject": "[URGENT] New request",
        "bodyType": "collection",
        "contents": [{"text": "Name: Ada\nEmail: <ada@example.com>", "image": {}},
                     {"text": "Logo:", "image": {"filename": "logo.png", "data": b"\x89PNG"}}],
        "attachments": [{"filename": "brief.txt", "data": "the brief"}]})
    assert out == [{"id": out[0]["id"], "threadId": out[0]["threadId"], "labelIds": ["SENT"]}]
    [request] = fake_google.calls("POST", "/gmail/v1/users/me/messages/send")
    assert request.headers["authorization"] == f"Bearer {fake_google.access_token}"
    message = sent(fake_google)
    assert message["To"] == "team@example.com" and message["Subject"] == "[URGENT] New request"
    html = message.get_body(("html",))
    assert html is not None
    content = html.get_content()
    assert "Name: Ada<br>Email: &lt;ada@example.com&gt;" in content
    assert 'src="cid:image1@scenarist"' in content
    files = {p.get_filename(): p.get_content() for p in message.iter_attachments()}
    assert files == {"brief.txt": "the brief"}
    [logo] = [p for p in message.walk() if p.get_filename() == "logo.png"]
    assert logo["Content-ID"] == "<image1@scenarist>"
    assert logo.get_content_disposition() == "inline"  # Gmail shows it in the body
    media = await call(fake_google, "listEmailAttachments", {
        "messageId": out[0]["id"], "include": ["media"], "returnAttachmentData": True})
    assert [(m["filename"], m["data"]) for m in media] == [("logo.png", b"\x89PNG")]


async def test_send_raw_html_and_the_legacy_module(fake_google: FakeGoogle) -> None:
    await call(fake_google, "sendAnEmail", {"to": ["a@example.com"], "subject": "Due",
                                            "bodyType": "rawHtml",
                                            "content": "Invoice <b>42</b> is due."})
    html = sent(fake_google).get_body(("html",))
    assert html is not None and "Invoice <b>42</b> is due." in html.get_content()
    fake_google.requests.clear()
    # Make's older module names its connection `account` and maps `html`.
    run = RunServices()
    bind_connections(run, {"5969854": ConnectionData({"accessToken": fake_google.access_token},
                                                     base_url_override=fake_google.url)})
    await call_module(SPECS["ActionSendEmail"], run, parameters={"account": 5969854}, mapper={
        "cc": [], "to": ["lead@example.com"], "bcc": [], "from": "", "html": "<p>Hi</p>",
        "subject": "Hello", "attachments": [{"fileName": "a.pdf", "data": PDF}]})
    message = sent(fake_google)
    assert message["To"] == "lead@example.com" and message["Cc"] is None
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "a.pdf" and attachment.get_content() == PDF


async def test_reply_to_the_sender_of_a_thread(fake_google: FakeGoogle) -> None:
    mid = fake_google.add_message(invoice_mail())
    thread = fake_google.messages[mid].thread_id
    out = await call(fake_google, "replyToAnEmail", {
        "bodyType": "collection", "contents": [{"text": "Please correct the VAT number."}],
        "threadId": thread, "replyMode": "sender"})
    assert out[0]["threadId"] == thread
    [request] = fake_google.calls("POST", "/gmail/v1/users/me/messages/send")
    assert request.json()["threadId"] == thread
    message = sent(fake_google)
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["Subject"] == "Re: Invoice 42"
    assert message["In-Reply-To"] == "<m42@example.com>"
    [lookup] = fake_google.calls("GET", f"/gmail/v1/users/me/threads/{thread}")
    assert lookup.query["format"] == "metadata"


async def test_get_an_email_in_makes_shape(fake_google: FakeGoogle) -> None:
    mid = fake_google.add_message(invoice_mail())
    [out] = await call(fake_google, "getAnEmail", {"messageId": mid, "format": "full"})
    assert out["id"] == mid and out["subject"] == "Invoice 42"
    assert out["fromName"] == "Ada Lovelace" and out["fromEmail"] == "ada@example.com"
    assert out["to"] == [{"name": "", "email": "me@example.com"}]
    assert out["fullTextBody"].strip() == "Please find attached the invoice."
    assert out["hasAttachment"] is True and out["labelIds"] == ["INBOX", "UNREAD"]
    assert out["sysFolders"] == [{"id": "INBOX", "name": "INBOX"},
                                 {"id": "UNREAD", "name": "UNREAD"}]
    assert out["headers"]["Message-ID"] == "<m42@example.com>"
    assert out["internalDate"].startswith("2023-11-")


async def test_iterate_attachments_with_their_data(fake_google: FakeGoogle) -> None:
    mid = fake_google.add_message(invoice_mail())
    out = await call(fake_google, "listEmailAttachments", {
        "include": ["attachment", "media"], "messageId": mid, "returnAttachmentData": True})
    assert [(a["filename"], a["data"]) for a in out] == [("invoice.pdf", PDF)]
    [batch] = fake_google.calls("POST", "/batch/gmail/v1")
    assert batch.headers["content-type"].startswith("multipart/mixed; boundary=")
    assert f"GET /gmail/v1/users/me/messages/{mid}/attachments/" in batch.body.decode()


async def test_watch_emails_by_gmail_search(fake_google: FakeGoogle) -> None:
    first = fake_google.add_message(invoice_mail("invoice 1"))
    fake_google.add_message(invoice_mail("hello"), ["INBOX"])
    second = fake_google.add_message(invoice_mail("Invoice 2"))
    run = services(fake_google)
    params = {"q": "subject:invoice\nhas:attachment", "limit": 5, "format": "full",
              "markSeen": True, "filterType": "gmailSearch"}
    out = await call(fake_google, "triggerWatchNewEmails", parameters=params, run=run)
    assert [m["id"] for m in out] == [first, second]  # oldest first
    [listing] = listings(fake_google)
    assert listing.query["q"] == "subject:invoice has:attachment"
    assert listing.query["maxResults"] == "5"
    assert "UNREAD" not in fake_google.messages[first].labels  # marked as read
    assert await call(fake_google, "triggerWatchNewEmails", parameters=params, run=run) == []
    assert "after:" in listings(fake_google)[-1].query["q"]
    third = fake_google.add_message(invoice_mail("Invoice 3"))
    out = await call(fake_google, "triggerWatchNewEmails", parameters=params, run=run)
    assert [m["id"] for m in out] == [third] and out[0]["subject"] == "Invoice 3"


async def test_watch_emails_simple_filter(fake_google: FakeGoogle) -> None:
    fake_google.add_message(invoice_mail("read one"), ["INBOX"])
    unread = fake_google.add_message(invoice_mail("unread one"))
    out = await call(fake_google, "triggerWatchNewEmails", parameters={
        "filterType": "simpleSearch", "format": "full", "folder": "INBOX",
        "criteria": "is:unread", "markSeen": False, "limit": 10, "from": "", "subject": "",
        "includeWords": "", "excludeWords": "",
        "size": {"criteria": "larger", "amount": None, "unit": "M"}, "hasAttachment": False})
    assert [m["id"] for m in out] == [unread]
    [listing] = listings(fake_google)
    assert listing.query["q"] == "is:unread" and listing.query["labelIds"] == "INBOX"
    assert "UNREAD" in fake_google.messages[unread].labels


async def test_errors(fake_google: FakeGoogle) -> None:
    fake_google.fail_next.append(GoogleError(429, "Too many concurrent requests for user"))
    with pytest.raises(ModuleError) as caught:
        await call(fake_google, "sendAnEmail", {"to": ["a@example.com"], "subject": "x",
                                                "bodyType": "rawHtml", "content": "x"})
    assert caught.value.name == "RateLimitError"
    with pytest.raises(ModuleError) as caught:
        await call(fake_google, "getAnEmail", {"messageId": "nope"})
    assert caught.value.name == "DataError"


async def test_make_an_api_call(fake_google: FakeGoogle) -> None:
    [out] = await call(fake_google, "makeAnApiCall", {"url": "/gmail/v1/users/me/labels",
                                                       "method": "GET"})
    assert out["body"]["labels"][1]["name"] == "Invoices"
