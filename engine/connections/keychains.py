"""Make's keychains ("Keys and certificates"): the credentials the HTTP modules name by id
in their parameters (`key`, `auth`, `apiKeyKeychain`, `basicAuthKeychain`) rather than by
connection, and PGP keys.

A keychain is a connection of one of these built-in types (engine.connections.kinds), so it
is stored, bound to runs and redacted exactly as connections are: metadata in state.db,
secrets in the OS keyring. This module only says which types are keychains and how the
`scenarist keys` command and the Keys dialog name them.
"""

from __future__ import annotations

from engine.connections.kinds import BUILTIN_BY_MODULE_KIND, ConnectionType, UnknownConnectionType
from engine.connections.store import Connection, ConnectionStore

__all__ = ["KEYCHAIN_TYPES", "is_keychain", "keychain_type", "keychain_type_name", "keychains"]

# Make's keychain type names (`keychain:basicauth`, ...) -> the connection component.
KEYCHAIN_TYPES: dict[str, ConnectionType] = {
    name: BUILTIN_BY_MODULE_KIND[component] for name, component in (
        ("basicauth", "basicauth"), ("apikeyauth", "apikeyauth"),
        ("clientcert", "clientcertauth"), ("pgp", "pgp"))
}
_ALIASES = {"basic": "basicauth", "apikey": "apikeyauth", "api_key": "apikeyauth",
            "cert": "clientcert", "clientcertauth": "clientcert", "client_cert": "clientcert"}
_KEYS = {t.key for t in KEYCHAIN_TYPES.values()}


def keychain_type(name: str) -> ConnectionType:
    """A keychain type by Make's name (`basicauth`), a short one (`cert`) or its
    connection type (`http:basicauth`)."""
    by_key = next((t for t in KEYCHAIN_TYPES.values() if t.key == name), None)
    if by_key is not None:
        return by_key
    wanted = name.strip().lower()
    wanted = wanted.split(":", 1)[1] if wanted.startswith(("http:", "keychain:")) else wanted
    found = KEYCHAIN_TYPES.get(_ALIASES.get(wanted, wanted))
    if found is None:
        raise UnknownConnectionType(
            f"no keychain type {name!r} (types: {', '.join(KEYCHAIN_TYPES)})")
    return found


def keychain_type_name(kind: ConnectionType) -> str:
    return next(name for name, t in KEYCHAIN_TYPES.items() if t.key == kind.key)


def is_keychain(connection: Connection) -> bool:
    return connection.type_key in _KEYS


def keychains(store: ConnectionStore) -> list[Connection]:
    """The workspace's keychains (secrets unread)."""
    return [c for c in store.list() if is_keychain(c)]
