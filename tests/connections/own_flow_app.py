"""An app whose OAuth 2.0 connection runs its own communication, as Make's custom apps write
it (`authorize` with `{{oauth.redirectUri}}` and `{{query.code}}`, `token`, `info`,
`refresh`), and a local fake provider for it: no PKCE, a client secret, tokens that rotate
on refresh and expire when the provider says so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from tests.connections.apps import _write
from tests.support.http_stub import Answer, Recorded, serve

SERVER = "{{parameters.server}}"
CLIENT = {"client_id": "{{parameters.clientId}}", "client_secret": "{{parameters.clientSecret}}"}
COMMUNICATION = {
    "preauthorize": {
        "url": f"{SERVER}/preauthorize", "method": "POST", "type": "urlencoded",
        "body": {"client_id": "{{parameters.clientId}}"},
        "response": {"temp": {"nonce": "{{body.nonce}}"}}},
    "authorize": {
        "url": f"{SERVER}/authorize",
        "qs": {"client_id": "{{parameters.clientId}}", "redirect_uri": "{{oauth.redirectUri}}",
               "response_type": "code", "scope": "{{join(oauth.scope, ' ')}}",
               "nonce": "{{temp.nonce}}"},
        "response": {"temp": {"code": "{{query.code}}"}}},
    "token": {
        "url": f"{SERVER}/token", "method": "POST", "type": "urlencoded",
        "body": {"grant_type": "authorization_code", "code": "{{temp.code}}",
                 "redirect_uri": "{{oauth.redirectUri}}", **CLIENT},
        "response": {"data": {"accessToken": "{{body.access_token}}",
                              "refreshToken": "{{body.refresh_token}}",
                              "expires": "{{addSeconds(now, body.expires_in)}}"}}},
    "info": {
        "url": f"{SERVER}/me", "headers": {"authorization": "Bearer {{connection.accessToken}}"},
        "response": {"metadata": {"type": "email", "value": "{{body.email}}"},
                     "uid": "{{body.id}}"}},
    "refresh": {
        "condition": "{{data.refreshToken}}",
        "url": f"{SERVER}/token", "method": "POST", "type": "urlencoded",
        "body": {"grant_type": "refresh_token", "refresh_token": "{{data.refreshToken}}",
                 **CLIENT},
        "response": {"data": {"accessToken": "{{body.access_token}}",
                              "expires": "{{addSeconds(now, body.expires_in)}}"}}},
    "invalidate": {
        "url": f"{SERVER}/revoke", "method": "POST", "type": "urlencoded",
        "body": {"token": "{{connection.accessToken}}", **CLIENT}},
}


def own_flow_app(apps_dir: Path) -> Path:
    return _write(apps_dir / "ownflow", {
        "makecomapp.json": {
            "fileVersion": 1, "generalCodeFiles": {"base": "base.iml.json"},
            "components": {
                "connection": {"oauth": {"label": "Own flow", "connectionType": "oauth",
                                         "codeFiles": {"communication": "conn.iml.json",
                                                       "params": "conn.params.iml.json"}}},
                "module": {"listThings": {"moduleType": "search", "label": "List things",
                                          "connection": "oauth",
                                          "codeFiles": {"communication": "things.iml.json"}}}},
            "origins": [{"label": "Production", "baseUrl": "https://eu1.make.com/api",
                         "appId": "ownflow", "appVersion": 1}]},
        "base.iml.json": {"baseUrl": "{{connection.server}}",
                          "headers": {"authorization": "Bearer {{connection.accessToken}}"}},
        "conn.params.iml.json": [
            {"name": "server", "type": "url", "label": "Server", "required": True},
            {"name": "clientId", "type": "text", "label": "Client ID", "required": True},
            {"name": "clientSecret", "type": "password", "label": "Client secret",
             "required": True},
            {"name": "scope", "type": "text", "label": "Scopes"}],
        "conn.iml.json": COMMUNICATION,
        "things.iml.json": {"url": "/things", "method": "GET",
                            "response": {"iterate": "{{body.items}}", "output": "{{item}}"}},
    })


@dataclass
class Provider:
    client_id: str = "own-client"
    client_secret: str = "own-client-secret-51f0"
    email: str = "grace@example.com"
    access: list[str] = field(default_factory=lambda: ["own-access-0-aa11"])
    refresh_token: str = "own-refresh-0-bb22"
    expires_in: int = 3600
    codes: set[str] = field(default_factory=set)
    nonce: str = "nonce-3f9a"
    revoked: list[str] = field(default_factory=list)
    token_forms: list[dict[str, str]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def respond(self, request: Recorded) -> Answer:
        self.requests.append(request)
        bearer = request.headers.get("authorization") == f"Bearer {self.access[-1]}"
        if request.path == "/preauthorize":
            return Answer.of(200, {"nonce": self.nonce})
        if request.path == "/revoke":
            self.revoked.append(dict(parse_qsl(request.body.decode())).get("token", ""))
            return Answer.of(200, {})
        if request.path == "/authorize":
            return Answer(200, b"<p>Allow Scenarist?</p>", "text/html")
        if request.path == "/token":
            form = dict(parse_qsl(request.body.decode()))
            self.token_forms.append(form)
            if (form.get("client_id"), form.get("client_secret")) != (
                    self.client_id, self.client_secret):
                return Answer.of(401, {"error": "invalid_client"})
            if form.get("grant_type") == "authorization_code":
                if form.get("code") not in self.codes:
                    return Answer.of(400, {"error": "invalid_grant"})
                self.codes.discard(form["code"])
            elif form.get("refresh_token") == self.refresh_token:
                self.rotate()
            else:
                return Answer.of(400, {"error": "invalid_grant"})
            return Answer.of(200, {"access_token": self.access[-1], "expires_in": self.expires_in,
                                   "refresh_token": self.refresh_token})
        if request.path == "/me" and bearer:
            return Answer.of(200, {"id": 7, "email": self.email})
        if request.path == "/things" and bearer:
            return Answer.of(200, {"items": [{"id": 1}, {"id": 2}]})
        return Answer.of(401, {"error": "invalid token"})

    def rotate(self) -> None:
        self.access.append(f"own-access-{len(self.access)}-cc33")

    def browser(self, url: str) -> None:
        """What the user's browser does: the consent page, then the redirect with a code."""
        query = dict(parse_qsl(urlsplit(url).query))
        httpx.get(url, timeout=10)
        code = f"code-{len(self.codes)}-{query['state'][:4]}"
        self.codes.add(code)
        redirect = urlencode({"code": code, "state": query["state"]})
        page = httpx.get(f"{query['redirect_uri']}?{redirect}", timeout=10)
        assert page.status_code == 200


@contextmanager
def serve_provider() -> Iterator[Provider]:
    provider = Provider()
    with serve(provider.respond) as port:
        provider.port = port
        yield provider
