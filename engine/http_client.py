"""The run's HTTP client: the one place that owns an `httpx.AsyncClient`.

One client per run (keep-alive across modules), made on first use through
`call.run.resource("http", ...)` and closed by `RunServices.aclose()`. Requests go out exactly
as built: no `Accept` header (Make's HTTP app sends none), `Accept-Encoding` only when
compressed content is asked for, `User-Agent: Scenarist/<version>` unless the user sets one.
Transport failures become `ModuleError`s named the way Make names them.

TLS: requests trust the system's CA bundle through one context per process (made once:
loading it costs ~15 ms). A request may ask for other TLS settings (`TlsOptions`: a CA or
self-signed certificate to trust, a client certificate for mutual TLS, or no verification at
all); each distinct setting gets its own context (cached per process) and its own pooled
`httpx.AsyncClient` inside the run's client, so connections are never shared across
settings.

With the run's `EffectLog`, every request's outcome (status, headers, body bytes, or the
transport error) is recorded in order, with the request stripped of its credentials; when the
log is replaying, requests are answered from it and nothing goes on the network.
"""

from __future__ import annotations

import os
import ssl
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from engine.errors import ModuleError
from engine.sensitive import REDACTED, is_credential_name, url_without_credentials

if TYPE_CHECKING:  # httpx loads at the first request (each function imports it):
    import httpx  # a run without HTTP, and `scenarist --help`, never pay ~40 ms for it

    from engine.context import RunServices
    from engine.effects import EffectLog

DEFAULT_TIMEOUT_S = 40.0
MIN_TIMEOUT_S = 1.0
MAX_TIMEOUT_S = 300.0
MAX_REDIRECTS = 10


def _version() -> str:
    try:
        return metadata.version("scenarist")
    except metadata.PackageNotFoundError:
        return "0.1.0"


USER_AGENT = f"Scenarist/{_version()}"

# A file's bytes as httpx takes them in a multipart body: (filename, content, content type).
FilePart = tuple[str | None, bytes, str | None]


@dataclass(slots=True)
class HttpResponse:
    """What came back: status, headers in order (lower-case names), the decoded body."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    content: bytes
    url: str

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key == wanted]

    def header_collection(self) -> dict[str, Any]:
        """Headers as Make shows them in a collection: repeated ones joined with ", ",
        `set-cookie` as an array."""
        out: dict[str, Any] = {}
        for name, value in self.headers:
            if name == "set-cookie":
                out.setdefault(name, []).append(value)
            elif name in out:
                out[name] = f"{out[name]}, {value}"
            else:
                out[name] = value
        return out

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case ("" when absent)."""
        raw = self.header("content-type") or ""
        return raw.split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        raw = self.header("content-type") or ""
        for part in raw.split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"')
        return None


def clamp_timeout(value: Any, default: float = DEFAULT_TIMEOUT_S) -> float:
    """Make's timeout field: "" or null means the default; otherwise 1–300 seconds."""
    if value is None or value == "":
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    return min(max(seconds, MIN_TIMEOUT_S), MAX_TIMEOUT_S)


_ssl_context: ssl.SSLContext | None = None


def shared_ssl_context() -> ssl.SSLContext:
    """httpx's default TLS settings, made once per process: loading the CA bundle costs
    ~15 ms, which a background runtime would otherwise pay on every run."""
    import httpx
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = httpx.create_ssl_context()
    return _ssl_context


@dataclass(frozen=True, slots=True)
class TlsOptions:
    """TLS settings of one request (PEM texts). The defaults are the shared context's."""

    ca: str = ""  # a CA or self-signed certificate to trust, besides the system's
    verify: bool = True  # False: accept any certificate (Make's "reject unauthorized" off)
    client_cert: str = ""  # mutual TLS: the client certificate (chain)
    client_key: str = ""  # and its private key (may be in the same PEM as the certificate)
    key_password: str = ""

    @property
    def default(self) -> bool:
        return self == _DEFAULT_TLS


_DEFAULT_TLS = TlsOptions()
_contexts: dict[TlsOptions, ssl.SSLContext] = {}
_contexts_lock = threading.Lock()
_MAX_CONTEXTS = 32


def ssl_context_for(options: TlsOptions) -> ssl.SSLContext:
    """The context of these settings, made once per process (a few kept, oldest dropped).
    Certificates that cannot be read are a DataError naming which one."""
    import httpx
    if options.default:
        return shared_ssl_context()
    with _contexts_lock:
        found = _contexts.get(options)
    if found is not None:
        return found
    context = httpx.create_ssl_context()
    if not options.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif options.ca.strip():
        try:
            context.load_verify_locations(cadata=options.ca)
        except (ssl.SSLError, ValueError) as exc:
            raise ModuleError(f"The CA certificate cannot be read: {exc}",
                              name="DataError") from None
    if options.client_cert.strip():
        _load_client_certificate(context, options)
    with _contexts_lock:
        if len(_contexts) >= _MAX_CONTEXTS:
            _contexts.pop(next(iter(_contexts)))
        _contexts[options] = context
    return context


def _load_client_certificate(context: ssl.SSLContext, options: TlsOptions) -> None:
    """ssl reads a certificate chain only from files: written to private temporary files,
    loaded, and removed at once."""
    paths: list[str] = []
    try:
        for text in (options.client_cert, options.client_key):
            if not text.strip():
                paths.append("")
                continue
            fd, path = tempfile.mkstemp(prefix="scenarist-tls-", suffix=".pem")
            paths.append(path)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
        context.load_cert_chain(paths[0], paths[1] or None,
                                password=options.key_password or None)
    except (ssl.SSLError, ValueError, OSError) as exc:
        raise ModuleError(f"The client certificate or its key cannot be read: {exc}",
                          name="DataError") from None
    finally:
        for path in paths:
            if path:
                try:
                    os.unlink(path)
                except OSError:
                    pass


class HttpClient:
    """A per-run HTTP client with Make's cookie sharing ("Share cookies with other modules")."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None,
                 effects: EffectLog | None = None) -> None:
        import httpx
        self._effects = effects
        self._transport = transport
        self._client = self._new_client(_DEFAULT_TLS)
        self._tls_clients: dict[TlsOptions, httpx.AsyncClient] = {}
        self._shared_cookies = httpx.Cookies()

    def _new_client(self, tls: TlsOptions) -> httpx.AsyncClient:
        import httpx
        verify: ssl.SSLContext | bool = True
        if self._transport is None:
            verify = ssl_context_for(tls)
        return httpx.AsyncClient(
            follow_redirects=False,
            timeout=DEFAULT_TIMEOUT_S,
            max_redirects=MAX_REDIRECTS,
            transport=self._transport,
            verify=verify,
        )

    def _client_for(self, tls: TlsOptions | None) -> httpx.AsyncClient:
        if tls is None or tls.default:
            return self._client
        client = self._tls_clients.get(tls)
        if client is None:
            client = self._tls_clients[tls] = self._new_client(tls)
        return client

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Sequence[tuple[str, str]] = (),
        params: Sequence[tuple[str, str]] = (),
        content: bytes | None = None,
        files: Sequence[tuple[str, FilePart]] | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        follow_redirects: bool = True,
        share_cookies: bool = False,
        compressed: bool = True,
        tls: TlsOptions | None = None,
    ) -> HttpResponse:
        import httpx
        method = method.upper()
        what = f"{method} {url}"
        effects = self._effects
        client = self._client if effects is not None and effects.replaying else (
            self._client_for(tls))
        # Only the shared jar crosses modules; a module that does not share starts empty.
        client.cookies = self._shared_cookies if share_cookies else httpx.Cookies()
        try:
            request = client.build_request(
                method,
                url=with_query(url, params),
                headers=list(headers),
                content=content,
                files=list(files) if files else None,
                timeout=timeout,
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, TypeError) as exc:
            raise ModuleError(f"{what}: invalid request: {exc}", name="DataError") from exc
        _apply_default_headers(request, headers, compressed=compressed)
        if effects is None:
            return await self._send(client, request, what, timeout, follow_redirects,
                                    share_cookies)
        if effects.replaying:
            return _replayed(effects.take("http", _no_live_request))
        try:
            response = await self._send(client, request, what, timeout, follow_redirects,
                                        share_cookies)
        except ModuleError as exc:
            effects.record("http", {"request": _described(request),
                                    "error": {"name": exc.name, "message": exc.message}})
            raise
        effects.record("http", {
            "request": _described(request), "status": response.status,
            "reason": response.reason, "headers": [list(h) for h in response.headers],
            "content": response.content, "url": url_without_credentials(response.url),
        })
        return response

    async def _send(self, client: httpx.AsyncClient, request: httpx.Request, what: str,
                    timeout: float, follow_redirects: bool, share_cookies: bool
                    ) -> HttpResponse:
        import httpx
        try:
            response = await client.send(request, follow_redirects=follow_redirects)
            try:
                body = await response.aread()
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            raise _transport_error(what, exc, timeout) from exc
        except ssl.SSLError as exc:  # a TLS alert read after the handshake (TLS 1.3: a
            # server that wants a client certificate says so on the first read)
            reason = exc.reason or str(exc)
            raise ModuleError(f"{what}: TLS error: {reason.lower().replace('_', ' ')}",
                              name="ConnectionError") from exc
        finally:
            if share_cookies:
                self._shared_cookies = httpx.Cookies(client.cookies)
        return HttpResponse(
            status=response.status_code,
            reason=response.reason_phrase,
            headers=list(response.headers.multi_items()),
            content=body,
            url=str(response.url),
        )

    async def aclose(self) -> None:
        await self._client.aclose()
        for client in self._tls_clients.values():
            await client.aclose()
        self._tls_clients.clear()


def http_client(run: RunServices) -> HttpClient:
    """The run's client, made on first use (recording or replaying with the run's effects)."""
    client: HttpClient = run.resource("http", lambda: HttpClient(effects=run.effects))
    return client


# ------------------------------------------------------------- recording, replay

# Credentials (headers, URL user:password, query values) never reach the log: the names that
# say so are engine.sensitive's, shared with everything else that redacts.


def _described(request: httpx.Request) -> dict[str, Any]:
    """What a recorded request keeps: enough to read the log, never a credential."""
    return {
        "method": request.method,
        "url": url_without_credentials(str(request.url)),
        "headers": [[k, REDACTED if is_credential_name(k) else v]
                    for k, v in request.headers.multi_items()],
    }


def _no_live_request() -> Any:
    raise AssertionError("a replaying effect log never produces live values")


def _replayed(entry: dict[str, Any]) -> HttpResponse:
    error = entry.get("error")
    if error is not None:
        raise ModuleError(error.get("message", ""), name=error.get("name", "ConnectionError"))
    content = entry.get("content", b"")
    return HttpResponse(
        status=int(entry["status"]),
        reason=entry.get("reason", ""),
        headers=[(str(k), str(v)) for k, v in entry.get("headers", [])],
        content=content if isinstance(content, bytes) else str(content).encode(),
        url=entry.get("url", ""),
    )


def with_query(url: str, params: Sequence[tuple[str, str]]) -> str:
    """`url` with the query items appended (existing ones kept; spaces as %20, like Make)."""
    if not params:
        return url
    base, hash_mark, fragment = url.partition("#")
    joiner = "&" if "?" in base and not base.endswith(("?", "&")) else ("" if "?" in base
                                                                       else "?")
    return f"{base}{joiner}{urlencode(list(params), quote_via=quote)}{hash_mark}{fragment}"


def _has_header(headers: Iterable[tuple[str, str]], name: str) -> bool:
    return any(key.lower() == name for key, _ in headers)


def _apply_default_headers(
    request: httpx.Request, user_headers: Sequence[tuple[str, str]], *, compressed: bool
) -> None:
    """Replace httpx's defaults with Make's: no Accept, opt-in compression, our User-Agent."""
    if not _has_header(user_headers, "accept"):
        request.headers.pop("accept", None)
    if not _has_header(user_headers, "user-agent"):
        request.headers["user-agent"] = USER_AGENT
    if not compressed and not _has_header(user_headers, "accept-encoding"):
        request.headers.pop("accept-encoding", None)


def _transport_error(what: str, exc: httpx.HTTPError, timeout: float) -> ModuleError:
    import httpx
    if isinstance(exc, httpx.TimeoutException):
        return ModuleError(
            f"{what}: no response within {timeout:g} s (timeout)", name="ModuleTimeoutError"
        )
    if isinstance(exc, httpx.ConnectError):
        reason = str(exc) or "could not connect"
        if "CERTIFICATE_VERIFY_FAILED" in reason:
            return ModuleError(
                f"{what}: the server's certificate is not trusted ({reason}); give the "
                "certificate of its authority, or turn off rejecting unverified certificates",
                name="ConnectionError")
        if "refused" in reason.lower():
            reason = "connection refused"
        return ModuleError(f"{what}: {reason}", name="ConnectionError")
    if isinstance(exc, httpx.RemoteProtocolError):
        text = str(exc)
        if "without sending" in text or "disconnected" in text.lower():
            text = "connection closed without a response"
        return ModuleError(f"{what}: {text}", name="ConnectionError")
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.CloseError)):
        return ModuleError(f"{what}: connection reset ({exc or type(exc).__name__})",
                           name="ConnectionError")
    if isinstance(exc, httpx.TooManyRedirects):
        return ModuleError(f"{what}: more than {MAX_REDIRECTS} redirects", name="RuntimeError")
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol, httpx.LocalProtocolError)):
        return ModuleError(f"{what}: invalid request: {exc}", name="DataError")
    if isinstance(exc, httpx.DecodingError):
        return ModuleError(f"{what}: response body could not be decoded: {exc}",
                           name="RuntimeError")
    return ModuleError(f"{what}: {exc or type(exc).__name__}", name="ConnectionError")
