"""OAuth 2.0 by an app's own connection communication (engine.connections.app_oauth): its
authorize URL in the browser with the loopback redirect and a checked state, its token and
info steps, and its refresh step renewing a revoked token in the middle of `scenarist run`."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from app.cli import main
from engine.apps import check_app, discover_apps
from engine.connections import (
    ConnectionStore,
    OAuthError,
    authorize_connection,
    create_connection,
    find_type,
)
from tests.connections.own_flow_app import Provider, own_flow_app, serve_provider
from tests.secrets.scan import leaks


def values(provider: Provider) -> dict[str, str]:
    return {"server": provider.url, "clientId": provider.client_id,
            "clientSecret": provider.client_secret, "scope": "read write"}


def test_the_type_asks_only_for_what_the_app_declares(tmp_path: Path) -> None:
    own_flow_app(tmp_path / "apps")
    kind = find_type("ownflow", discover_apps(tmp_path))
    assert kind.kind == "oauth2" and kind.own_flow
    assert [f.name for f in kind.fields] == ["server", "clientId", "clientSecret", "scope"]
    assert kind.is_secret("clientSecret") and kind.is_secret("accessToken")
    problems = check_app(tmp_path / "apps" / "ownflow")
    assert not any("standard OAuth 2.0" in p.message for p in problems), problems


async def test_the_apps_own_steps_authorize_a_connection(tmp_path: Path) -> None:
    own_flow_app(tmp_path / "apps")
    kind = find_type("ownflow", discover_apps(tmp_path))
    store = ConnectionStore(tmp_path)
    with serve_provider() as provider:
        connection = create_connection(store, kind, "Own", values(provider))
        opened: list[str] = []

        def browser(url: str) -> None:
            opened.append(url)
            threading.Thread(target=provider.browser, args=(url,), daemon=True).start()

        connection = await authorize_connection(store, connection.id, browser, kind=kind,
                                                timeout=20)
    [url] = opened
    query = dict(parse_qsl(urlsplit(url).query))
    assert url.startswith(f"{provider.url}/authorize?")
    assert query["client_id"] == provider.client_id and query["scope"] == "read write"
    assert query["redirect_uri"].startswith("http://127.0.0.1:") and query["state"]
    assert "code_challenge" not in query  # the app's flow says what is sent
    assert query["nonce"] == provider.nonce  # from its preauthorize step
    [form] = provider.token_forms
    assert form["grant_type"] == "authorization_code"
    assert form["redirect_uri"] == query["redirect_uri"]
    assert connection.label == provider.email and connection.verified_at is not None
    stored = store.require(connection.id)
    assert stored.secret_data["accessToken"] == provider.access[-1]
    assert stored.secret_data["refreshToken"] == provider.refresh_token
    assert "expires" in stored.data and "accessToken" not in stored.data


async def test_a_forged_redirect_is_refused(tmp_path: Path) -> None:
    own_flow_app(tmp_path / "apps")
    kind = find_type("ownflow", discover_apps(tmp_path))
    store = ConnectionStore(tmp_path)
    with serve_provider() as provider:
        connection = create_connection(store, kind, "Own", values(provider))

        def forged(url: str) -> None:
            forged_url = url.replace("state=", "state=x")
            threading.Thread(target=provider.browser, args=(forged_url,), daemon=True).start()

        with pytest.raises(OAuthError, match="another state"):
            await authorize_connection(store, connection.id, forged, kind=kind, timeout=20)
    assert provider.token_forms == []


def test_a_revoked_token_is_renewed_by_the_apps_refresh_step_during_a_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = tmp_path / "ws"
    own_flow_app(workspace / "apps")
    ws = ("--data-dir", str(workspace))
    with serve_provider() as provider:
        args = [f"{k}={v}" for k, v in values(provider).items()]
        sets = [part for pair in args for part in ("--set", pair)]
        # The CLI authorizes through the same engine call; the browser is the provider's.
        import webbrowser

        original = webbrowser.open
        webbrowser.open = lambda url, *a, **k: threading.Thread(  # type: ignore[assignment]
            target=provider.browser, args=(url,), daemon=True).start() or True
        try:
            code = main(["connections", "add", "ownflow", "--name", "Own", *sets, "--json",
                         "--timeout", "20", *ws])
        finally:
            webbrowser.open = original
        out, err = capsys.readouterr()
        assert code == 0, err
        connection_id = json.loads(out)["id"]
        provider.rotate()  # the provider revokes the token the connection holds
        blueprint = tmp_path / "things.json"
        blueprint.write_text(json.dumps({"name": "Things", "flow": [
            {"id": 1, "module": "ownflow:listThings", "version": 1,
             "parameters": {"__IMTCONN__": connection_id}}]}))
        code = main(["run", str(blueprint), "--report", "json", *ws])
        out, err = capsys.readouterr()
        stored = ConnectionStore(workspace).require(connection_id)
        # deleting it revokes its token with the app's invalidate step
        assert main(["connections", "delete", connection_id, *ws]) == 0
        deleted = capsys.readouterr().out
    assert "revoked at the provider" in deleted
    assert code == 0, err
    report = json.loads(out)
    assert report["status"] == "success"
    assert report["modules"]["1"]["outputs"] == [{"id": 1}, {"id": 2}]
    assert [f["grant_type"] for f in provider.token_forms] == [
        "authorization_code", "refresh_token"]
    assert stored.secret_data["accessToken"] == provider.access[-1]
    assert leaks([provider.client_secret, *provider.access, provider.refresh_token],
                 workspace, [("report", out), ("stderr", err)]) == []
    assert provider.revoked == [stored.secret_data["accessToken"]]
