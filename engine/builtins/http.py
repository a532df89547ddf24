"""HTTP app: the legacy v3 "Make a request" family, "Get a file", "Retrieve headers", and v4
`http:MakeRequest` (with pagination, engine.builtins.http_pagination) and "Download a file".

Output shapes:
- v3 (`http:ActionSendData*`): `{statusCode, headers: [{name, value}], cookieHeaders: [..],
  data}` — headers are an array, names lower-case (Retrieve headers gives one bundle each).
- v4 (`http:MakeRequest`): `{data, statusCode, headers: {name: value}}` keyed by lower-case
  name, `set-cookie` always an array (the interface real v4 exports carry).
`data` is the parsed JSON (or XML, as the XML app parses it) when "Parse response" is on and
the server says so, text when the body is textual, bytes otherwise ("" for an empty body).

Credentials: the keychain or OAuth 2.0 account a module names (v3's `key` / `auth` /
`account`, v4's keychain of its `authenticationType`) is the workspace connection the run
bound to that reference (engine.connections.prepare_run, which also learnt its secrets for
redaction). Basic sends `Authorization: Basic ...`; an API key goes in the header or query
parameter its keychain names; OAuth 2.0 sends `Authorization: <tokenType> <accessToken>`,
renewing a token due to expire first, and once more when the API answers 401. A client
certificate keychain (`http:ActionSendDataClientCertAuth`) is presented in the TLS handshake.
A keychain's
header or parameter replaces one of the same name the module maps (the keychain is the
user's explicit choice, and a renewed token must be the one sent). Nothing bound (an old
caller without a workspace): the request goes out without credentials, as before.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode, urlsplit

import orjson

from engine.builtins.binary import mime_type_of
from engine.builtins.http_pagination import KINDS as PAGINATION_KINDS
from engine.builtins.http_pagination import Pagination, with_params
from engine.errors import ModuleError
from engine.http_client import (
    DEFAULT_TIMEOUT_S,
    FilePart,
    HttpResponse,
    TlsOptions,
    clamp_timeout,
    http_client,
)
from engine.spec import FieldSpec, ModuleCall, ModuleSpec, ModuleTable
from engine.values import to_bool, to_json_value, to_text

if TYPE_CHECKING:
    from engine.connections import BoundConnection

MODULES = ModuleTable()

METHODS = ["get", "head", "post", "put", "patch", "delete", "options"]


def _labelled(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    """Select options as Make labels them (the value is what the blueprint keeps)."""
    return [{"label": label, "value": value} for value, label in pairs]


METHOD_OPTIONS = _labelled(*((m, m.upper()) for m in METHODS))
_PAGINATION_LABELS = ("Offset-based", "Page-based", "URL-based", "Token-based")

# --- shared field declarations -------------------------------------------------------------

_NAME_VALUE = [FieldSpec(name="name", label="Name"), FieldSpec(name="value", label="Value")]
_HANDLE_ERRORS = FieldSpec(
    name="handleErrors",
    type="boolean",
    label="Evaluate all states as errors (except for 2xx and 3xx)",
    default=False,
)
# Mutual TLS (PEM texts; see `_tls`).
_CLIENT_CERTIFICATE = [
    FieldSpec(name="clientCertificate", label="Client certificate (PEM)", advanced=True,
              shown_when={"useMtls": [True]}),
    FieldSpec(name="clientKey", label="Client private key (PEM)", advanced=True,
              sensitive=True, shown_when={"useMtls": [True]}),
    FieldSpec(name="clientKeyPassphrase", label="Private key passphrase", advanced=True,
              sensitive=True, shown_when={"useMtls": [True]}),
]
_V3_MAPPER = [
    FieldSpec(name="url", type="url", label="URL", required=True),
    FieldSpec(name="serializeUrl", type="boolean", label="Serialize URL", default=False),
    FieldSpec(name="method", type="select", label="Method", default="get", options=METHOD_OPTIONS),
    FieldSpec(name="headers", type="array", label="Headers", spec=_NAME_VALUE,
              sensitive="named"),
    FieldSpec(name="qs", type="array", label="Query String", spec=_NAME_VALUE,
              sensitive="named"),
    FieldSpec(
        name="bodyType",
        type="select",
        label="Body type",
        options=_labelled(("", "Empty"), ("raw", "Raw"),
                          ("x_www_form_urlencoded", "Application/x-www-form-urlencoded"),
                          ("multipart_form_data", "Multipart/form-data")),
    ),
    FieldSpec(
        name="contentType",
        type="select",
        label="Content type",
        options=_labelled(("text/plain", "Text (text/plain)"),
                          ("application/json", "JSON (application/json)"),
                          ("application/xml", "XML (application/xml)"),
                          ("text/xml", "XML (text/xml)"), ("text/html", "HTML (text/html)"),
                          ("custom", "Custom")),
    ),
    FieldSpec(name="data", type="any", label="Request content"),
    FieldSpec(
        name="formFields",
        type="array",
        label="Fields",
        spec=[FieldSpec(name="key", label="Key"), FieldSpec(name="value", type="any"),
              FieldSpec(name="fileName", label="File name")],
        sensitive="named",
    ),
    FieldSpec(name="parseResponse", type="boolean", label="Parse response", default=False),
    FieldSpec(name="authUser", label="User name", advanced=True),
    FieldSpec(name="authPass", label="Password", advanced=True, sensitive=True),
    FieldSpec(name="timeout", type="uinteger", label="Timeout (s)", advanced=True),
    FieldSpec(name="shareCookies", type="boolean", label="Share cookies with other modules",
              default=False, advanced=True),
    FieldSpec(name="followRedirect", type="boolean", label="Follow redirect", default=True,
              advanced=True),
    FieldSpec(name="followAllRedirects", type="boolean", label="Follow all redirects",
              default=False, advanced=True),
    FieldSpec(name="useQuerystring", type="boolean", advanced=True,
              label="Disable serialization of multiple same query string keys as arrays"),
    FieldSpec(name="gzip", type="boolean", label="Request compressed content", default=True,
              advanced=True),
    FieldSpec(name="ca", label="Self-signed certificate", advanced=True),
    FieldSpec(name="rejectUnauthorized", type="boolean", default=True, advanced=True,
              label="Reject connections that are using unverified (self-signed) certificates"),
    FieldSpec(name="useMtls", type="boolean", label="Use Mutual TLS", default=False,
              advanced=True),
    *_CLIENT_CERTIFICATE,
]
_V3_INTERFACE = [
    FieldSpec(name="statusCode", type="number", label="Status code"),
    FieldSpec(name="headers", type="array", label="Headers", spec=_NAME_VALUE),
    FieldSpec(name="cookieHeaders", type="array", label="Cookie headers"),
    FieldSpec(name="data", type="any", label="Data"),
]

# --- request building ----------------------------------------------------------------------


def _pairs(items: Any, *name_keys: str) -> list[tuple[str, str]]:
    """[{name, value}] (or {key, value}, or a plain collection) as ordered text pairs."""
    if isinstance(items, dict):
        return [(str(k), to_text(v)) for k, v in items.items()]
    out: list[tuple[str, str]] = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        name = next((item[k] for k in name_keys if not _blank(item.get(k))), None)
        if name is None:
            continue
        out.append((to_text(name).strip(), to_text(item.get("value"))))
    return out


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _has(headers: list[tuple[str, str]], name: str) -> bool:
    return any(key.lower() == name for key, _ in headers)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return to_text(value).encode("utf-8")


def _url(mapper: dict[str, Any]) -> str:
    url = to_text(mapper.get("url")).strip()
    if not url:
        raise ModuleError("The URL is empty: map or type the address to call.", name="DataError")
    return url


def _method(mapper: dict[str, Any]) -> str:
    method = to_text(mapper.get("method")).strip().lower() or "get"
    if not re.fullmatch(r"[a-z]+", method):
        raise ModuleError(f"Invalid HTTP method {method!r}.", name="DataError")
    return method


def _form_body(
    fields: list[dict[str, Any]], multipart: bool
) -> tuple[bytes | None, list[tuple[str, FilePart]] | None, str | None]:
    """A urlencoded body (content, content type) or multipart parts (files)."""
    if not multipart:
        pairs = _pairs(fields, "key", "name")
        return urlencode(pairs).encode("ascii"), None, "application/x-www-form-urlencoded"
    parts: list[tuple[str, FilePart]] = []
    for item in fields:
        if not isinstance(item, dict):
            continue
        name = item.get("key", item.get("name"))
        if _blank(name):
            continue
        value = item.get("value", item.get("data"))
        file_name = item.get("fileName")
        if isinstance(value, dict) and "data" in value:  # a mapped file {fileName, data}
            file_name = value.get("fileName", file_name)
            value = value["data"]
        is_file = item.get("type") == "file" or isinstance(value, (bytes, bytearray))
        if is_file:
            parts.append((to_text(name), (to_text(file_name) or "file", _as_bytes(value),
                                          item.get("contentType") or None)))
        else:
            parts.append((to_text(name), (None, _as_bytes(value), None)))
    return None, parts, None


def _content_type_header(headers: list[tuple[str, str]], content_type: str | None) -> None:
    if content_type and not _has(headers, "content-type"):
        headers.append(("Content-Type", content_type))


def _warn_missing_credentials(call: ModuleCall, kind: str, reference: Any) -> None:
    """v4 only: the v3 credential modules declare `connection`, so the executor's
    initialization already warns about their missing keychains."""
    message = (
        f"module {call.module_id}: {kind} credentials"
        + (f" ({reference})" if not _blank(reference) else "")
        + " are not available locally; the request is sent without them"
    )
    if message not in call.run.warnings:
        call.run.warn(message)


# --- credentials: keychains and OAuth 2.0 accounts --------------------------------------------

Pairs = list[tuple[str, str]]
Send = Callable[[Pairs, Pairs], Awaitable[HttpResponse]]
_KIND_LABELS = {"basic": "username and password", "api_key": "API key", "oauth2": "OAuth 2.0",
                "client_cert": "client certificate"}


@dataclass(frozen=True)
class Keychain:
    """Where a module names its credentials, and which kind of connection they are."""

    parameter: str  # "key", "apiKeyKeychain", ...
    component: str  # the HTTP connection type: basicauth, apikeyauth, oauth2
    kind: str  # basic, api_key, oauth2 (engine.connections.kinds)


BASIC = Keychain("key", "basicauth", "basic")
API_KEY = Keychain("auth", "apikeyauth", "api_key")
OAUTH = Keychain("account", "oauth2", "oauth2")
# Its parameter's name in Make exports is unverified (none in the corpus): `key` as Basic's.
CLIENT_CERT = Keychain("key", "clientcertauth", "client_cert")
# http:MakeRequest (v4): the keychain of each `authenticationType`.
V4_KEYCHAINS = {"basicAuth": Keychain("basicAuthKeychain", "basicauth", "basic"),
                "apiKey": Keychain("apiKeyKeychain", "apikeyauth", "api_key"),
                "oAuth": Keychain("oAuthAccount", "oauth2", "oauth2")}


@dataclass(frozen=True)
class _Credentials:
    kind: str
    data: Mapping[str, Any]
    bound: BoundConnection | None  # a workspace connection (renewable) or plain bound data


def _credentials(call: ModuleCall, keychain: Keychain, reference: Any) -> _Credentials | None:
    """The connection bound to the reference (None: nothing bound, send without)."""
    from engine.apps.runtime import find_connection

    found = find_connection(call.run, reference, keychain.component)
    if found is None:
        return None
    from engine.connections import BoundConnection

    bound = found if isinstance(found, BoundConnection) else None
    kind = bound.connection.kind if bound is not None else keychain.kind
    if kind != keychain.kind:
        raise ModuleError(
            f"{keychain.parameter} {reference} is {_a(kind)} connection; this module needs "
            f"{_a(keychain.kind)} keychain (`scenarist connections add http:"
            f"{keychain.component}`)", name="InvalidConfigurationError")
    return _Credentials(kind, found.data, bound)


def _a(kind: str) -> str:
    label = _KIND_LABELS.get(kind, kind)
    return f"{'an' if label[0].lower() in 'aeiou' else 'a'} {label}"


def _replaced(pairs: Pairs, name: str, value: str, *, fold: bool) -> Pairs:
    """`pairs` with every item called `name` (any case when `fold`) replaced by one."""
    def same(key: str) -> bool:
        return key.lower() == name.lower() if fold else key == name

    return [*(p for p in pairs if not same(p[0])), (name, value)]


def _apply(credentials: _Credentials, headers: Pairs, params: Pairs) -> tuple[Pairs, Pairs]:
    data = credentials.data
    if credentials.kind == "client_cert":  # presented in the handshake (`_keychain_tls`)
        return headers, params
    if credentials.kind == "basic":
        pair = f"{to_text(data.get('username'))}:{to_text(data.get('password'))}"
        token = base64.b64encode(pair.encode()).decode("ascii")
        return _replaced(headers, "Authorization", f"Basic {token}", fold=True), params
    if credentials.kind == "api_key":
        name = to_text(data.get("name")).strip() or "Authorization"
        key = to_text(data.get("key"))
        if to_text(data.get("placement")).strip().lower() == "query":
            return headers, _replaced(params, name, key, fold=False)
        return _replaced(headers, name, key, fold=True), params
    token = to_text(data.get("accessToken"))
    if not token:
        bound = credentials.bound
        which = bound.connection.id if bound is not None else "ID"
        raise ModuleError(f"the OAuth 2.0 connection is not authorized yet: run `scenarist "
                          f"connections authorize {which}`", name="InvalidAccessTokenError")
    scheme = to_text(data.get("tokenType")).strip()
    scheme = "Bearer" if not scheme or scheme.lower() == "bearer" else scheme
    return _replaced(headers, "Authorization", f"{scheme} {token}", fold=True), params


def _sender(call: ModuleCall, method: str, url: str, content: Any, files: Any, *,
            follow_redirects: bool, compressed: bool, tls: TlsOptions | None = None) -> Send:
    """The request every HTTP module sends (headers and query filled in by `_send_with`,
    which may apply credentials and send it twice)."""
    mapper = call.mapper

    async def send(headers: Pairs, params: Pairs) -> HttpResponse:
        return await http_client(call.run).request(
            method, url, headers=headers, params=params, content=content, files=files,
            timeout=clamp_timeout(mapper.get("timeout"), DEFAULT_TIMEOUT_S),
            follow_redirects=follow_redirects,
            share_cookies=to_bool(mapper.get("shareCookies")), compressed=compressed,
            tls=tls,
        )

    return send


def _tls(mapper: dict[str, Any], *, mutual: bool, verify: bool = True) -> TlsOptions | None:
    """The TLS settings the module's fields ask for (None: the default ones).

    Make keeps these certificates in keychains; here they are PEM texts in the module's
    fields (`ca`, and with mutual TLS `clientCertificate`, `clientKey`,
    `clientKeyPassphrase`: the last three names unverified)."""
    options = TlsOptions(
        ca=to_text(mapper.get("ca")),
        verify=verify,
        client_cert=to_text(mapper.get("clientCertificate")) if mutual else "",
        client_key=to_text(mapper.get("clientKey")) if mutual else "",
        key_password=to_text(mapper.get("clientKeyPassphrase")) if mutual else "",
    )
    if mutual and not options.client_cert.strip():
        raise ModuleError("Mutual TLS is on but no client certificate is given.",
                          name="DataError")
    return None if options.default else options


def _keychain_tls(credentials: _Credentials, mapper: dict[str, Any]) -> TlsOptions:
    """The module's TLS settings with the keychain's client certificate."""
    data = credentials.data
    certificate = to_text(data.get("certificate"))
    if not certificate.strip():
        raise ModuleError("The client certificate keychain holds no certificate.",
                          name="InvalidConfigurationError")
    return TlsOptions(ca=to_text(mapper.get("ca")),
                      verify=to_bool(mapper.get("rejectUnauthorized", True)),
                      client_cert=certificate, client_key=to_text(data.get("privateKey")),
                      key_password=to_text(data.get("passphrase")))


async def _send_with(call: ModuleCall, credentials: _Credentials | None, headers: Pairs,
                     params: Pairs, send: Send) -> HttpResponse:
    """Send with the credentials applied. An OAuth 2.0 token due to expire is renewed first;
    a 401 renews it (unless another module just did) and the request goes once more."""
    if credentials is None:
        return await send(headers, params)
    bound = credentials.bound
    if bound is not None:
        await bound.renew_if_due(call.run)
        credentials = _Credentials(credentials.kind, bound.data, bound)
    response = await send(*_apply(credentials, headers, params))
    if response.status != 401 or bound is None or not bound.renewable:
        return response
    await bound.renew(call.run, stale=to_text(credentials.data.get("accessToken")) or None)
    return await send(*_apply(_Credentials(credentials.kind, bound.data, bound), headers,
                              params))


# --- response reading ----------------------------------------------------------------------

_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(.*\+)?(json|xml)|.*javascript|application/x-www-form-urlencoded"
    r"|application/(x-)?ndjson|image/svg\+xml)$"
)


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json") or (
        content_type.endswith("/json")
    )


def _is_xml(content_type: str) -> bool:
    return content_type in ("application/xml", "text/xml") or content_type.endswith("+xml")


def _body_value(response: HttpResponse, parse: bool) -> Any:
    """The `data` output: parsed JSON or XML (engine.builtins.xml_'s shape), text, or
    bytes."""
    content = response.content
    if not content:
        return ""
    ctype = response.content_type
    if parse and _is_json(ctype):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError as exc:
            raise ModuleError(
                f"The response says it is JSON ({ctype}) but cannot be parsed: {exc}",
                name="DataError",
                detail={"statusCode": response.status},
            ) from exc
    if parse and _is_xml(ctype):
        from engine.builtins.xml_ import parse_xml

        try:
            return parse_xml(content)
        except ModuleError as exc:
            raise ModuleError(f"The response says it is XML ({ctype}) but cannot be parsed: "
                              f"{exc.message}",
                              name="DataError", detail={"statusCode": response.status}
                              ) from None
    if response.charset or _TEXT_TYPES.match(ctype):
        return _decode(content, response.charset)
    if not ctype:
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            return content
    return content


def _decode(content: bytes, charset: str | None) -> str:
    try:
        return content.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


def _error_excerpt(response: HttpResponse) -> str:
    text = _decode(response.content[:500], response.charset).strip()
    return f": {text}" if text else ""


def _check_status(response: HttpResponse, method: str, url: str, data: Any) -> None:
    if response.status < 400:
        return
    raise ModuleError(
        f"[{response.status}] {method.upper()} {url} failed: {response.reason}"
        + _error_excerpt(response),
        name="RuntimeError",
        detail={"statusCode": response.status, "data": to_json_value(data)},
    )


def _safe_body(response: HttpResponse, parse: bool) -> Any:
    try:
        return _body_value(response, parse)
    except ModuleError:
        return _decode(response.content, response.charset)


def headers_as_array(response: HttpResponse) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in response.headers]


# --- v3: Make a request ----------------------------------------------------------------------


async def _send_v3(call: ModuleCall, keychain: Keychain | None = None
                   ) -> list[dict[str, Any]]:
    mapper = call.mapper
    credentials = None
    if keychain is not None:
        credentials = _credentials(call, keychain, call.parameters.get(keychain.parameter))
    url, method = _url(mapper), _method(mapper)
    headers = _pairs(mapper.get("headers"), "name", "key")
    params = _pairs(mapper.get("qs"), "name", "key")
    content: bytes | None = None
    files = None
    body_type = to_text(mapper.get("bodyType"))
    if body_type == "raw":
        data = mapper.get("data")
        content = b"" if data is None else _as_bytes(data)
        ctype = to_text(mapper.get("contentType"))
        _content_type_header(headers, ctype if ctype and ctype != "custom" else None)
    elif body_type in ("x_www_form_urlencoded", "multipart_form_data"):
        fields = mapper.get("formFields") or []
        content, files, form_type = _form_body(fields, body_type == "multipart_form_data")
        _content_type_header(headers, form_type)
    user, password = to_text(mapper.get("authUser")), to_text(mapper.get("authPass"))
    if (user or password) and not _has(headers, "authorization"):
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        headers.append(("Authorization", f"Basic {token}"))

    tls = _tls(mapper, mutual=to_bool(mapper.get("useMtls")),
               verify=to_bool(mapper.get("rejectUnauthorized", True)))
    if credentials is not None and credentials.kind == "client_cert":
        tls = _keychain_tls(credentials, mapper)
    send = _sender(call, method, url, content, files,
                   follow_redirects=to_bool(mapper.get("followRedirect", True))
                   or to_bool(mapper.get("followAllRedirects")),
                   compressed=to_bool(mapper.get("gzip", True)), tls=tls)
    response = await _send_with(call, credentials, headers, params, send)
    parse = to_bool(mapper.get("parseResponse"))
    if to_bool(call.parameters.get("handleErrors")):
        _check_status(response, method, url, _safe_body(response, parse))
    return [
        {
            "statusCode": response.status,
            "headers": headers_as_array(response),
            "cookieHeaders": response.header_values("set-cookie"),
            "data": _body_value(response, parse),
        }
    ]


@MODULES.module(
    "http:ActionSendData",
    label="Make a request (legacy)",
    kind="action",
    parameters=[_HANDLE_ERRORS],
    mapper=_V3_MAPPER,
    interface=_V3_INTERFACE,
)
async def action_send_data(call: ModuleCall) -> list[dict[str, Any]]:
    return await _send_v3(call)


def _with_keychain(keychain: Keychain) -> Callable[[ModuleCall], Awaitable[Any]]:
    async def send_data(call: ModuleCall) -> list[dict[str, Any]]:
        return await _send_v3(call, keychain)

    return send_data


# The credential variants differ only in the keychain/connection they name.
_V3_WITHOUT_LOGIN = [f for f in _V3_MAPPER if f.name not in ("authUser", "authPass")]
# The client certificate comes from the keychain, not from mapped PEM texts.
_V3_CERT = [f for f in _V3_WITHOUT_LOGIN
            if f.name != "useMtls" and f not in _CLIENT_CERTIFICATE]
for _module_id, _label, _keychain, _credential in [
    ("http:ActionSendDataBasicAuth", "Make a Basic Auth request", BASIC,
     FieldSpec(name=BASIC.parameter, type="keychain", label="Credentials", required=True)),
    ("http:ActionSendDataAPIKeyAuth", "Make an API Key Auth request", API_KEY,
     FieldSpec(name=API_KEY.parameter, type="keychain", label="Credentials", required=True)),
    ("http:ActionSendDataClientCertAuth", "Make a Client Certificate Auth request", CLIENT_CERT,
     FieldSpec(name=CLIENT_CERT.parameter, type="keychain", label="Credentials",
               required=True)),
    ("http:ActionSendDataOAuth", "Make an OAuth 2.0 request", OAUTH,
     FieldSpec(name=OAUTH.parameter, type="account", label="Connection", required=True)),
]:
    MODULES.add(ModuleSpec(
        id=_module_id, label=_label, kind="action", parameters=[_credential, _HANDLE_ERRORS],
        mapper=_V3_CERT if _keychain is CLIENT_CERT else _V3_WITHOUT_LOGIN,
        interface=_V3_INTERFACE, connection=_keychain.component,
        implementation=_with_keychain(_keychain),
    ))


# --- v3: Get a file ----------------------------------------------------------------------------

_DISPOSITION_STAR = re.compile(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", re.IGNORECASE)
_DISPOSITION = re.compile(r'filename\s*=\s*("([^"]*)"|[^;]+)', re.IGNORECASE)


def file_name_of(response: HttpResponse, url: str) -> str:
    """The file name from Content-Disposition, else the URL's last path segment."""
    disposition = response.header("content-disposition") or ""
    star = _DISPOSITION_STAR.search(disposition)
    if star:
        return unquote(star.group(2).strip(), encoding=star.group(1) or "utf-8")
    plain = _DISPOSITION.search(disposition)
    if plain:
        name = plain.group(2) if plain.group(2) is not None else plain.group(1).strip()
        if name:
            return name
    for candidate in (response.url, url):
        segment = unquote(urlsplit(candidate).path.rstrip("/").rsplit("/", 1)[-1])
        if segment:
            return segment
    return "file"


_FILE_INTERFACE = [
    FieldSpec(name="fileName", label="File name"),
    FieldSpec(name="data", type="buffer", label="Data"),
    FieldSpec(name="fileSize", type="number", label="File size"),
    FieldSpec(name="mimeType", label="MIME type"),
    FieldSpec(name="statusCode", type="number", label="Status code"),
]


@MODULES.module(
    "http:ActionGetFile",
    label="Get a file",
    kind="action",
    parameters=[_HANDLE_ERRORS],
    mapper=[
        FieldSpec(name="url", type="url", label="URL", required=True),
        FieldSpec(name="method", type="hidden", default="get"),
        FieldSpec(name="serializeUrl", type="boolean", label="Serialize URL", default=False),
        FieldSpec(name="shareCookies", type="boolean", label="Share cookies with other modules",
                  default=False),
    ],
    interface=[
        *_FILE_INTERFACE,
        FieldSpec(name="headers", type="array", label="Headers", spec=_NAME_VALUE),
    ],
)
async def action_get_file(call: ModuleCall) -> list[dict[str, Any]]:
    url = _url(call.mapper)
    response = await http_client(call.run).request(
        "get",
        url,
        share_cookies=to_bool(call.mapper.get("shareCookies")),
    )
    if to_bool(call.parameters.get("handleErrors")):
        _check_status(response, "get", url, _safe_body(response, False))
    return [{**file_of(response, url), "headers": headers_as_array(response)}]


def file_of(response: HttpResponse, url: str) -> dict[str, Any]:
    """The downloaded file as a binary item; `mimeType` is the server's Content-Type, or
    the one its name says when the server gives none or a generic one (unverified: Make's
    name for the field)."""
    name = file_name_of(response, url)
    return {"fileName": name, "data": response.content, "fileSize": len(response.content),
            "mimeType": mime_type_of(name, response.header("content-type")),
            "statusCode": response.status}


@MODULES.module(
    "http:ActionRetrieveHeaders",
    label="Retrieve headers",
    kind="search",
    description="Sends a request and returns each header of the response as a bundle "
    "{name, value}.",
    parameters=[_HANDLE_ERRORS],
    mapper=[
        FieldSpec(name="url", type="url", label="URL", required=True),
        FieldSpec(name="method", type="select", label="Method", default="get",
                  options=METHOD_OPTIONS),
        FieldSpec(name="headers", type="array", label="Headers", spec=_NAME_VALUE,
                  sensitive="named"),
        FieldSpec(name="qs", type="array", label="Query String", spec=_NAME_VALUE,
                  sensitive="named"),
        FieldSpec(name="shareCookies", type="boolean", label="Share cookies with other modules",
                  default=False),
        FieldSpec(name="followRedirect", type="boolean", label="Follow redirect",
                  default=True, advanced=True),
    ],
    interface=_NAME_VALUE,
    aliases=["http:RetrieveHeaders"],
)
async def retrieve_headers(call: ModuleCall) -> list[dict[str, Any]]:
    """Unverified against Make: the module id and its fields (modelled on Get a file)."""
    mapper = call.mapper
    url, method = _url(mapper), _method(mapper)
    send = _sender(call, method, url, None, None,
                   follow_redirects=to_bool(mapper.get("followRedirect", True)),
                   compressed=True)
    response = await send(_pairs(mapper.get("headers"), "name", "key"),
                          _pairs(mapper.get("qs"), "name", "key"))
    if to_bool(call.parameters.get("handleErrors")):
        _check_status(response, method, url, _safe_body(response, False))
    return headers_as_array(response)


# --- v4: Make a request ------------------------------------------------------------------------


def _v4_body(
    mapper: dict[str, Any],
) -> tuple[bytes | None, list[tuple[str, FilePart]] | None, str | None]:
    kind = to_text(mapper.get("contentType"))
    if kind == "json":
        if to_text(mapper.get("inputMethod")) == "dataStructure":
            body = mapper.get("bodyDataStructure")
            if _blank(body):
                return None, None, None
            if isinstance(body, str):
                return body.encode("utf-8"), None, "application/json"
            return orjson.dumps(to_json_value(body)), None, "application/json"
        text = mapper.get("jsonStringBodyContent")
        if _blank(text):
            return None, None, None
        return _as_bytes(text), None, "application/json"
    if kind in ("urlEncoded", "multipart"):
        fields = mapper.get("bodyParameters") or mapper.get("formFields") or []
        if isinstance(fields, dict):
            fields = [{"name": k, "value": v} for k, v in fields.items()]
        return _form_body(fields, kind == "multipart")
    if kind == "custom":
        body = mapper.get("customBodyContent", mapper.get("body"))
        if _blank(body):
            return None, None, None
        ctype = to_text(mapper.get("customContentType")) or None
        return _as_bytes(body), None, ctype
    return None, None, None


_V4_AUTH_PARAMETERS = [
    FieldSpec(name="authenticationType", type="select", label="Authentication type",
              default="noAuth",
              options=_labelled(("noAuth", "No authentication"), ("apiKey", "API key"),
                                ("basicAuth", "Basic auth"), ("oAuth", "OAuth 2.0"))),
    FieldSpec(name="apiKeyKeychain", type="keychain", label="API key",
              shown_when={"authenticationType": ["apiKey"]}),
    FieldSpec(name="basicAuthKeychain", type="keychain", label="Username and password",
              shown_when={"authenticationType": ["basicAuth"]}),
    FieldSpec(name="oAuthAccount", type="account", label="Connection",
              shown_when={"authenticationType": ["oAuth"]}),
    FieldSpec(name="tlsType", type="select", label="Transport layer security (TLS)",
              options=_labelled(("", "None"), ("tls", "TLS"), ("mTls", "Mutual TLS")),
              advanced=True),
]
# With `tlsType` (a parameter) the certificates are mapped: see `_tls`.
_V4_TLS_FIELDS = [
    FieldSpec(name="ca", label="Certificate authority (PEM)", advanced=True,
              help="A CA or self-signed certificate to trust, besides the system's."),
    *(f.model_copy(update={"shown_when": None}) for f in _CLIENT_CERTIFICATE),
]
_PAGINATION_FIELDS = [
    FieldSpec(name="paginationType", type="select", label="Pagination type", advanced=True,
              options=_labelled(("", "No pagination"),
                                *zip(PAGINATION_KINDS, _PAGINATION_LABELS, strict=True))),
    FieldSpec(name="itemsPath", label="Path to the items", advanced=True,
              help="Where a page's items are in the response, e.g. results (default: the "
              "response itself when it is an array).",
              shown_when={"paginationType": ["offsetBased", "pageBased"]}),
    FieldSpec(name="offsetParameterName", label="Offset parameter", default="offset",
              advanced=True, shown_when={"paginationType": ["offsetBased"]}),
    FieldSpec(name="offsetStart", type="uinteger", label="First offset", default=0,
              advanced=True, shown_when={"paginationType": ["offsetBased"]}),
    FieldSpec(name="limitParameterName", label="Limit parameter", default="limit",
              advanced=True, shown_when={"paginationType": ["offsetBased"]}),
    FieldSpec(name="limit", type="uinteger", label="Page size (limit)", advanced=True,
              shown_when={"paginationType": ["offsetBased"]}),
    FieldSpec(name="pageParameterName", label="Page parameter", default="page",
              advanced=True, shown_when={"paginationType": ["pageBased"]}),
    FieldSpec(name="pageStart", type="uinteger", label="First page", default=1,
              advanced=True, shown_when={"paginationType": ["pageBased"]}),
    FieldSpec(name="pageSizeParameterName", label="Page size parameter", advanced=True,
              shown_when={"paginationType": ["pageBased"]}),
    FieldSpec(name="pageSize", type="uinteger", label="Page size", advanced=True,
              shown_when={"paginationType": ["pageBased"]}),
    FieldSpec(name="nextPageUrlPath", label="Path to the next page's URL", advanced=True,
              help="e.g. links.next; empty: the Link header's rel=next.",
              shown_when={"paginationType": ["urlBased"]}),
    FieldSpec(name="nextPageTokenPath", label="Path to the next page token", advanced=True,
              default="nextPageToken", shown_when={"paginationType": ["tokenBased"]}),
    FieldSpec(name="tokenParameterName", label="Token parameter", default="pageToken",
              advanced=True, shown_when={"paginationType": ["tokenBased"]}),
    FieldSpec(name="maxPages", type="uinteger", label="Maximum number of pages", default=100,
              advanced=True, shown_when={"paginationType": list(PAGINATION_KINDS)}),
]


@MODULES.module(
    "http:MakeRequest",
    label="Make a request",
    kind="action",
    parameters=_V4_AUTH_PARAMETERS,
    mapper=[
        FieldSpec(name="url", type="url", label="URL", required=True),
        FieldSpec(name="method", type="select", label="Method", default="get",
                  options=METHOD_OPTIONS),
        FieldSpec(name="headers", type="array", label="Headers", spec=_NAME_VALUE,
                  sensitive="named"),
        FieldSpec(name="queryParameters", type="array", label="Query parameters",
                  spec=_NAME_VALUE, sensitive="named"),
        FieldSpec(name="contentType", type="select", label="Body content type",
                  options=_labelled(("json", "JSON (application/json)"),
                                    ("multipart", "Multipart/form-data"),
                                    ("urlEncoded", "URL-encoded form"),
                                    ("custom", "Custom"))),
        FieldSpec(name="inputMethod", type="select", label="Body input method",
                  options=_labelled(("jsonString", "JSON string"),
                                    ("dataStructure", "Data structure"))),
        FieldSpec(name="jsonStringBodyContent", type="text", label="Body content"),
        FieldSpec(name="bodyDataStructure", type="any", label="Body structure"),
        FieldSpec(name="bodyParameters", type="array", label="Body parameters",
                  spec=_NAME_VALUE, sensitive="named"),
        FieldSpec(name="customContentType", label="Content type"),
        FieldSpec(name="customBodyContent", label="Body content"),
        FieldSpec(name="parseResponse", type="boolean", label="Parse response", default=True),
        FieldSpec(name="stopOnHttpError", type="boolean",
                  label="Return error if HTTP request fails", default=False),
        FieldSpec(name="timeout", type="uinteger", label="Timeout (s)", advanced=True),
        FieldSpec(name="allowRedirects", type="boolean", label="Allow redirects", default=True,
                  advanced=True),
        FieldSpec(name="shareCookies", type="boolean", label="Share cookies with other modules",
                  default=False, advanced=True),
        FieldSpec(name="requestCompressedContent", type="boolean",
                  label="Request compressed content", default=True, advanced=True),
        *_V4_TLS_FIELDS,
        *_PAGINATION_FIELDS,
    ],
    interface=[
        FieldSpec(name="data", type="any", label="Data"),
        FieldSpec(name="statusCode", type="number", label="Status Code"),
        FieldSpec(name="headers", type="collection", label="Headers"),
    ],
)
async def make_request(call: ModuleCall) -> list[dict[str, Any]]:
    mapper = call.mapper
    credentials = _v4_credentials(call)
    url, method = _url(mapper), _method(mapper)
    headers = _pairs(mapper.get("headers"), "name", "key")
    params = _pairs(mapper.get("queryParameters"), "name", "key")
    content, files, ctype = _v4_body(mapper)
    if content is not None:
        _content_type_header(headers, ctype)
    tls = _v4_tls(call)
    paging = Pagination.of(mapper, url)
    if paging is not None:
        params = with_params(params, paging.first_params())

    def sender(target: str) -> Send:
        return _sender(call, method, target, content, files,
                       follow_redirects=to_bool(mapper.get("allowRedirects", True)),
                       compressed=to_bool(mapper.get("requestCompressedContent", True)),
                       tls=tls)

    parse = to_bool(mapper.get("parseResponse", True))
    stop_on_error = to_bool(mapper.get("stopOnHttpError"))
    bundles: list[dict[str, Any]] = []
    target = url
    while True:
        response = await _send_with(call, credentials, headers, params, sender(target))
        if stop_on_error:
            _check_status(response, method, target, _safe_body(response, parse))
        data = _body_value(response, parse)
        if not bundles or paging is None or not paging.is_empty(data):
            bundles.append({"data": data, "statusCode": response.status,
                            "headers": response.header_collection()})
        following = paging.next_request(response, data) if paging is not None else None
        if following is None:
            break
        paging.pages += 1  # type: ignore[union-attr]
        target, changed = following
        params = with_params(params, changed)
    if paging is not None and paging.stopped_early:
        call.run.warn(f"module {call.module_id}: pagination stopped after {paging.max_pages} "
                      "pages (maxPages); there may be more")
    return bundles


def _v4_credentials(call: ModuleCall) -> _Credentials | None:
    """The keychain or account of the module's `authenticationType` (v4 modules)."""
    auth = to_text(call.parameters.get("authenticationType")) or "noAuth"
    if auth == "noAuth":
        return None
    credentials = None
    keychain = V4_KEYCHAINS.get(auth)
    reference = call.parameters.get(keychain.parameter) if keychain else None
    if keychain is not None and not _blank(reference):
        credentials = _credentials(call, keychain, reference)
    if credentials is None:
        _warn_missing_credentials(call, auth, reference)
    return credentials


def _v4_tls(call: ModuleCall) -> TlsOptions | None:
    kind = to_text(call.parameters.get("tlsType")).strip()
    if kind not in ("tls", "mTls"):
        return None
    return _tls(call.mapper, mutual=kind == "mTls")


@MODULES.module(
    "http:DownloadFile",
    label="Download a file",
    kind="action",
    parameters=_V4_AUTH_PARAMETERS,
    mapper=[
        FieldSpec(name="url", type="url", label="URL", required=True),
        FieldSpec(name="stopOnHttpError", type="boolean", default=True,
                  label="Return error if HTTP request fails"),
        FieldSpec(name="shareCookies", type="boolean", default=False,
                  label="Share cookies with other HTTP modules"),
        FieldSpec(name="headers", type="array", label="Headers", spec=_NAME_VALUE,
                  sensitive="named"),
        FieldSpec(name="queryParameters", type="array", label="Query parameters",
                  spec=_NAME_VALUE, sensitive="named"),
        *_V4_TLS_FIELDS,
    ],
    interface=[*_FILE_INTERFACE,
               FieldSpec(name="headers", type="collection", label="Headers")],
)
async def download_file(call: ModuleCall) -> list[dict[str, Any]]:
    """v4's Get a file: its fields are those of real exports (`url`, `stopOnHttpError`,
    `shareCookies`, `headers`, `queryParameters`); exports map `data` and `fileName`."""
    mapper = call.mapper
    credentials = _v4_credentials(call)
    url = _url(mapper)
    send = _sender(call, "get", url, None, None, follow_redirects=True, compressed=True,
                   tls=_v4_tls(call))
    response = await _send_with(call, credentials, _pairs(mapper.get("headers"), "name", "key"),
                                _pairs(mapper.get("queryParameters"), "name", "key"), send)
    if to_bool(mapper.get("stopOnHttpError", True)):
        _check_status(response, "get", url, _safe_body(response, False))
    return [{**file_of(response, url), "headers": response.header_collection()}]
