"""The credential store: secret values by id, in the OS keyring (service `scenarist`).

Where no keyring backend works (a headless server, CI), secrets go to an encrypted file in the
workspace, `secrets.enc`, whose key is derived (scrypt) from `SCENARIST_MASTER_PASSWORD` (or a
master password the caller passes, or the one the desktop app asked the user for:
`use_master_password`); the file is Fernet tokens, so nothing in it reads in clear.
With neither, nothing is stored: `set` returns False and `get` finds nothing, and
`secret_store(...).description` says so. Ids are unique across workspaces (callers use uuids).
"""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

import orjson

SERVICE = "scenarist"
MASTER_PASSWORD_ENV = "SCENARIST_MASTER_PASSWORD"
SECRETS_FILE = "secrets.enc"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class SecretStore(Protocol):
    description: str

    def set(self, secret_id: str, value: str) -> bool: ...

    def get(self, secret_id: str) -> str | None: ...

    def delete(self, secret_id: str) -> None: ...


class KeyringStore:
    """The OS keyring (whatever backend `keyring` chose, or a test's in-memory one)."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self.description = f"the OS keyring ({type(backend).__name__})"

    @property
    def backend_name(self) -> str:
        """What the user knows the keyring as: "SecretService", "macOS", "Windows"
        (keyring names most backend classes just `Keyring`)."""
        kind = type(self._backend)
        return kind.__module__.rsplit(".", 1)[-1] if kind.__name__ == "Keyring" else (
            kind.__name__)

    def set(self, secret_id: str, value: str) -> bool:
        from keyring.errors import KeyringError

        try:
            self._backend.set_password(SERVICE, secret_id, value)
        except KeyringError:
            return False
        return True

    def get(self, secret_id: str) -> str | None:
        from keyring.errors import KeyringError

        try:
            value: str | None = self._backend.get_password(SERVICE, secret_id)
        except KeyringError:
            return None
        return value

    def delete(self, secret_id: str) -> None:
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            self._backend.delete_password(SERVICE, secret_id)
        except (PasswordDeleteError, KeyringError):
            pass


class EncryptedFileStore:
    """`<workspace>/secrets.enc`: {"salt": b64, "entries": {id: Fernet token}}."""

    def __init__(self, path: Path, master_password: str) -> None:
        self.path = Path(path)
        self._password = master_password.encode()
        self.description = f"the encrypted file {self.path} (no OS keyring available)"
        self._fernet: Any = None

    def _load(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = orjson.loads(self.path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            data = {}
        if "salt" not in data:
            data = {"salt": base64.b64encode(os.urandom(16)).decode(), "entries": {}}
        return data

    def _cipher(self, data: dict[str, Any]) -> Any:
        if self._fernet is None:
            from cryptography.fernet import Fernet
            from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

            kdf = Scrypt(salt=base64.b64decode(data["salt"]), length=32, **_SCRYPT)
            self._fernet = Fernet(base64.urlsafe_b64encode(kdf.derive(self._password)))
        return self._fernet

    def _save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(orjson.dumps(data))
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def set(self, secret_id: str, value: str) -> bool:
        data = self._load()
        token = self._cipher(data).encrypt(value.encode()).decode("ascii")
        data["entries"][secret_id] = token
        self._save(data)
        return True

    def get(self, secret_id: str) -> str | None:
        from cryptography.fernet import InvalidToken

        data = self._load()
        token = data["entries"].get(secret_id)
        if token is None:
            return None
        try:
            value: bytes = self._cipher(data).decrypt(token.encode("ascii"))
        except InvalidToken:
            return None  # another master password: not ours to read
        return value.decode()

    def delete(self, secret_id: str) -> None:
        data = self._load()
        if data["entries"].pop(secret_id, None) is not None:
            self._save(data)

    def unlocks(self) -> bool:
        """Whether the master password opens the file (any password opens an empty one)."""
        from cryptography.fernet import InvalidToken

        data = self._load()
        for token in data["entries"].values():
            try:
                self._cipher(data).decrypt(token.encode("ascii"))
            except InvalidToken:
                continue
            return True
        return not data["entries"]


class NoStore:
    """Neither a keyring nor a master password: secrets are not kept anywhere."""

    description = (f"no secret store: no OS keyring works here and {MASTER_PASSWORD_ENV} is"
                   " not set")

    def set(self, secret_id: str, value: str) -> bool:
        return False

    def get(self, secret_id: str) -> str | None:
        return None

    def delete(self, secret_id: str) -> None:
        pass


def _working_keyring() -> Any:
    """The keyring backend, or None when it is one that can't store (fail, null, chainer
    of none)."""
    import keyring
    from keyring.backends import chainer, fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    return backend


_session_password: str | None = None


def use_master_password(password: str | None) -> None:
    """The master password the desktop app asked the user for: this process's stores use it
    where no keyring works and SCENARIST_MASTER_PASSWORD is unset (it is never written)."""
    global _session_password
    _session_password = password or None


def secret_store(workspace: Path | None, master_password: str | None = None) -> SecretStore:
    """The store to use: the OS keyring, else the workspace's encrypted file, else none."""
    backend = _working_keyring()
    if backend is not None:
        return KeyringStore(backend)
    password = master_password or os.environ.get(MASTER_PASSWORD_ENV) or _session_password
    if password and workspace is not None:
        return EncryptedFileStore(Path(workspace) / SECRETS_FILE, password)
    return NoStore()


__all__ = ["SERVICE", "EncryptedFileStore", "KeyringStore", "NoStore", "SecretStore",
           "secret_store", "use_master_password"]
