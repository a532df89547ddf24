"""Every test runs with its own workspace, never the user's real data folder, and with an
in-memory keyring, never the user's real one (DESIGN.md §6, §8)."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A keyring that lives as long as the test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def _private_workspace(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIST_HOME", str(tmp_path_factory.mktemp("scenarist-home")))
    # The workspace's own SQLite files unless a test says otherwise; set, then removed, so
    # the variable is gone after the test even if the CLI (run in-process) set it.
    monkeypatch.setenv("SCENARIST_DATABASE", "")
    monkeypatch.delenv("SCENARIST_DATABASE")


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """This process's keyring is in memory; subprocesses (the CLI) get none at all, so they
    use the workspace's encrypted file when a test sets SCENARIST_MASTER_PASSWORD."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("SCENARIST_MASTER_PASSWORD", raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
    from engine.secrets import use_master_password

    use_master_password(None)  # a password the desktop app was given lives per process


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a PostgreSQL started for this session (Debian's `postgresql` package, run
    as its `postgres` user when the tests run as root), on a free 127.0.0.1 port."""
    from engine.store.pg_server import pg_server

    log = tmp_path_factory.mktemp("postgres") / "server.log"
    with log.open("wb") as out, pg_server(out) as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A new, empty database of the session's PostgreSQL (dropped after the test)."""
    from tests.support.postgres import fresh_database

    with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs the test twice: on the workspace's SQLite files, and with its state and history
    in a fresh PostgreSQL database ($SCENARIST_DATABASE, as `--database` sets it)."""
    if request.param == "postgresql":
        monkeypatch.setenv("SCENARIST_DATABASE", request.getfixturevalue("postgres_url"))
    else:
        monkeypatch.delenv("SCENARIST_DATABASE", raising=False)
    return str(request.param)
