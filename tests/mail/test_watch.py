"""Watching and reading a mailbox through `scenarist run`: `email:TriggerNewEmail` as a Make
export carries it, against the local IMAP server, its cursor in the workspace's state.db."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.mail.helpers import Cli, module, scenario, watch_emails
from tests.support.mail_servers import imap_server, self_signed

PASSWORD = "imap-secret-41c"


def mail(subject: str, *, sender: str = "Bob <bob@example.com>", attachment: bytes = b"",
         html: str = "", date: str = "Mon, 02 Mar 2026 10:00:00 +0000") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Ada <ada@example.com>"
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = f"<{hashlib.sha1(subject.encode()).hexdigest()}@example.com>"
    message.set_content(f"Body of {subject}")
    if html:
        message.add_alternative(html, subtype="html")
    if attachment:
        message.add_attachment(attachment, maintype="application", subtype="pdf",
                               filename="report.pdf")
    return message.as_bytes()


def _subjects(report: dict, module_id: str = "1") -> list[str]:
    return [b["subject"] for b in report["modules"][module_id]["outputs"]]


def test_a_watched_mailbox_yields_only_new_messages_on_the_next_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(tmp_path / "ws", capsys)
    blueprint = scenario("Inbox", watch_emails(1, 8852424, maxResults=10),
                         module(2, "util:ComposeTransformer",
                                mapper={"value": "{{1.sender.email}}: {{1.subject}}"}))
    with imap_server(password=PASSWORD) as imap:
        cli.add_email(8852424, imap.port, password=PASSWORD)
        imap.deliver(mail("first", attachment=b"%PDF first"))
        imap.deliver(mail("second"))
        report = cli.run(blueprint)
        assert report["status"] == "success", report
        assert _subjects(report) == ["first", "second"]  # oldest first
        assert [b["value"] for b in report["modules"]["2"]["outputs"]] == [
            "bob@example.com: first", "bob@example.com: second"]
        first = report["modules"]["1"]["outputs"][0]
        assert first["sender"] == {"name": "Bob", "email": "bob@example.com"}
        assert first["to"] == [{"name": "Ada", "email": "ada@example.com"}]
        assert first["text"].strip() == "Body of first"
        assert [a["fileName"] for a in first["attachments"]] == ["report.pdf"]

        assert _subjects(cli.run(blueprint)) == []  # nothing new
        imap.deliver(mail("third"))
        assert _subjects(cli.run(blueprint)) == ["third"]
        assert _subjects(cli.run(blueprint)) == []
        assert all(not imap.flags(uid) for uid in (1, 2, 3))  # markSeen off: left unread
    with sqlite3.connect(tmp_path / "ws" / "state.db") as db:
        [(state,)] = db.execute("SELECT state FROM trigger_cursor WHERE scenario = 'Inbox'")
    assert '"lastId":3' in state.replace(" ", "")


def test_unread_criteria_mark_as_read_and_the_maximum_per_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(tmp_path / "ws", capsys)
    blueprint = scenario("Unread", watch_emails(1, 3, criteria="UNSEEN", markSeen=True,
                                                maxResults=2, subject="invoice"))
    with imap_server(password=PASSWORD) as imap:
        cli.add_email(3, imap.port, password=PASSWORD)
        imap.deliver(mail("invoice 1", date="Mon, 02 Mar 2026 10:00:00 +0000"), seen=True)
        for n in (2, 3, 4):
            imap.deliver(mail(f"invoice {n}"))
        imap.deliver(mail("newsletter"))
        assert _subjects(cli.run(blueprint)) == ["invoice 2", "invoice 3"]
        assert imap.flags(2) == imap.flags(3) == {"\\Seen"} and not imap.flags(4)
        assert _subjects(cli.run(blueprint)) == ["invoice 4"]
        assert not imap.flags(5)  # not matching: untouched


def test_choose_where_to_start_applies_until_the_trigger_has_a_cursor(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The runtime's start choice (`scenarist activate --start-from`) reaches the trigger
    through start_run; the in-process entry point stands in for the runtime here."""
    from engine.blueprint import Blueprint
    from engine.executor.events import OperationFinished
    from engine.runtime.policy import RunPolicy
    from engine.runtime.start import start_run

    def run_with(blueprint: dict, choice: dict) -> list[str]:
        seen: list[str] = []

        def listen(event: object) -> None:
            if isinstance(event, OperationFinished) and event.module_id == 1:
                seen.extend(b["subject"] for b in event.outputs)

        async def go() -> None:
            handle = start_run(tmp_path / "ws", Blueprint.model_validate(blueprint),
                               RunPolicy.scheduled_run(), start_from=choice,
                               listeners=[listen])
            result = await handle.run()
            handle.finish(result)
            assert result.status == "success", result.error

        asyncio.run(go())
        return seen

    cli = Cli(tmp_path / "ws", capsys)
    now, last = scenario("From now", watch_emails(1, 3)), scenario("Last 2", watch_emails(1, 3))
    with imap_server(password=PASSWORD) as imap:
        cli.add_email(3, imap.port, password=PASSWORD)
        for subject in ("old 1", "old 2", "old 3"):
            imap.deliver(mail(subject))
        assert run_with(now, {"mode": "now"}) == []  # remembers the newest only
        assert run_with(last, {"mode": "last", "count": 2}) == ["old 2", "old 3"]
        imap.deliver(mail("new"))
        assert _subjects(cli.run(now)) == ["new"]
        assert _subjects(cli.run(last)) == ["new"]  # its own cursor: after "old 3"


def test_a_renumbered_folder_starts_again_from_now(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(tmp_path / "ws", capsys)
    blueprint = scenario("Renumbered", watch_emails(1, 3))
    with imap_server(password=PASSWORD) as imap:
        cli.add_email(3, imap.port, password=PASSWORD)
        imap.deliver(mail("a"))
        assert _subjects(cli.run(blueprint)) == ["a"]
        imap.renumber()
        imap.deliver(mail("b"))
        report = cli.run(blueprint)
        assert _subjects(report) == [] and "renumbered" in report["warnings"][0]
        imap.deliver(mail("c"))
        assert _subjects(cli.run(blueprint)) == ["c"]


def test_iterate_attachments_and_send_them_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.mail.helpers import send_email
    from tests.support.mail_servers import smtp_server

    cli = Cli(tmp_path / "ws", capsys)
    blueprint = scenario(
        "Forward attachments", watch_emails(1, 3),
        module(2, "email:FeedAttachments", mapper={"array": "{{1.attachments}}"}),
        send_email(3, 4, to=["archive@example.com"], subject="{{2.fileName}}",
                   attachments=[{"fileName": "{{2.fileName}}", "data": "{{2.data}}"}]))
    payload = bytes(range(256)) * 8
    with imap_server(password=PASSWORD) as imap, smtp_server() as smtp:
        cli.add_email(3, imap.port, password=PASSWORD)
        cli.add_email(4, smtp.port)
        imap.deliver(mail("with file", attachment=payload))
        report = cli.run(blueprint)
        assert report["status"] == "success", report
    assert [b["__IMTINDEX__"] for b in report["modules"]["2"]["outputs"]] == [1]
    [sent] = smtp.messages
    from email import message_from_bytes, policy
    [attachment] = list(message_from_bytes(sent.data, policy=policy.default).iter_attachments())
    assert attachment.get_filename() == "report.pdf"
    assert attachment.get_content() == payload


def test_retrieve_emails_newest_first_over_tls(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    certificate = self_signed(tmp_path)
    cli = Cli(tmp_path / "ws", capsys)
    blueprint = scenario("List", module(1, "email:ActionRetrieveEmails",
                                        parameters={"account": 3},
                                        mapper={"folder": "Archive", "criteria": "ALL",
                                                "from": "carol", "maxResults": 2}))
    with imap_server(password=PASSWORD, ssl_context=certificate.server_context()) as imap:
        cli.add_email(3, imap.port, password=PASSWORD, tls="tls", ca=certificate.pem)
        for n in range(4):
            imap.deliver(mail(f"note {n}", sender="Carol <carol@example.com>"), "Archive")
        imap.deliver(mail("other"), "Archive")
        report = cli.run(blueprint)
        assert report["status"] == "success", report
        assert _subjects(report) == ["note 3", "note 2"]
        blueprint["flow"][0]["mapper"]["folder"] = "Nowhere"
        report = cli.run(blueprint, code=1)
        assert "no folder 'Nowhere'" in report["modules"]["1"]["errors"][0]["message"]


def test_a_deterministic_replay_of_a_watch_needs_no_mail_server(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    cli = Cli(tmp_path / "ws", capsys)
    blueprint = scenario("Replayed", watch_emails(1, 3))
    with imap_server(password=PASSWORD) as imap:
        cli.add_email(3, imap.port, password=PASSWORD)
        imap.deliver(mail("kept", attachment=b"%PDF kept"))
        first = cli.run(blueprint)
    run_id = json.loads(cli("history", "list", "--json"))[0]["id"]
    replayed = json.loads(cli("replay", run_id, "--deterministic", "--report", "json"))
    assert replayed["status"] == "success", replayed
    assert replayed["modules"]["1"]["outputs"] == first["modules"]["1"]["outputs"]
