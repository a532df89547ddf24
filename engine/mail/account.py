"""An e-mail account as the Email app's modules use it: the workspace connection a module's
`account` names (Make's `account:smtp` / `account:imap`), read into server settings.

One connection type serves both protocols (`scenarist connections add email --set
host=... --set user=... --set password=...`): the module decides whether it talks SMTP or
IMAP, and an empty port follows the protocol and the TLS mode (SMTP 465 / 587 / 25, IMAP
993 / 143). The password lives only in the secret store; the run learnt it for redaction
when it bound the connection (engine.connections.prepare_run).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from engine.errors import ModuleError
from engine.values import to_bool, to_number, to_text

if TYPE_CHECKING:
    from engine.spec import ModuleCall

Protocol = Literal["smtp", "imap"]
TLS_MODES = ("tls", "starttls", "none")
CONNECTION_KIND = "email"  # the built-in connection type's component (engine.connections)
ACCOUNT_PARAMETER = "account"
_DEFAULT_PORTS = {("smtp", "tls"): 465, ("smtp", "starttls"): 587, ("smtp", "none"): 25,
                  ("imap", "tls"): 993, ("imap", "starttls"): 143, ("imap", "none"): 143}
TIMEOUT_S = 40.0  # one server exchange; the module's own time limit still applies


@dataclass(frozen=True)
class Account:
    host: str
    port: int
    user: str
    password: str = ""
    tls: str = "tls"  # tls | starttls | none
    verify: bool = True  # reject unverified (self-signed) certificates
    ca: str = ""  # a PEM certificate to trust besides the system's
    sender: str = ""  # the From address when the module maps none

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca.strip():
            context.load_verify_locations(cadata=self.ca)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def describe(self) -> str:
        return f"{self.host}:{self.port}"


def account_of(values: Any, protocol: Protocol) -> Account:
    """Server settings from a connection's values (raises DataError when incomplete)."""
    data = dict(values) if values is not None else {}
    host = to_text(data.get("host")).strip()
    if not host:
        raise ModuleError("the e-mail connection has no server (host)",
                          name="InvalidConfigurationError")
    tls = to_text(data.get("tls")).strip().lower() or "tls"
    if tls not in TLS_MODES:
        raise ModuleError(f"the e-mail connection's TLS mode {tls!r} is not one of "
                          f"{', '.join(TLS_MODES)}", name="InvalidConfigurationError")
    port = to_number(data.get("port"))
    user = to_text(data.get("user")).strip()
    return Account(
        host=host,
        port=int(port) if port else _DEFAULT_PORTS[(protocol, tls)],
        user=user,
        password=to_text(data.get("password")),
        tls=tls,
        verify=to_bool(data.get("rejectUnauthorized", True)),
        ca=to_text(data.get("ca")),
        sender=to_text(data.get("from")).strip() or (user if "@" in user else ""),
    )


def module_account(call: ModuleCall, protocol: Protocol) -> Account:
    """The account the module's `account` parameter names, bound to the run."""
    from engine.apps.runtime import find_connection

    reference = call.parameters.get(ACCOUNT_PARAMETER)
    if reference in (None, ""):  # the universal connection parameter of Make's apps
        reference = call.parameters.get("__IMTCONN__")
    connection = find_connection(call.run, reference, CONNECTION_KIND)
    if connection is None:
        what = f" {reference}" if reference not in (None, "") else ""
        raise ModuleError(
            f"module {call.module_id}: no e-mail connection{what} here: add one with "
            "`scenarist connections add email --name NAME --set host=... --set user=... "
            "--set password=...`" + (f" --make-id {reference}" if what else ""),
            name="InvalidConfigurationError")
    return account_of(connection.data, protocol)
