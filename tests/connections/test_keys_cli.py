"""`scenarist keys`: Make's keychains are created, listed, edited and deleted from the command
line, their secrets stay in the keyring, and the HTTP modules that name them by a Make
export's id send them (a client certificate to a real HTTPS server that demands one)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import MemoryKeyring
from tests.support.tls import Certificates, https_server, make_certificates

PASSWORD = "pa55-word-Qx81"


class Keys:
    def __init__(self, capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
        self.capsys, self.workspace = capsys, workspace

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main([*args, "--data-dir", str(self.workspace)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def listed(self) -> list[dict[str, object]]:
        code, out, err = self("keys", "list", "--json")
        assert code == 0, err
        rows: list[dict[str, object]] = json.loads(out)
        return rows


@pytest.fixture
def keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Keys:
    return Keys(capsys, tmp_path / "ws")


def test_a_keychain_is_created_listed_edited_and_deleted(
        keys: Keys, memory_keyring: MemoryKeyring) -> None:
    code, out, err = keys("keys", "create", "basicauth", "--name", "Shop", "--set",
                          "username=ada", "--set", f"password={PASSWORD}", "--make-id", "71843",
                          "--json")
    assert code == 0, err
    key_id = json.loads(out)["id"]
    [row] = keys.listed()
    assert row["id"] == key_id and row["type"] == "basicauth" and row["name"] == "Shop"
    assert row["make_ids"] == ["71843"] and row["fields"] == {"username": "ada"}
    assert PASSWORD not in json.dumps(row)
    assert PASSWORD in memory_keyring.entries.values().__repr__()  # in the keyring only

    code, _, err = keys("keys", "edit", "71843", "--name", "Shop (new)", "--set",
                        "username=grace")
    assert code == 0, err
    [row] = keys.listed()
    assert row["name"] == "Shop (new)" and row["fields"] == {"username": "grace"}

    code, out, err = keys("keys", "delete", key_id)
    assert code == 0, err
    assert keys.listed() == []
    assert PASSWORD not in repr(memory_keyring.entries.values())


def test_connections_that_are_not_keychains_are_not_listed(keys: Keys) -> None:
    code, _, err = keys("connections", "add", "http:oauth2", "--name", "OAuth", "--set",
                        "authorizeUri=http://127.0.0.1:9/a", "--set",
                        "tokenUri=http://127.0.0.1:9/t", "--set", "clientId=x",
                        "--no-authorize")
    assert code == 0, err
    assert keys.listed() == []
    code, _, err = keys("keys", "create", "oauth2", "--name", "No")
    assert code == 1 and "no keychain type 'oauth2'" in err


def test_a_keychain_needs_its_required_values(keys: Keys) -> None:
    code, _, err = keys("keys", "create", "apikeyauth", "--name", "Key")
    assert code == 1 and "needs key" in err
    assert keys.listed() == []


def test_a_pgp_keychain_keeps_its_private_key_secret(
        keys: Keys, tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    armored = ("-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQdGBGZ\n"
               "-----END PGP PRIVATE KEY BLOCK-----\n")
    (tmp_path / "private.asc").write_text(armored)
    code, _, err = keys("keys", "create", "pgp", "--name", "Signing", "--file",
                        f"privateKey={tmp_path / 'private.asc'}", "--set", "passphrase=p")
    assert code == 0, err
    [row] = keys.listed()
    assert row["type"] == "pgp" and row["secret_fields"] == ["passphrase", "privateKey"]
    assert "lQdGBGZ" not in json.dumps(row)
    assert any("lQdGBGZ" in value for value in memory_keyring.entries.values())


@pytest.fixture(scope="module")
def certs() -> Certificates:
    return make_certificates()


def test_the_client_certificate_module_presents_the_keychain_certificate(
        keys: Keys, tmp_path: Path, certs: Certificates) -> None:
    (tmp_path / "client.pem").write_text(certs.client.cert)
    (tmp_path / "client.key").write_text(certs.client.key)
    code, _, err = keys("keys", "create", "clientcert", "--name", "Bank", "--make-id", "5001",
                        "--file", f"certificate={tmp_path / 'client.pem'}",
                        "--file", f"privateKey={tmp_path / 'client.key'}")
    assert code == 0, err
    with https_server(certs, require_client=True) as (url, seen):
        blueprint = tmp_path / "cert.blueprint.json"
        blueprint.write_text(json.dumps({"name": "Cert", "flow": [{
            "id": 1, "module": "http:ActionSendDataClientCertAuth", "version": 3,
            "parameters": {"key": 5001, "handleErrors": True},
            "mapper": {"url": url + "/balance", "method": "get", "parseResponse": True,
                       "ca": certs.ca.cert}}]}))
        code, out, err = keys("run", str(blueprint), "--report", "json")
    assert code == 0, err
    [bundle] = json.loads(out)["modules"]["1"]["outputs"]
    assert bundle["statusCode"] == 200 and bundle["data"] == {"ok": True}
    assert seen.client_subject == "test client"
    assert "PRIVATE KEY" not in out
