"""A connection's secret, added with the CLI and used by a run against a local service that
echoes it back, is found nowhere else: not in state.db, history, blueprints, logs, reports,
the encrypted secrets file's bytes, or anything printed (tests/secrets/scan.py searches)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.connections.apps import Api, keyed_app, serve_api
from tests.secrets.scan import leaks

SECRET = "key-live-7f3a9c-e1d2"


@pytest.mark.parametrize("store", ["keyring", "encrypted file"])
def test_a_connection_secret_reaches_no_file_and_no_output(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        store: str) -> None:
    if store == "encrypted file":
        import keyring
        from keyring.backends import fail

        monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
        monkeypatch.setenv("SCENARIST_MASTER_PASSWORD", "correct horse battery")
    workspace = tmp_path / "ws"
    keyed_app(workspace / "apps")
    printed: list[tuple[str, str]] = []

    def cli(*args: str) -> tuple[int, str]:
        code = main([*args, "--data-dir", str(workspace)])
        out, err = capsys.readouterr()
        printed.extend([(f"{args[:2]} stdout", out), (f"{args[:2]} stderr", err)])
        return code, out

    with serve_api(Api(api_key=SECRET, echo=True)) as api:
        code, out = cli("connections", "add", "keyed", "--name", "Work", "--set",
                        f"apiKey={SECRET}", "--base-url", api.url, "--make-id", "4242",
                        "--json")
        assert code == 0
        connection_id = json.loads(out)["id"]
        assert cli("connections", "test", connection_id)[0] == 0
        path = tmp_path / "scenario.json"
        path.write_text(json.dumps({"name": "Echo", "flow": [
            {"id": 1, "module": "keyed:getMe", "version": 1,
             "parameters": {"__IMTCONN__": 4242}, "mapper": {}},
            {"id": 2, "module": "util:ComposeTransformer",
             "mapper": {"value": "seen {{1.headers.`x-api-key`}}"}},
        ]}))
        code, out = cli("run", str(path), "--report", "json")
        assert code == 0
        report = json.loads(out)
        cli("run", str(path))
        cli("connections", "list", "--json")
        cli("history", "list", "--json")
    assert api.requests[-1].headers["x-api-key"] == SECRET  # the service did get it
    assert report["modules"]["1"]["outputs"][0]["headers"]["x-api-key"] == "[redacted]"
    assert report["modules"]["2"]["outputs"] == [{"value": "seen [redacted]"}]
    assert (workspace / "state.db").exists()
    assert (workspace / "secrets.enc").exists() == (store == "encrypted file")
    assert leaks([SECRET], workspace, printed) == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("store", ["keyring", "encrypted file"])
def test_an_email_password_reaches_the_mail_servers_and_nothing_else(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        store: str) -> None:
    """One `email` connection logs in to SMTP (sending) and IMAP (watching) by its Make id;
    its password is in the keyring (or the encrypted file) and nowhere else."""
    from tests.mail.helpers import Cli, module, scenario, send_email, watch_emails
    from tests.support.mail_servers import imap_server, self_signed, smtp_server

    if store == "encrypted file":
        import keyring
        from keyring.backends import fail

        monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
        monkeypatch.setenv("SCENARIST_MASTER_PASSWORD", "correct horse battery")
    password = "mail-pw-5d81-c3a9"
    certificate = self_signed(tmp_path)
    workspace = tmp_path / "ws"
    cli = Cli(workspace, capsys)
    blueprint = scenario(
        "Mail round trip", watch_emails(1, 6505404),
        module(2, "util:ComposeTransformer", mapper={"value": "{{1.subject}}"}),
        send_email(3, 6763426, to=["bob@example.com"], subject="Re: {{2.value}}",
                   html="<p>echo: {{1.text}}</p>"))
    with imap_server(user="ada@example.com", password=password) as imap, smtp_server(
            user="ada@example.com", password=password, tls="tls",
            certificate=certificate) as smtp:
        cli.add_email(6505404, imap.port, password=password)
        cli.add_email(6763426, smtp.port, password=password, tls="tls", ca=certificate.pem)
        imap.deliver(b"From: x@example.com\r\nSubject: hello\r\n\r\nmy password is "
                     + password.encode() + b"\r\n")
        report = cli.run(blueprint)
        cli("connections", "list", "--json")
        cli("history", "list", "--json")
    assert report["status"] == "success", report
    assert smtp.logins == ["ada@example.com"] and len(smtp.messages) == 1
    assert any(c.endswith("LOGIN ada@example.com ***") for c in imap.commands)
    assert report["modules"]["1"]["outputs"][0]["text"].strip() == "my password is [redacted]"
    assert (workspace / "secrets.enc").exists() == (store == "encrypted file")
    assert leaks([password], workspace, cli.printed) == []
