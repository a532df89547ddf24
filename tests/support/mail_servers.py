"""Local mail servers for tests: SMTP (aiosmtpd) that keeps every message it receives, the
IMAP server of tests/support/imap_server.py, and a self-signed certificate for TLS."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.imap_server import ImapServer, imap_server

IGNORE_AUTH_WARNING = "ignore:Requiring AUTH while not requiring TLS:UserWarning"
__all__ = ["IGNORE_AUTH_WARNING", "Certificate", "ImapServer", "Received", "SmtpServer",
           "imap_server", "self_signed", "smtp_server"]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class SmtpServer:
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)  # user names that logged in

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      bytes(envelope.original_content or envelope.content)))
        return "250 OK"


@dataclass
class Certificate:
    pem: str  # the certificate (what a client trusts)
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def self_signed(folder: Path, host: str = "127.0.0.1") -> Certificate:
    """A certificate for `host` (an IP address), signed by itself."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_text(pem)
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return Certificate(pem, cert_file, key_file)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(*, user: str | None = None, password: str | None = None,
                tls: str = "none", certificate: Certificate | None = None
                ) -> Iterator[SmtpServer]:
    """aiosmtpd on a free port: `tls` "tls" (implicit), "starttls" (required) or "none".
    (With implicit TLS and a login, aiosmtpd warns of AUTH without STARTTLS: tests using it
    carry IGNORE_AUTH_WARNING.)"""
    server = SmtpServer()

    def authenticate(smtp: Any, session: Any, envelope: Any, mechanism: str,
                     data: Any) -> AuthResult:
        ok = (isinstance(data, LoginPassword) and data.login.decode() == user
              and data.password.decode() == password)
        if ok:
            server.logins.append(user or "")
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 235 / 535

    options: dict[str, Any] = {}
    if user is not None:
        options.update(authenticator=authenticate, auth_required=True,
                       # aiosmtpd counts only STARTTLS as TLS; implicit TLS is encrypted too
                       auth_require_tls=tls == "starttls")
    if tls == "starttls":
        assert certificate is not None
        options.update(tls_context=certificate.server_context(), require_starttls=True)
    elif tls == "tls":
        assert certificate is not None
        options["ssl_context"] = certificate.server_context()
    server.port = _free_port()  # aiosmtpd's start-up check connects to the port it is given
    controller = Controller(server, hostname="127.0.0.1", port=server.port, **options)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
