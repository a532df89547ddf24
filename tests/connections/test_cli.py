"""`scenarist connections ...` and `scenarist apps ...`, and `scenarist run` using the
workspace's connections by id (`__IMTCONN__`, a Make export's numeric id, the HTTP keychains)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from tests.connections.apps import Api, keyed_app, serve_api


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    keyed_app(tmp_path / "ws" / "apps")
    return tmp_path / "ws"


@pytest.fixture
def api() -> Any:
    with serve_api() as running:
        yield running


def add_keyed(capsys: pytest.CaptureFixture[str], workspace: Path, api: Api, *more: str) -> str:
    code, out, err = cli(capsys, "connections", "add", "keyed", "--name", "Work",
                         "--set", f"apiKey={api.api_key}", "--base-url", api.url, "--json",
                         "--data-dir", str(workspace), *more)
    assert code == 0, err
    assert "secrets are kept in the OS keyring" in err
    connection_id: str = json.loads(out)["id"]
    return connection_id


def test_add_list_test_edit_delete(capsys: pytest.CaptureFixture[str], workspace: Path,
                                   api: Api) -> None:
    ws = ("--data-dir", str(workspace))
    connection_id = add_keyed(capsys, workspace, api)
    code, out, _ = cli(capsys, "connections", "list", "--json", *ws)
    [listed] = json.loads(out)
    assert listed["id"] == connection_id and listed["app"] == "keyed"
    assert listed["fields"] == {"region": "eu"} and listed["secret_fields"] == ["apiKey"]
    assert api.api_key not in out and listed["verified_at"] is None

    code, out, err = cli(capsys, "connections", "test", connection_id, *ws)
    assert code == 0, err
    assert "it works: ada@example.com" in out
    [request] = api.requests
    assert request.path == "/me" and request.headers["x-api-key"] == api.api_key
    code, out, _ = cli(capsys, "connections", "list", "--json", *ws)
    [listed] = json.loads(out)
    assert listed["verified_at"] is not None and listed["label"] == "ada@example.com"
    assert listed["data"] == {"accountEmail": "ada@example.com"}  # what the check stored

    code, out, err = cli(capsys, "connections", "edit", connection_id, "--set", "apiKey=wrong",
                         "--name", "Old", *ws)
    assert code == 0, err
    code, out, err = cli(capsys, "connections", "test", connection_id, *ws)
    assert code == 1 and "failed its test: [401] bad key" in err and "wrong" not in err

    code, out, err = cli(capsys, "connections", "delete", connection_id, *ws)
    assert code == 0 and connection_id in out
    code, out, _ = cli(capsys, "connections", "list", "--json", *ws)
    assert json.loads(out) == []
    code, _, err = cli(capsys, "connections", "delete", connection_id, *ws)
    assert code == 1 and "no connection" in err


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
    ws = ("--data-dir", str(workspace))
    code, _, err = cli(capsys, "connections", "add", "nosuchapp", "--name", "x", *ws)
    assert code == 2 and "no app 'nosuchapp'" in err
    code, _, err = cli(capsys, "connections", "add", "keyed", "--name", "x", "--set", "apiKey",
                       *ws)
    assert code == 2 and "expected KEY=VALUE" in err
    code, _, err = cli(capsys, "connections", "add", "keyed", "--name", "x", *ws)
    assert code == 1 and "needs apiKey" in err


def test_without_keyring_or_master_password_the_user_is_told(
        capsys: pytest.CaptureFixture[str], workspace: Path, api: Api,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    code, _, err = cli(capsys, "connections", "add", "keyed", "--name", "x", "--set",
                       "apiKey=k-1234", "--data-dir", str(workspace))
    assert code == 1 and "no secret store" in err and "SCENARIST_MASTER_PASSWORD" in err
    monkeypatch.setenv("SCENARIST_MASTER_PASSWORD", "correct horse")
    code, out, err = cli(capsys, "connections", "add", "keyed", "--name", "x", "--set",
                         f"apiKey={api.api_key}", "--json", "--data-dir", str(workspace))
    assert code == 0 and "the encrypted file" in err and "secrets.enc" in err
    assert api.api_key.encode() not in (workspace / "secrets.enc").read_bytes()


def blueprint(tmp_path: Path, *modules: dict[str, Any]) -> str:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"name": "Uses connections", "flow": list(modules)}))
    return str(path)


def test_run_uses_the_connection_an_export_names_by_its_numeric_id(
        capsys: pytest.CaptureFixture[str], workspace: Path, api: Api, tmp_path: Path) -> None:
    add_keyed(capsys, workspace, api, "--make-id", "4242")
    path = blueprint(tmp_path, {"id": 1, "module": "keyed:getMe", "version": 1,
                                "parameters": {"__IMTCONN__": 4242}, "mapper": {}})
    code, out, err = cli(capsys, "run", path, "--report", "json", "--data-dir", str(workspace))
    assert code == 0, err
    report = json.loads(out)
    assert report["modules"]["1"]["outputs"] == [{"email": "ada@example.com"}]
    assert api.requests[-1].headers["x-api-key"] == api.api_key


def test_run_names_the_missing_connection_before_running(
        capsys: pytest.CaptureFixture[str], workspace: Path, api: Api, tmp_path: Path) -> None:
    path = blueprint(
        tmp_path,
        {"id": 3, "module": "keyed:getMe", "version": 1, "parameters": {"__IMTCONN__": 4242},
         "mapper": {}},
        {"id": 4, "module": "http:ActionSendDataBasicAuth", "version": 3,
         "parameters": {"key": 77, "handleErrors": True},
         "mapper": {"url": f"{api.url}/me", "method": "get"}},
        {"id": 5, "module": "http:MakeRequest", "version": 4,
         "parameters": {"authenticationType": "apiKey", "apiKeyKeychain": 78},
         "mapper": {"url": f"{api.url}/me", "method": "get"}},
    )
    code, out, err = cli(capsys, "run", path, "--report", "json", "--data-dir", str(workspace))
    assert code == 1 and api.requests == []
    message = json.loads(out)["error"]["message"]
    assert ("module 3 (keyed:getMe) uses connection 4242, which is not in this workspace: "
            "add it with `scenarist connections add keyed:key") in message
    assert "module 4 (http:ActionSendDataBasicAuth) uses keychain 77" in message
    assert "`scenarist connections add http:basicauth" in message
    assert "module 5 (http:MakeRequest) uses keychain 78" in message
    assert "http:apikeyauth" in message and message in err
    code, out, err = cli(capsys, "run", path, "--data-dir", str(workspace))
    assert code == 1 and "uses connection 4242" in out


def test_apps_list_and_check(capsys: pytest.CaptureFixture[str], workspace: Path,
                             tmp_path: Path) -> None:
    code, out, err = cli(capsys, "apps", "list", "--json", "--data-dir", str(workspace))
    assert code == 0, err
    rows = json.loads(out)
    assert {"app": "keyed", "module": "keyed:getMe", "label": "Get me",
            "kind": "action"} in rows
    assert any(r["module"] == "http:MakeRequest" for r in rows)
    assert all(set(r) == {"app", "module", "label", "kind"} for r in rows)
    code, out, _ = cli(capsys, "apps", "check", str(workspace / "apps" / "keyed"))
    assert code == 0 and "OK" in out
    broken = keyed_app(tmp_path / "broken")
    (broken / "me.iml.json").write_text('{"url": "/me{{upper(}}"}')
    code, out, _ = cli(capsys, "apps", "check", str(broken), "--json")
    problems = json.loads(out)
    assert code == 1 and any("IML" in p["message"] and p["file"] == "me.iml.json"
                             for p in problems)
