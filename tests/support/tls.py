"""Certificates and an HTTPS server on 127.0.0.1 for tests: a private CA, a server
certificate it signs for 127.0.0.1, and a client certificate for mutual TLS."""

from __future__ import annotations

import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Pem:
    cert: str
    key: str


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _issue(subject: str, issuer: Pem | None, *, ca: bool = False, server: bool = False
           ) -> Pem:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    signer_key: Any = key
    issuer_name = _name(subject)
    if issuer is not None:
        signer_key = serialization.load_pem_private_key(issuer.key.encode(), None)
        issuer_name = x509.load_pem_x509_certificate(issuer.cert.encode()).subject
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=5))
               .not_valid_after(now + timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]),
            critical=False).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    cert = builder.sign(signer_key, hashes.SHA256())
    return Pem(cert.public_bytes(serialization.Encoding.PEM).decode(),
               key.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode())


@dataclass(frozen=True)
class Certificates:
    ca: Pem
    server: Pem
    client: Pem


def make_certificates() -> Certificates:
    ca = _issue("Scenarist test CA", None, ca=True)
    return Certificates(ca, _issue("127.0.0.1", ca, server=True), _issue("test client", ca))


@dataclass
class Seen:
    client_subject: str | None = None


@contextmanager
def https_server(certs: Certificates, *, require_client: bool = False
                 ) -> Iterator[tuple[str, Seen]]:
    """An HTTPS server answering `{"ok": true}` to any GET; yields its URL and what it saw
    of the client's certificate."""
    seen = Seen()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            peer = self.connection.getpeercert()  # type: ignore[attr-defined]
            if peer:
                seen.client_subject = dict(x[0] for x in peer["subject"]).get("commonName")
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        cert, key, ca = Path(folder, "c.pem"), Path(folder, "k.pem"), Path(folder, "ca.pem")
        cert.write_text(certs.server.cert + certs.ca.cert)
        key.write_text(certs.server.key)
        ca.write_text(certs.ca.cert)
        context.load_cert_chain(cert, key)
        if require_client:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(ca)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
