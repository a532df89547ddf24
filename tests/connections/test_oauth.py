"""OAuth 2.0 against a local fake provider: authorization code with PKCE through the loopback
redirect (the test follows the authorize URL with httpx, as a browser would), the token
exchange with the user's own client, and renewal before expiry and on a 401."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from engine.apps import discover_apps
from engine.connections import (
    ConnectionStore,
    OAuthError,
    authorize_connection,
    check_connection,
    create_connection,
    find_type,
)
from tests.connections.apps import Api, follow_authorize, oauth_app, serve_api


@pytest.fixture
def api() -> Any:
    with serve_api(Api(expires_in=3600)) as running:
        yield running


def oauth_connection(workspace: Path, api: Api) -> tuple[ConnectionStore, str, Any]:
    oauth_app(workspace / "apps")
    kind = find_type("oauthy", discover_apps(workspace, entry_points=False))
    assert kind.kind == "oauth2"
    store = ConnectionStore(workspace)
    connection = create_connection(store, kind, "Mine", {
        "clientId": api.client_id, "clientSecret": api.client_secret,
        "authorizeUri": f"{api.url}/authorize", "tokenUri": f"{api.url}/token",
        "scope": "things:read"}, base_url_override=api.url, make_id=99)
    return store, connection.id, kind


async def authorized(workspace: Path, api: Api) -> tuple[ConnectionStore, str, Any]:
    store, connection_id, kind = oauth_connection(workspace, api)

    async def browser(url: str) -> None:
        await asyncio.to_thread(follow_authorize, api, url)

    await authorize_connection(store, connection_id, browser, kind=kind, timeout=20)
    return store, connection_id, kind


async def test_authorization_code_with_pkce_through_the_loopback(tmp_path: Path,
                                                                 api: Api) -> None:
    store, connection_id, kind = await authorized(tmp_path, api)
    [exchange] = api.token_requests
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"]
    assert exchange["redirect_uri"].startswith("http://127.0.0.1:")
    connection = store.require(connection_id)
    assert connection.secret_data["accessToken"] == api.access[-1]
    assert connection.secret_data["refreshToken"] == api.refresh_token
    assert "accessToken" not in connection.data and "expires" in connection.data
    result = await check_connection(store, connection_id, kind)
    assert result.checked and "valid until" in result.message


async def test_a_forged_redirect_is_refused(tmp_path: Path, api: Api) -> None:
    import httpx

    store, connection_id, kind = oauth_connection(tmp_path, api)

    def forged(url: str) -> None:
        from urllib.parse import parse_qsl, urlsplit

        redirect = dict(parse_qsl(urlsplit(url).query))["redirect_uri"]
        httpx.get(f"{redirect}?code=stolen&state=other", timeout=10)

    async def browser(url: str) -> None:
        await asyncio.to_thread(forged, url)

    with pytest.raises(OAuthError, match="another state"):
        await authorize_connection(store, connection_id, browser, kind=kind, timeout=20)
    assert api.token_requests == []


def run_things(capsys: pytest.CaptureFixture[str], workspace: Path, tmp_path: Path
               ) -> tuple[int, dict[str, Any], str]:
    path = tmp_path / "things.json"
    path.write_text(json.dumps({"name": "Things", "flow": [
        {"id": 1, "module": "oauthy:listThings", "version": 1,
         "parameters": {"__IMTCONN__": 99}, "mapper": {}}]}))
    code = main(["run", str(path), "--report", "json", "--data-dir", str(workspace)])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


async def test_a_401_renews_the_token_and_the_module_runs_once_more(
        tmp_path: Path, api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    store, connection_id, _ = await authorized(tmp_path / "ws", api)
    api.rotate()  # the provider revoked the token we hold
    code, report, err = await asyncio.to_thread(run_things, capsys, tmp_path / "ws", tmp_path)
    assert code == 0, err
    assert report["modules"]["1"]["outputs"] == [{"id": 1}, {"id": 2}]
    assert [r["grant_type"] for r in api.token_requests] == ["authorization_code",
                                                             "refresh_token"]
    assert [r.headers["authorization"] for r in api.requests if r.path == "/things"] == [
        f"Bearer {api.access[0]}", f"Bearer {api.access[2]}"]
    assert store.require(connection_id).secret_data["accessToken"] == api.access[-1]


async def test_a_token_about_to_expire_is_renewed_before_the_run(
        tmp_path: Path, api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    store, connection_id, kind = await authorized(tmp_path / "ws", api)
    connection = store.require(connection_id)
    soon = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
    store.update(connection, kind, data={**connection.data, **connection.secret_data,
                                         "expires": soon})
    code, report, err = await asyncio.to_thread(run_things, capsys, tmp_path / "ws", tmp_path)
    assert code == 0, err
    assert [r["grant_type"] for r in api.token_requests][-1] == "refresh_token"
    [things] = [r for r in api.requests if r.path == "/things"]  # no 401 first
    assert things.headers["authorization"] == f"Bearer {api.access[-1]}"
