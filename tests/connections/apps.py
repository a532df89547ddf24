"""Two small apps written the way Make's VS Code extension lays them out: `keyed` (an API
key connection with a check that stores the account's e-mail) and `oauthy` (an OAuth 2.0
connection), each with one action, and a local fake service for both (serve_api)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.http_stub import Answer, Recorded, serve


def _write(folder: Path, files: dict[str, Any]) -> Path:
    for name, value in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value if isinstance(value, str) else json.dumps(value))
    return folder


def keyed_app(apps_dir: Path) -> Path:
    return _write(apps_dir / "keyed", {
        "makecomapp.json": {
            "fileVersion": 1, "generalCodeFiles": {"base": "base.iml.json"},
            "components": {
                "connection": {"key": {"label": "Keyed", "connectionType": "basic", "codeFiles": {
                    "communication": "conn.iml.json", "params": "conn.params.iml.json"}}},
                "module": {"getMe": {"moduleType": "action", "label": "Get me",
                                     "connection": "key",
                                     "codeFiles": {"communication": "me.iml.json"}}}},
            "origins": [{"label": "Production", "baseUrl": "https://eu1.make.com/api",
                         "appId": "keyed", "appVersion": 1}]},
        "base.iml.json": {"baseUrl": "https://keyed.example",
                          "headers": {"x-api-key": "{{connection.apiKey}}"}},
        "conn.params.iml.json": [
            {"name": "apiKey", "type": "text", "label": "API key", "required": True},
            {"name": "region", "type": "select", "label": "Region", "default": "eu",
             "options": [{"label": "EU", "value": "eu"}, {"label": "US", "value": "us"}]}],
        "conn.iml.json": {"url": "https://keyed.example/me",
                          "headers": {"x-api-key": "{{parameters.apiKey}}"},
                          "response": {"data": {"accountEmail": "{{body.email}}"},
                                       "metadata": {"type": "email", "value": "{{body.email}}"},
                                       "error": {"message": "[{{statusCode}}] {{body.error}}"}}},
        "me.iml.json": {"url": "/me", "method": "GET", "response": {"output": "{{body}}"}},
    })


def oauth_app(apps_dir: Path) -> Path:
    return _write(apps_dir / "oauthy", {
        "makecomapp.json": {
            "fileVersion": 1, "generalCodeFiles": {"base": "base.iml.json"},
            "components": {
                "connection": {"oauth2": {"label": "OAuthy", "connectionType": "oauth",
                                          "codeFiles": {"communication": "conn.iml.json",
                                                        "params": "conn.params.iml.json"}}},
                "module": {"listThings": {"moduleType": "search", "label": "List things",
                                          "connection": "oauth2",
                                          "codeFiles": {"communication": "things.iml.json"}}}},
            "origins": [{"label": "Production", "baseUrl": "https://eu1.make.com/api",
                         "appId": "oauthy", "appVersion": 1}]},
        "base.iml.json": {"baseUrl": "https://oauthy.example",
                          "headers": {"authorization": "Bearer {{connection.accessToken}}"}},
        "conn.params.iml.json": [
            {"name": "clientId", "type": "text", "label": "Client ID", "required": True},
            {"name": "clientSecret", "type": "password", "label": "Client secret"}],
        "conn.iml.json": {},
        "things.iml.json": {"url": "/things", "method": "GET",
                            "response": {"iterate": "{{body.items}}", "output": "{{item}}"}},
    })


@dataclass
class Api:
    """The fake service: `/me` for the API key app, OAuth's `/authorize` and `/token`, and
    `/things` answering only the current access token."""

    api_key: str = "key-live-7f3a9c"
    email: str = "ada@example.com"
    client_id: str = "client-1"
    client_secret: str = "client-secret-93bd"
    access: list[str] = field(default_factory=lambda: ["access-0-aa11"])
    refresh_token: str = "refresh-0-bb22"
    expires_in: int = 3600
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    port: int = 0
    echo: bool = False  # /me echoes the request's headers (a leak test's worst case)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rotate(self) -> None:
        """The provider revokes the current access token (its next use answers 401)."""
        self.access.append(f"access-{len(self.access)}-cc33")


def _form(body: bytes) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(body.decode()))


def _respond(api: Api) -> Callable[[Recorded], Answer]:
    import base64
    import hashlib

    def respond(request: Recorded) -> Answer:
        api.requests.append(request)
        path = request.path
        if path == "/me":
            if request.headers.get("x-api-key") != api.api_key:
                return Answer.of(401, {"error": "bad key"})
            body: dict[str, Any] = {"email": api.email}
            if api.echo:
                body["headers"] = request.headers
            return Answer.of(200, body)
        if path == "/authorize":  # the consent page (follow_authorize grants it)
            return Answer(200, b"<p>Allow Scenarist?</p>", "text/html")
        if path == "/token":
            form = _form(request.body)
            api.token_requests.append(form)
            if form.get("client_id") != api.client_id or (
                    form.get("client_secret") != api.client_secret):
                return Answer.of(401, {"error": "invalid_client"})
            if form.get("grant_type") == "authorization_code":
                grant = api.codes.pop(form.get("code", ""), None)
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                if grant is None or grant["challenge"] != challenge or (
                        grant["redirect_uri"] != form.get("redirect_uri")):
                    return Answer.of(400, {"error": "invalid_grant"})
            elif form.get("grant_type") == "refresh_token":
                if form.get("refresh_token") != api.refresh_token:
                    return Answer.of(400, {"error": "invalid_grant"})
                api.rotate()
            return Answer.of(200, {"access_token": api.access[-1], "token_type": "Bearer",
                                   "expires_in": api.expires_in,
                                   "refresh_token": api.refresh_token})
        if path == "/things":
            if request.headers.get("authorization") != f"Bearer {api.access[-1]}":
                return Answer.of(401, {"error": "expired token"})
            return Answer.of(200, {"items": [{"id": 1}, {"id": 2}]})
        return Answer.of(404, {"error": "no such path"})

    return respond


@contextmanager
def serve_api(api: Api | None = None) -> Iterator[Api]:
    api = api or Api()
    with serve(_respond(api)) as port:
        api.port = port
        yield api


def follow_authorize(api: Api, url: str) -> None:
    """What the browser does: the provider's consent page, then its redirect to the loopback
    server (the fake provider grants at once; the test follows the URL with httpx)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit

    import httpx

    query = dict(parse_qsl(urlsplit(url).query))
    assert query["code_challenge_method"] == "S256" and query["client_id"] == api.client_id
    httpx.get(url, timeout=10)  # the consent page itself
    code = f"code-{len(api.codes)}"
    api.codes[code] = {"challenge": query["code_challenge"],
                       "redirect_uri": query["redirect_uri"]}
    redirect = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
    page = httpx.get(redirect, timeout=10)
    assert page.status_code == 200 and "connected" in page.text
