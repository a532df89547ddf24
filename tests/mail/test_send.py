"""`email:ActionSendEmail` through `scenarist run`: a Make export's module, its account mapped
to a local `email` connection with --make-id, delivering to a local SMTP server."""

from __future__ import annotations

import base64
import hashlib
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.mail.helpers import Cli, module, scenario, send_email
from tests.support.mail_servers import IGNORE_AUTH_WARNING, self_signed, smtp_server

pytestmark = pytest.mark.filterwarnings(IGNORE_AUTH_WARNING)

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF"  # binary, every byte value


def _parsed(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_an_email_with_an_attachment_arrives_intact(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(tmp_path / "ws", capsys)
    encoded = base64.b64encode(PDF).decode()
    blueprint = scenario(
        "Invoice mail",
        module(1, "util:SetVariables", parameters={}, mapper={
            "scope": "roundtrip", "variables": [{"name": "customer", "value": "Ada"}]}),
        send_email(2, 6763426, to=["bob@example.com", "Carol <carol@example.com>"],
                   cc=["dan@example.com"], bcc=["audit@example.com"],
                   replyTo="billing@example.com", **{"from": "Shop <shop@example.com>"},
                   subject="Invoice for {{1.customer}}",
                   contentType="html", html="<p>Hello <b>{{1.customer}}</b></p>",
                   priority="high", headers=[{"key": "X-Order", "value": "42"}],
                   attachments=[{"fileName": "invoice.pdf",
                                 "data": f"{{{{toBinary(\"{encoded}\"; \"base64\")}}}}"}]),
    )
    with smtp_server() as smtp:
        cli.add_email(6763426, smtp.port, user="")
        report = cli.run(blueprint)
    assert report["status"] == "success", report
    [received] = smtp.messages
    assert received.sender == "shop@example.com"
    assert sorted(received.recipients) == ["audit@example.com", "bob@example.com",
                                           "carol@example.com", "dan@example.com"]
    message = _parsed(received.data)
    assert message["Subject"] == "Invoice for Ada"
    assert message["To"] == "bob@example.com, Carol <carol@example.com>"
    assert message["Cc"] == "dan@example.com"
    assert message["Bcc"] is None  # envelope only
    assert message["Reply-To"] == "billing@example.com"
    assert message["X-Priority"].startswith("1") and message["X-Order"] == "42"
    html = message.get_body(("html",))
    assert html is not None and html.get_content().strip() == "<p>Hello <b>Ada</b></p>"
    plain = message.get_body(("plain",))
    assert plain is not None and "Hello Ada" in plain.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "invoice.pdf"
    assert attachment.get_content_type() == "application/pdf"
    data = attachment.get_content()
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(PDF).hexdigest()


def test_plain_text_and_a_sender_from_the_connection(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(tmp_path / "ws", capsys)
    node = send_email(1, 5, to=["bob@example.com"], subject="Hi", contentType="text",
                      text="Plain\nwords")
    node["parameters"] = {"__IMTCONN__": 5}  # Make's universal connection parameter works too
    blueprint = scenario("Note", node)
    with smtp_server() as smtp:
        cli.add_email(5, smtp.port, user="ada@example.com")
        assert cli.run(blueprint)["status"] == "success"
    message = _parsed(smtp.messages[0].data)
    assert message["From"] == "ada@example.com"
    assert message.get_content_type() == "text/plain"
    assert message.get_content().splitlines() == ["Plain", "words"]


@pytest.mark.parametrize("tls", ["tls", "starttls"])
def test_tls_modes_log_in_over_an_encrypted_connection(
        tls: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    certificate = self_signed(tmp_path)
    cli = Cli(tmp_path / "ws", capsys)
    blueprint = scenario("Secure", send_email(1, 9, to=["bob@example.com"], subject="TLS",
                                              html="<p>sealed</p>"))
    with smtp_server(user="ada@example.com", password="smtp-pass-9f2", tls=tls,
                     certificate=certificate) as smtp:
        cli.add_email(9, smtp.port, password="smtp-pass-9f2", tls=tls, ca=certificate.pem)
        report = cli.run(blueprint)
        assert report["status"] == "success", report
    assert smtp.logins == ["ada@example.com"]
    assert _parsed(smtp.messages[0].data)["Subject"] == "TLS"


def test_an_untrusted_certificate_or_a_wrong_password_fails_the_module(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    certificate = self_signed(tmp_path)
    cli = Cli(tmp_path / "ws", capsys)
    blueprint = scenario("Secure", send_email(1, 9, to=["bob@example.com"], subject="x"))
    with smtp_server(user="ada@example.com", password="right", tls="tls",
                     certificate=certificate) as smtp:
        cli.add_email(9, smtp.port, password="right", tls="tls")  # no `ca`: untrusted
        report = cli.run(blueprint, code=1)
    assert report["modules"]["1"]["errors"][0]["name"] == "ConnectionError"
    assert "certificate" in report["modules"]["1"]["errors"][0]["message"]
    blueprint["flow"][0]["parameters"]["account"] = 10
    with smtp_server(user="ada@example.com", password="right", tls="starttls",
                     certificate=certificate) as other:
        cli.add_email(10, other.port, password="wrong-pass-77", tls="starttls",
                      ca=certificate.pem)
        report = cli.run(blueprint, code=1)
    error = report["modules"]["1"]["errors"][0]
    assert error["name"] == "InvalidAccessTokenError", error
    assert "wrong-pass-77" not in str(report)
    assert smtp.messages == other.messages == []


def test_a_missing_connection_names_the_command_that_adds_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(tmp_path / "ws", capsys)
    report = cli.run(scenario("x", send_email(1, 6505404, to=["b@example.com"])), code=1)
    assert "scenarist connections add email" in report["error"]["message"]
    assert "--make-id 6505404" in report["error"]["message"]


def test_connections_test_logs_in_to_the_server(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    certificate = self_signed(tmp_path)
    cli = Cli(tmp_path / "ws", capsys)
    with smtp_server(user="ada@example.com", password="good-pw", tls="starttls",
                     certificate=certificate) as smtp:
        good = cli.add_email(1, smtp.port, password="good-pw", tls="starttls",
                             ca=certificate.pem)
        bad = cli.add_email(2, smtp.port, password="bad-pw-0x", tls="starttls",
                            ca=certificate.pem)
        ok = json.loads(cli("connections", "test", good, "--json"))
        assert ok["ok"] is True and "SMTP ada@example.com at 127.0.0.1" in ok["message"]
        failed = json.loads(cli("connections", "test", bad, "--json", code=1))
        assert failed["ok"] is False and "refused the login" in failed["message"]
        assert "bad-pw-0x" not in str(cli.printed)
    assert smtp.messages == [] and smtp.logins == ["ada@example.com"]


def test_the_port_or_host_tells_an_imap_account_from_an_smtp_one() -> None:
    from engine.mail.check import protocol_of

    assert [protocol_of(v) for v in ({"host": "mail.example.com", "port": 993},
                                     {"host": "imap.example.com"},
                                     {"host": "smtp.example.com", "port": 587},
                                     {"host": "mail.example.com"})] == [
        "imap", "imap", "smtp", "smtp"]
