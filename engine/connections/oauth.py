"""OAuth 2.0, authorization code with PKCE (RFC 7636) through a loopback redirect (RFC 8252).

The user registers their own client (client id, and a secret when the provider gives one)
with the redirect URI `http://127.0.0.1:<port>/callback`. `authorize` starts a one-shot
server on 127.0.0.1, hands the authorize URL to `open_browser` (the CLI prints it and calls
`webbrowser.open`; the desktop app opens it itself), waits for the redirect, checks `state`,
and exchanges the code (with the PKCE verifier) at the token endpoint. Tokens are kept as
Make's connections keep them (`accessToken`, `refreshToken`, `expires`); `refresh` renews
them with the refresh token, before they expire and when a request comes back 401.
Error messages never carry a token or the client secret.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from engine.errors import ScenaristError

CALLBACK_PATH = "/callback"
DEFAULT_TIMEOUT_S = 300.0
REFRESH_MARGIN = timedelta(minutes=5)  # refresh a token this close to its expiry
_DONE_PAGE = (b"<!doctype html><title>Scenarist</title><p>Scenarist is connected. You can "
              b"close this window.</p>")
_FAILED_PAGE = (b"<!doctype html><title>Scenarist</title><p>The authorization did not "
                b"complete. Go back to Scenarist for the reason.</p>")


class OAuthError(ScenaristError):
    pass


@dataclass(frozen=True)
class OAuthClient:
    authorize_url: str
    token_url: str
    client_id: str
    client_secret: str | None = None
    scope: str | None = None

    @classmethod
    def of(cls, values: dict[str, Any], *, authorize_url: str | None = None,
           token_url: str | None = None) -> OAuthClient:
        """From a connection's values (`authorizeUri`, `tokenUri`, `clientId`, ...)."""
        authorize = values.get("authorizeUri") or authorize_url
        token = values.get("tokenUri") or token_url
        client_id = values.get("clientId")
        missing = [n for n, v in (("authorizeUri", authorize), ("tokenUri", token),
                                  ("clientId", client_id)) if not v]
        if missing:
            raise OAuthError(f"OAuth 2.0 needs {', '.join(missing)}")
        return cls(str(authorize), str(token), str(client_id),
                   str(values["clientSecret"]) if values.get("clientSecret") else None,
                   str(values["scope"]) if values.get("scope") else None)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    token_type: str | None = None
    scope: str | None = None

    def data(self) -> dict[str, Any]:
        """What the connection keeps (tokens go to the secret store, the rest to state.db)."""
        out: dict[str, Any] = {"accessToken": self.access_token}
        if self.refresh_token:
            out["refreshToken"] = self.refresh_token
        if self.expires_at is not None:
            out["expires"] = self.expires_at.isoformat()
        if self.token_type:
            out["tokenType"] = self.token_type
        if self.scope:
            out["scope"] = self.scope
        return out


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(client: OAuthClient, redirect_uri: str, state: str, challenge: str
                      ) -> str:
    query = {"response_type": "code", "client_id": client.client_id,
             "redirect_uri": redirect_uri, "state": state, "code_challenge": challenge,
             "code_challenge_method": "S256"}
    if client.scope:
        query["scope"] = client.scope
    separator = "&" if urlsplit(client.authorize_url).query else "?"
    return f"{client.authorize_url}{separator}{urlencode(query)}"


class LoopbackReceiver:
    """A one-shot HTTP server on 127.0.0.1 that receives the authorization redirect."""

    def __init__(self, port: int = 0) -> None:
        received: dict[str, str] = {}
        done = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != CALLBACK_PATH:
                    self.send_error(404)
                    return
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                page = _DONE_PAGE if "code" in query else _FAILED_PAGE
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                if not done.is_set():
                    received.update(query)
                    done.set()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the code is in the URL: never log requests

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._received = received
        self._done = done

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}"

    def __enter__(self) -> LoopbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._done.set()  # a wait cancelled meanwhile (the user gave up) frees its thread

    async def wait(self, timeout: float) -> dict[str, str]:
        got = await asyncio.to_thread(self._done.wait, timeout)
        if not got:
            raise OAuthError(f"no authorization arrived within {timeout:.0f} s")
        return dict(self._received)


async def authorize(client: OAuthClient, open_browser: Callable[[str], Any], *,
                    timeout: float = DEFAULT_TIMEOUT_S, port: int = 0,
                    http: httpx.AsyncClient | None = None,
                    now: Callable[[], datetime] | None = None) -> Tokens:
    """The whole flow: loopback server, browser, redirect, code exchange."""
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    with LoopbackReceiver(port) as receiver:
        url = authorization_url(client, receiver.redirect_uri, state, challenge)
        opened = open_browser(url)
        if asyncio.iscoroutine(opened):
            await opened
        query = await receiver.wait(timeout)
        redirect_uri = receiver.redirect_uri
    if query.get("state") != state:
        raise OAuthError("the authorization answered with another state (a forged redirect?)")
    if "error" in query:
        detail = query.get("error_description")
        raise OAuthError(f"the provider refused: {query['error']}"
                         + (f" ({detail})" if detail else ""))
    code = query.get("code")
    if not code:
        raise OAuthError("the redirect carried no authorization code")
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": verifier}
    return await _token_request(client, form, http, now)


async def refresh(client: OAuthClient, refresh_token: str, *,
                  http: httpx.AsyncClient | None = None,
                  now: Callable[[], datetime] | None = None) -> Tokens:
    """New tokens from a refresh token (a provider that sends no new refresh token keeps
    the old one valid)."""
    tokens = await _token_request(
        client, {"grant_type": "refresh_token", "refresh_token": refresh_token}, http, now)
    if tokens.refresh_token is None:
        tokens = Tokens(tokens.access_token, refresh_token, tokens.expires_at,
                        tokens.token_type, tokens.scope)
    return tokens


async def _token_request(client: OAuthClient, form: dict[str, str],
                         http: httpx.AsyncClient | None,
                         now: Callable[[], datetime] | None) -> Tokens:
    form = {**form, "client_id": client.client_id}
    if client.client_secret:
        form["client_secret"] = client.client_secret
    own = http is None
    session = http or httpx.AsyncClient(timeout=30.0)
    try:
        response = await session.post(client.token_url, data=form,
                                      headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise OAuthError(f"the token endpoint {client.token_url} did not answer: "
                         f"{type(exc).__name__}") from None
    finally:
        if own:
            await session.aclose()
    body = _token_body(response)
    if response.status_code >= 400 or "access_token" not in body:
        error = body.get("error") or f"HTTP {response.status_code}"
        detail = body.get("error_description")
        raise OAuthError(f"the token endpoint refused: {error}"
                         + (f" ({detail})" if isinstance(detail, str) else ""))
    expires_in = body.get("expires_in")
    at = (now or (lambda: datetime.now(UTC)))()
    expires_at = None
    try:
        if expires_in not in (None, ""):
            expires_at = at + timedelta(seconds=float(expires_in))
    except (TypeError, ValueError):
        expires_at = None
    return Tokens(str(body["access_token"]), _text(body.get("refresh_token")), expires_at,
                  _text(body.get("token_type")), _text(body.get("scope")))


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _token_body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = {k: v[-1] for k, v in parse_qs(response.text).items()}
    return data if isinstance(data, dict) else {}


def expires_soon(data: dict[str, Any], now: datetime,
                 margin: timedelta = REFRESH_MARGIN) -> bool:
    """Whether a connection's `expires` is within `margin` of `now` (no date: no)."""
    raw = data.get("expires")
    if not raw:
        return False
    try:
        expires = datetime.fromisoformat(str(raw))
    except ValueError:
        return True
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return expires - now <= margin
