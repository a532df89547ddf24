"""Which values are secrets (from the declarations and the blueprint), how they are hidden,
and the secret store they are kept in for a retry."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from engine.crash import RunGuard, dead_runs, recover_interrupted
from engine.secret_refs import modules_missing_secrets, restore, stash, stashed_values
from engine.secrets import EncryptedFileStore, KeyringStore, NoStore, secret_store
from engine.sensitive import REDACTED, Redactor, blank_blueprint, scenario_secrets
from engine.store.incomplete import get_incomplete, list_incomplete, runnable
from engine.store.state_db import state_engine
from tests.conftest import MemoryKeyring
from tests.secrets.blueprints import (
    API_KEY,
    BEARER,
    FAIL_PASSWORD,
    FAIL_TOKEN,
    PASSWORD,
    QS_API_KEY,
    QS_TOKEN,
    URL_PASSWORD,
    V4_ACCESS_TOKEN,
    V4_BEARER,
    credentials_blueprint,
    failing_blueprint,
)
from tests.secrets.scan import basic, leaks

HOST = "127.0.0.1:9"


def test_secrets_come_from_declarations_headers_queries_and_urls() -> None:
    found = scenario_secrets(credentials_blueprint(HOST))
    assert {URL_PASSWORD, f"alice:{URL_PASSWORD}", f"Bearer {BEARER}", BEARER, API_KEY,
            QS_API_KEY, QS_TOKEN, PASSWORD, basic("bob", PASSWORD), V4_ACCESS_TOKEN,
            V4_BEARER, basic("alice", URL_PASSWORD)} <= found.values
    # Not secrets: the user name, an ordinary header, a mapped (IML) value, the page number.
    assert not {"alice", "bob", "canary-visible-value", "{{1.key}}", "1"} & found.values
    assert set(found.watched) == {2, 3, 4}  # the HTTP modules' inputs are looked at


def test_a_short_secret_is_hidden_where_it_stands_not_searched_everywhere() -> None:
    blueprint = {"flow": [{"id": 1, "module": "http:ActionSendData",
                           "mapper": {"url": "http://x/", "authUser": "u", "authPass": "pw"}}]}
    assert "pw" not in scenario_secrets(blueprint).searchable()
    assert blank_blueprint(blueprint)["flow"][0]["mapper"]["authPass"] == REDACTED
    assert Redactor(["pw"]).text("a pwd") == "a pwd"


def test_an_evaluated_credential_is_hidden_by_field() -> None:
    found = scenario_secrets(credentials_blueprint(HOST))
    given = {"url": "http://h/", "headers": [{"name": "X-Api-Key", "value": "evaluated-123"},
                                             {"name": "Accept", "value": "json"}]}
    hidden, secrets = found.of_input(4, given)
    assert hidden["headers"] == [{"name": "X-Api-Key", "value": REDACTED},
                                 {"name": "Accept", "value": "json"}]
    assert secrets == {"evaluated-123"} and given["headers"][0]["value"] == "evaluated-123"


def test_messages_lose_secrets_and_any_url_credentials() -> None:
    redactor = Redactor([BEARER])
    text = f"GET http://u:p4ss@h/x?token=abc&page=2 failed with {BEARER}"
    assert redactor.text(text) == (
        f"GET http://{REDACTED}@h/x?token={REDACTED}&page=2 failed with {REDACTED}")


def test_stashed_secrets_come_back_from_the_store(memory_keyring: MemoryKeyring) -> None:
    store = secret_store(None)
    assert isinstance(store, KeyringStore)
    blueprint = failing_blueprint(HOST)
    secrets = scenario_secrets(blueprint).searchable()
    (kept, error), box = stash([blueprint, {"message": f"token={FAIL_TOKEN}"}], 0, secrets,
                               store)
    assert FAIL_PASSWORD not in json.dumps([kept, error])
    assert memory_keyring.entries[("scenarist", box.id)]
    assert restore([kept, error], stashed_values([kept, error], store)) == [
        blueprint, {"message": f"token={FAIL_TOKEN}"}]
    store.delete(box.id)
    assert modules_missing_secrets(restore(kept, stashed_values(kept, store))) == [2]


def test_encrypted_file_when_no_keyring_works(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(fail.Keyring())
    assert isinstance(secret_store(tmp_path), NoStore)
    monkeypatch.setenv("SCENARIST_MASTER_PASSWORD", "master")
    store = secret_store(tmp_path)
    assert isinstance(store, EncryptedFileStore) and "encrypted file" in store.description
    assert store.set("one", PASSWORD)
    assert PASSWORD.encode() not in (tmp_path / "secrets.enc").read_bytes()
    assert secret_store(tmp_path).get("one") == PASSWORD
    assert EncryptedFileStore(tmp_path / "secrets.enc", "wrong").get("one") is None
    store.delete("one")
    assert store.get("one") is None


def test_crash_guard_holds_references_and_recovery_keeps_them_retryable(
        tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    ws = tmp_path / "ws"
    blueprint = failing_blueprint(HOST)
    guard = RunGuard(ws, "exec-1", scenario="Failing", blueprint_json=blueprint,
                     trigger_input={"body": {"token": FAIL_TOKEN}})
    guard.start()
    assert FAIL_PASSWORD not in guard.path.read_text()
    assert FAIL_TOKEN not in guard.path.read_text()
    # As if the process had died: a pid that is not running.
    content = json.loads(guard.path.read_text())
    guard.path.write_text(json.dumps({**content, "pid": 0}))
    assert len(dead_runs(ws)) == 1
    assert len(recover_interrupted(ws)) == 1
    assert memory_keyring.entries and ("scenarist", guard._stash.id) not in \
        memory_keyring.entries  # the guard's own references are gone with it
    engine = state_engine(ws)
    [record] = list_incomplete(engine)
    back = runnable(engine, get_incomplete(engine, record.id))
    assert back.blueprint_json == blueprint and back.missing == []
    assert back.trigger == {"body": {"token": FAIL_TOKEN}}
    assert leaks([FAIL_PASSWORD, FAIL_TOKEN], ws) == []
