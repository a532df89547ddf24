"""The HTTP modules send the credentials of the keychain or OAuth 2.0 account they name.

Each test adds the connection to a workspace (the CLI for the keychains, the engine API and
the fake OAuth provider of tests/connections for OAuth 2.0), runs a blueprint with the real
CLI (`scenarist run --report json`) against a local service that checks the credentials,
and then searches the workspace and everything printed for the secrets (tests/secrets/scan).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from app.cli import main
from engine.connections import ConnectionStore, authorize_connection, create_connection, find_type
from tests.connections.apps import Api, follow_authorize, serve_api
from tests.secrets.scan import basic, leaks
from tests.support.http_stub import Answer, Recorded, serve

USER, PASSWORD = "ada", "pa55-word-7Kq2"
API_KEY = "key-live-5d8e21"
CLIENT_SECRET = "client-secret-e4f0"
REFRESH = "refresh-token-9a7c"


# --- a service that checks credentials -------------------------------------------------------
# (`Seen` keeps the query in lists, as parse_qs gives it: an API key may be in it.)


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Service:
    """Answers 200 with the request's headers and query (an API echoing them: the worst case
    for redaction) when `wanted` says the credentials are right, 401 otherwise."""

    wanted: Any = None  # Seen -> bool
    seen: list[Seen] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def service(wanted: Any) -> Iterator[Service]:
    state = Service(wanted)

    def respond(request: Recorded) -> Answer:
        seen = Seen(request.path, parse_qs(request.query_string), request.headers)
        state.seen.append(seen)
        ok = state.wanted(seen)
        echo = {"headers": seen.headers, "query": seen.query}
        return Answer.of(200, echo) if ok else Answer.of(401, {"error": "unauthorized"})

    with serve(respond) as port:
        state.port = port
        yield state


# --- the CLI ---------------------------------------------------------------------------------


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
        self.capsys = capsys
        self.workspace = workspace
        self.printed: list[tuple[str, str]] = []

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main([*args, "--data-dir", str(self.workspace)])
        out, err = self.capsys.readouterr()
        self.printed += [(f"{args[:2]} stdout", out), (f"{args[:2]} stderr", err)]
        return code, out, err

    def run(self, tmp_path: Path, module: dict[str, Any]) -> tuple[int, dict[str, Any], str]:
        path = tmp_path / "scenario.json"
        path.write_text(json.dumps({"name": "Keychains", "flow": [{"id": 1, **module}]}))
        code, out, err = self("run", str(path), "--report", "json")
        self("history", "list", "--json")
        return code, json.loads(out), err

    def leaks(self, *secrets: str) -> list[str]:
        return leaks(secrets, self.workspace, self.printed)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Cli:
    return Cli(capsys, tmp_path / "ws")


def v3(module: str, parameters: dict[str, Any], url: str) -> dict[str, Any]:
    return {"module": module, "version": 3, "parameters": {**parameters, "handleErrors": True},
            "mapper": {"url": url, "method": "get", "parseResponse": True,
                       "headers": [{"name": "Authorization", "value": "Basic stale"}]}}


def v4(parameters: dict[str, Any], url: str, **mapper: Any) -> dict[str, Any]:
    return {"module": "http:MakeRequest", "version": 4, "parameters": parameters,
            "mapper": {"url": url, "method": "get", "parseResponse": True, **mapper}}


# --- basic and API key keychains -------------------------------------------------------------


@pytest.mark.parametrize("version", ["v3", "v4"])
def test_a_basic_keychain_sends_the_username_and_password(
        cli: Cli, tmp_path: Path, version: str) -> None:
    code, _, err = cli("connections", "add", "http:basicauth", "--name", "Work", "--set",
                       f"username={USER}", "--set", f"password={PASSWORD}", "--make-id", "77")
    assert code == 0, err
    token = basic(USER, PASSWORD)
    with service(lambda seen: seen.headers.get("authorization") == f"Basic {token}") as api:
        module = (v3("http:ActionSendDataBasicAuth", {"key": 77}, api.url("/me"))
                  if version == "v3" else
                  v4({"authenticationType": "basicAuth", "basicAuthKeychain": 77},
                     api.url("/me"), stopOnHttpError=True))
        code, report, err = cli.run(tmp_path, module)
    assert code == 0, err
    [seen] = api.seen
    assert seen.headers["authorization"] == f"Basic {token}"  # the keychain's, not mapped
    [bundle] = report["modules"]["1"]["outputs"]
    assert bundle["statusCode"] == 200
    echoed = bundle["data"]["headers"]["authorization"]
    assert echoed == "Basic [redacted]"  # prepare_run learnt the Basic credentials too
    assert cli.leaks(PASSWORD, token) == []


@pytest.mark.parametrize(("version", "placement", "name"), [
    ("v3", "header", "X-Api-Key"), ("v4", "header", "Authorization"), ("v4", "query", "appid"),
    ("v3", "query", "appid")])
def test_an_api_key_keychain_sends_the_key_where_it_says(
        cli: Cli, tmp_path: Path, version: str, placement: str, name: str) -> None:
    code, _, err = cli("connections", "add", "http:apikeyauth", "--name", "Key", "--set",
                       f"key={API_KEY}", "--set", f"placement={placement}", "--set",
                       f"name={name}", "--make-id", "78")
    assert code == 0, err

    def wanted(seen: Seen) -> bool:
        if placement == "query":
            return seen.query.get(name) == [API_KEY]
        return seen.headers.get(name.lower()) == API_KEY

    with service(wanted) as api:
        url = api.url("/weather?q=Paris")
        module = (v3("http:ActionSendDataAPIKeyAuth", {"auth": 78}, url) if version == "v3"
                  else v4({"authenticationType": "apiKey", "apiKeyKeychain": 78}, url,
                          stopOnHttpError=True,
                          queryParameters=[{"name": "units", "value": "metric"}]))
        code, report, err = cli.run(tmp_path, module)
    assert code == 0, err
    [seen] = api.seen
    assert wanted(seen) and seen.query["q"] == ["Paris"]
    if placement == "query":
        assert name.lower() not in seen.headers
        assert seen.headers.get("authorization") in (None, "Basic stale")
    [bundle] = report["modules"]["1"]["outputs"]
    assert bundle["statusCode"] == 200
    assert API_KEY not in json.dumps(report)
    assert cli.leaks(API_KEY) == []


def test_a_keychain_of_another_kind_fails_the_module(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("connections", "add", "http:apikeyauth", "--name", "Key", "--set",
                       f"key={API_KEY}", "--make-id", "78")
    assert code == 0, err
    with service(lambda seen: True) as api:
        code, report, _ = cli.run(tmp_path, v4(
            {"authenticationType": "basicAuth", "basicAuthKeychain": 78}, api.url("/me")))
    assert code == 1 and api.seen == []
    [error] = report["modules"]["1"]["errors"]
    assert "basicAuthKeychain 78 is an API key connection" in json.dumps(error)
    assert "username and password keychain" in json.dumps(error)


# --- OAuth 2.0 -------------------------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[Api]:
    with serve_api(Api(client_secret=CLIENT_SECRET, refresh_token=REFRESH,
                       access=["access-token-0-f1e2"])) as running:
        yield running


def oauth_connection(workspace: Path, api: Api, *, expired: bool = False) -> ConnectionStore:
    """An authorized `http:oauth2` connection (Make id 99), its token expired if asked."""
    kind = find_type("http:oauth2", None)
    store = ConnectionStore(workspace)
    connection = create_connection(store, kind, "Provider", {
        "authorizeUri": f"{api.url}/authorize", "tokenUri": f"{api.url}/token",
        "clientId": api.client_id, "clientSecret": api.client_secret, "scope": "things"},
        make_id=99)

    async def browser(url: str) -> None:
        await asyncio.to_thread(follow_authorize, api, url)

    connection = asyncio.run(authorize_connection(store, connection.id, browser, kind=kind,
                                                  timeout=20))
    if expired:
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        store.update(connection, kind, data={**connection.data, **connection.secret_data,
                                             "expires": past})
    return store


def oauth_secrets(api: Api) -> list[str]:
    return [CLIENT_SECRET, REFRESH, *api.access]


def grants(api: Api) -> list[str]:
    return [r["grant_type"] for r in api.token_requests]


def bearers(api: Api, path: str) -> list[str]:
    return [r.headers.get("authorization", "") for r in api.requests if r.path == path]


@pytest.mark.parametrize("version", ["v3", "v4"])
def test_an_expired_token_is_renewed_before_the_request(
        cli: Cli, tmp_path: Path, api: Api, version: str) -> None:
    store = oauth_connection(cli.workspace, api, expired=True)
    module = (v3("http:ActionSendDataOAuth", {"account": 99}, f"{api.url}/things")
              if version == "v3" else
              v4({"authenticationType": "oAuth", "oAuthAccount": 99}, f"{api.url}/things"))
    code, report, err = cli.run(tmp_path, module)
    assert code == 0, err
    assert grants(api) == ["authorization_code", "refresh_token"]
    assert bearers(api, "/things") == [f"Bearer {api.access[-1]}"]  # no 401 first
    [bundle] = report["modules"]["1"]["outputs"]
    assert bundle["statusCode"] == 200 and bundle["data"] == {"items": [{"id": 1}, {"id": 2}]}
    [connection] = store.list()
    assert store.require(connection.id).secret_data["accessToken"] == api.access[-1]
    assert cli.leaks(*oauth_secrets(api)) == []


@pytest.mark.parametrize("version", ["v3", "v4"])
def test_a_401_renews_the_token_once_and_sends_again(
        cli: Cli, tmp_path: Path, api: Api, version: str) -> None:
    oauth_connection(cli.workspace, api)
    held = api.access[-1]
    api.rotate()  # the provider revoked the token we hold
    module = (v3("http:ActionSendDataOAuth", {"account": 99}, f"{api.url}/things")
              if version == "v3" else
              v4({"authenticationType": "oAuth", "oAuthAccount": 99}, f"{api.url}/things",
                 stopOnHttpError=True))
    code, report, err = cli.run(tmp_path, module)
    assert code == 0, err
    assert grants(api) == ["authorization_code", "refresh_token"]
    assert bearers(api, "/things") == [f"Bearer {held}", f"Bearer {api.access[-1]}"]
    assert report["modules"]["1"]["outputs"][0]["statusCode"] == 200
    assert report["modules"]["1"]["operations"] == 1
    assert cli.leaks(*oauth_secrets(api)) == []


def test_a_401_after_renewal_is_the_module_s_error(cli: Cli, tmp_path: Path, api: Api) -> None:
    oauth_connection(cli.workspace, api)
    # /me wants an API key: every request answers 401, however fresh the token.
    code, report, _ = cli.run(tmp_path, v4(
        {"authenticationType": "oAuth", "oAuthAccount": 99}, f"{api.url}/me",
        stopOnHttpError=True))
    assert code == 1
    assert grants(api) == ["authorization_code", "refresh_token"]  # renewed once, no more
    assert len(bearers(api, "/me")) == 2
    assert "[401]" in json.dumps(report["modules"]["1"]["errors"])
    assert cli.leaks(*oauth_secrets(api)) == []
