"""Where scenarios name connections (engine.connections.references), the RPC a select's
options come from, and the master password the desktop app passes to the secret store."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from engine.apps import discover_apps, rpc_inputs
from engine.blueprint import Blueprint
from engine.connections import (
    ConnectionStore,
    create_connection,
    credential_type,
    find_type,
    scenarios_using,
    unknown_references,
    uses_connections,
)
from engine.registry import registry_with_apps
from engine.secrets import EncryptedFileStore, NoStore, secret_store, use_master_password
from tests.connectors.test_gist import onboarding_blueprint


def test_the_type_each_credential_field_takes() -> None:
    registry, _ = registry_with_apps(None)
    assert credential_type(registry.get("gist:createUser"), "__IMTCONN__") == "gist:apiKey"
    assert credential_type(registry.get("http:ActionSendDataBasicAuth"), "key") == (
        "http:basicauth")
    assert credential_type(registry.get("http:ActionSendDataOAuth"), "account") == (
        "http:oauth2")
    assert credential_type(registry.get("http:MakeRequest"), "apiKeyKeychain") == (
        "http:apikeyauth")
    assert credential_type(registry.get("http:MakeRequest"), "oAuthAccount") == "http:oauth2"
    assert credential_type(registry.get("util:SetVariable2"), "__IMTCONN__") is None


def test_an_imports_unknown_ids_once_each_with_their_modules(tmp_path: Path) -> None:
    registry, _ = registry_with_apps(None)
    loaded = discover_apps(None)
    data = onboarding_blueprint(7)
    data["flow"].append({"id": 9, "module": "http:MakeRequest", "version": 4, "parameters": {
        "authenticationType": "basicAuth", "basicAuthKeychain": 31}, "mapper": {
        "url": "https://example.com", "method": "get"}})
    data["flow"].append({"id": 10, "module": "nosuchapp:addRow", "version": 2,
                         "parameters": {"__IMTCONN__": 55}})  # not supported: not asked
    blueprint = Blueprint.model_validate(data)
    store = ConnectionStore(tmp_path)
    assert uses_connections(blueprint)
    [gist, keychain] = unknown_references(blueprint, registry, store)
    assert gist.reference == "7" and gist.connection_type == "gist:apiKey"
    assert gist.modules == [(1, "gist:createUser"), (2, "gist:listUsers"),
                            (3, "gist:tagUntagUsersOrLeads")]
    assert not gist.keychain
    assert (keychain.reference, keychain.connection_type, keychain.keychain) == (
        "31", "http:basicauth", True)

    create_connection(store, find_type("gist", loaded), "Work", {"apiKey": "k-1"}, make_id=7)
    assert [r.reference for r in unknown_references(blueprint, registry, store)] == ["31"]
    assert not uses_connections(Blueprint.model_validate({"flow": [
        {"id": 1, "module": "util:SetVariable2", "mapper": {"name": "a", "value": 1}}]}))


def test_scenarios_using_a_connection_by_local_or_make_id(tmp_path: Path) -> None:
    loaded = discover_apps(None)
    store = ConnectionStore(tmp_path)
    work = create_connection(store, find_type("gist", loaded), "Work", {"apiKey": "k-1"},
                             make_id=7)
    other = create_connection(store, find_type("gist", loaded), "Other", {"apiKey": "k-2"})
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "Onboarding.blueprint.json").write_text(json.dumps(onboarding_blueprint(7)))
    routed = {"name": "Routed", "flow": [{"id": 1, "module": "builtin:BasicRouter",
                                          "routes": [{"flow": [{
                                              "id": 2, "module": "gist:createUser",
                                              "parameters": {"__IMTCONN__": work.id}}]}]}]}
    (folder / "Routed.blueprint.json").write_text(json.dumps(routed))
    (folder / "Broken.blueprint.json").write_text("{not json")
    assert scenarios_using(tmp_path, store.require(work.id)) == ["Gist onboarding", "Routed"]
    assert scenarios_using(tmp_path, store.require(other.id)) == []


def test_rpc_selects_keep_their_rpc_and_what_it_reads() -> None:
    registry, _ = registry_with_apps(None)
    tag = next(f for f in registry.get("gist:tagUntagUsersOrLeads").mapper if f.name == "name")
    assert tag.type == "select" and tag.rpc == "rpc://listTagNames" and tag.options is None
    from tests.apps.fakes import corpus_app

    opnform = corpus_app("opnform")
    assert rpc_inputs(opnform, "rpc://listForms") == {"workspaceId"}
    assert rpc_inputs(opnform, "rpc://listWorkspaces") == set()
    assert rpc_inputs(opnform, "rpc://noSuchRpc") == set()


def test_a_master_password_given_to_the_app_opens_the_encrypted_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    assert isinstance(secret_store(tmp_path), NoStore)
    assert EncryptedFileStore(tmp_path / "secrets.enc", "anything").unlocks()  # empty file
    use_master_password("correct horse")
    store = secret_store(tmp_path)
    assert isinstance(store, EncryptedFileStore) and store.set("a", "s3cret")
    assert b"s3cret" not in (tmp_path / "secrets.enc").read_bytes()
    assert EncryptedFileStore(tmp_path / "secrets.enc", "correct horse").unlocks()
    assert not EncryptedFileStore(tmp_path / "secrets.enc", "wrong").unlocks()
    use_master_password(None)
    assert isinstance(secret_store(tmp_path), NoStore)
