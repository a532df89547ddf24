"""What a connection of each app looks like: its kind and fields, and which fields are secret.

Two sources: the built-in modules' (the HTTP modules' keychains and OAuth 2.0 account,
`http:basicauth`, `http:apikeyauth`, `http:clientcertauth`, `http:oauth2`; Make's PGP
keychain, `pgp`; the Email app's SMTP/IMAP account, `email`), and every app's connection
components (engine.apps), whose Make type says the kind (`apikey`, `basic`: custom fields,
`oauth`/`oauth2`; an OAuth connection with its own authorize and token steps needs only the
fields it declares). A field is secret when its Make type is `password`/`cert`/`pkey` or its
name says credential (an API key declared as `text`, as Hedy's is); OAuth tokens and client
secrets always are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.errors import ScenaristError

if TYPE_CHECKING:
    from engine.apps import App, LoadedApps

KINDS = ("api_key", "basic", "client_cert", "pgp", "oauth2", "custom")
_SECRET_TYPES = frozenset({"password", "cert", "pkey"})
_SECRET_NAME = re.compile(
    r"(pass(word)?|passwd|pwd|secret|token|api[-_]?key|^key|private[-_]?key)$", re.I)
# What the OAuth flow stores in a connection's data (Make's names, `connection.accessToken`).
OAUTH_SECRETS = frozenset({"accessToken", "refreshToken", "clientSecret", "idToken"})
HTTP_APP = "http"
EMAIL_APP = "email"


class UnknownConnectionType(ScenaristError):
    pass


@dataclass(frozen=True)
class ConnectionField:
    name: str
    type: str = "text"
    label: str = ""
    required: bool = False
    default: Any = None
    secret: bool = False
    editable: bool = True
    help: str | None = None
    options: tuple[Any, ...] = ()


@dataclass(frozen=True)
class ConnectionType:
    """One kind of connection an app offers (the settings dialog is generated from it)."""

    app: str
    component: str
    kind: str
    label: str
    fields: tuple[ConnectionField, ...] = ()
    app_decl: App | None = field(default=None, compare=False, repr=False)
    # OAuth 2.0 endpoints the app declares (a field of the same name overrides them).
    authorize_url: str | None = None
    token_url: str | None = None
    # OAuth 2.0 run by the app's own authorize/token/info/refresh steps (app_oauth).
    own_flow: bool = False

    @property
    def key(self) -> str:
        return f"{self.app}:{self.component}"

    def field(self, name: str) -> ConnectionField | None:
        return next((f for f in self.fields if f.name == name), None)

    def is_secret(self, name: str) -> bool:
        declared = self.field(name)
        if declared is not None and declared.secret:
            return True
        return name in OAUTH_SECRETS or bool(_SECRET_NAME.search(name))


def is_secret_field(make_type: str, name: str) -> bool:
    return make_type.split(":", 1)[0] in _SECRET_TYPES or bool(_SECRET_NAME.search(name)) or (
        name in OAUTH_SECRETS)


_OAUTH_FIELDS = (
    ConnectionField("clientId", label="Client ID", required=True),
    ConnectionField("clientSecret", "password", "Client secret", secret=True),
    ConnectionField("scope", label="Scopes (space separated)"),
)

BUILTIN_TYPES: tuple[ConnectionType, ...] = (
    ConnectionType(HTTP_APP, "basicauth", "basic", "Username and password", (
        ConnectionField("username", label="Username", required=True),
        ConnectionField("password", "password", "Password", required=True, secret=True),
    )),
    ConnectionType(HTTP_APP, "apikeyauth", "api_key", "API key", (
        ConnectionField("key", "password", "Key", required=True, secret=True),
        ConnectionField("placement", "select", "API key placement", default="header",
                        options=("header", "query")),
        ConnectionField("name", label="API key parameter name", required=True,
                        default="Authorization"),
    )),
    # Make's "client certificate" keychain: PEM texts (the key may also sit in the first).
    ConnectionType(HTTP_APP, "clientcertauth", "client_cert", "Client certificate", (
        ConnectionField("certificate", "cert", "Certificate (PEM)", required=True),
        ConnectionField("privateKey", "pkey", "Private key (PEM)", secret=True,
                        help="empty when the certificate's PEM holds the key too"),
        ConnectionField("passphrase", "password", "Private key passphrase", secret=True),
    )),
    # Make's PGP keychain: kept for scenarios that encrypt or sign (no built-in module yet).
    ConnectionType("pgp", "pgp", "pgp", "PGP key", (
        ConnectionField("publicKey", "cert", "Public key (ASCII armored)"),
        ConnectionField("privateKey", "pkey", "Private key (ASCII armored)", secret=True),
        ConnectionField("passphrase", "password", "Passphrase", secret=True),
    )),
    ConnectionType(HTTP_APP, "oauth2", "oauth2", "OAuth 2.0", (
        ConnectionField("authorizeUri", "url", "Authorize URI", required=True),
        ConnectionField("tokenUri", "url", "Token URI", required=True),
        *_OAUTH_FIELDS,
    )),
    # One account type for both protocols (Make has `smtp` and `imap`): the module says which.
    ConnectionType(EMAIL_APP, "email", "custom", "E-mail account (SMTP or IMAP)", (
        ConnectionField("host", label="Server (SMTP or IMAP host)", required=True),
        ConnectionField("port", "port", "Port",
                        help="empty: 465/587/25 for SMTP, 993/143 for IMAP, by TLS mode"),
        ConnectionField("user", label="User name"),
        ConnectionField("password", "password", "Password", secret=True),
        ConnectionField("tls", "select", "Security", default="tls",
                        options=("tls", "starttls", "none"),
                        help="tls: encrypted from the start; starttls: upgraded after "
                             "connecting; none: unencrypted"),
        ConnectionField("from", "email", "Sender address",
                        help="the From of sent e-mails that map none (default: the user "
                             "name when it is an address)"),
        ConnectionField("rejectUnauthorized", "boolean",
                        "Reject unverified (self-signed) certificates", default=True),
        ConnectionField("ca", "cert", "Self-signed certificate to trust (PEM)"),
    )),
)
# The connection kinds the built-in modules name (ModuleSpec.connection).
BUILTIN_BY_MODULE_KIND = {t.component: t for t in BUILTIN_TYPES}


def builtin_type_name(component: str) -> str:
    """How `scenarist connections add` names a built-in type: `http:basicauth`, `email`."""
    kind = BUILTIN_BY_MODULE_KIND[component]
    alone = sum(1 for t in BUILTIN_TYPES if t.app == kind.app) == 1
    return kind.app if alone else kind.key


def _kind_of(make_type: str, names: set[str]) -> str:
    kind = make_type.lower()
    if kind in ("apikey", "api_key"):
        return "api_key"
    if kind.startswith("oauth"):
        return "oauth2"
    if names == {"username", "password"}:
        return "basic"
    if len(names) == 1 and re.search(r"(api[-_]?key|token)$", next(iter(names)), re.I):
        return "api_key"
    return "custom"


def _static_url(spec: Any) -> str | None:
    url = spec.get("url") if isinstance(spec, dict) else None
    return url if isinstance(url, str) and "{{" not in url else None


def app_connection_types(app: App) -> list[ConnectionType]:
    from engine.apps.fields import is_visual

    out = []
    for decl in app.connections.values():
        fields = tuple(
            ConnectionField(
                name=f.name, type=f.type, label=f.label or f.name, required=f.required,
                default=f.default, secret=is_secret_field(f.type, f.name),
                editable=f.editable is not False, help=f.help,
                options=tuple(o.get("value") if isinstance(o, dict) else o
                              for o in f.options) if isinstance(f.options, list) else (),
            )
            for f in decl.parameters if f.name and not is_visual(f)
        )
        kind = _kind_of(decl.type, {f.name for f in fields})
        communication = decl.communication if isinstance(decl.communication, dict) else {}
        authorize_url = _static_url(communication.get("authorize"))
        token_url = _static_url(communication.get("token"))
        own = kind == "oauth2" and all(
            isinstance(communication.get(step), dict) for step in ("authorize", "token"))
        if own:  # the app's own steps (engine.connections.app_oauth) say what they need
            authorize_url = token_url = None
        elif kind == "oauth2":  # endpoints the app leaves to IML are the user's to give
            names = {f.name for f in fields}
            endpoints = (
                ConnectionField("authorizeUri", "url", "Authorize URI",
                                required=authorize_url is None, default=authorize_url),
                ConnectionField("tokenUri", "url", "Token URI", required=token_url is None,
                                default=token_url),
            )
            fields = (*fields, *(f for f in (*endpoints, *_OAUTH_FIELDS)
                                 if f.name not in names))
        out.append(ConnectionType(
            app.name, decl.name, kind, decl.label or decl.name, fields, app,
            authorize_url=authorize_url, token_url=token_url, own_flow=own,
        ))
    return out


def connection_types(loaded: LoadedApps | None) -> list[ConnectionType]:
    """Every connection type: the built-in ones, then each app's."""
    out = list(BUILTIN_TYPES)
    for app in loaded.apps if loaded is not None else ():
        out.extend(app_connection_types(app))
    return out


def find_type(wanted: str, loaded: LoadedApps | None) -> ConnectionType:
    """`APP` (an app with one connection) or `APP:COMPONENT`; `basicauth`-like names too."""
    app_name, _, component = wanted.partition(":")
    if not component and app_name in BUILTIN_BY_MODULE_KIND:
        return BUILTIN_BY_MODULE_KIND[app_name]
    app = loaded.app(app_name) if loaded is not None else None
    types = app_connection_types(app) if app is not None else [
        t for t in BUILTIN_TYPES if t.app == app_name]
    if not types:
        known = sorted({t.app for t in connection_types(loaded)})
        raise UnknownConnectionType(
            f"no app {app_name!r} with connections here (apps with connections: "
            f"{', '.join(known)})")
    if component:
        found = next((t for t in types if t.component == component), None)
        if found is None:
            raise UnknownConnectionType(
                f"app {app_name} has no connection {component!r} (it has: "
                f"{', '.join(t.component for t in types)})")
        return found
    if len(types) > 1:
        raise UnknownConnectionType(
            f"app {app_name} has several connections; name one: "
            + ", ".join(f"{app_name}:{t.component}" for t in types))
    return types[0]
