"""The workspace's connections (no Qt): API key, basic, OAuth 2.0 and custom-field
connections of the built-in HTTP modules and of every app.

Metadata lives in state.db (`connection`, and `connection_import` mapping a Make export's
numeric ids to local ones); secret values live only in the secret store (engine.secrets: the
OS keyring, service `scenarist`, one entry per connection id). At run time every connection
a module names is bound to the run and its secrets join the run's redaction
(`prepare_run`, called by the executor's initialization through `open_run`).

Public API:
- types: `connection_types(loaded)`, `find_type("gist")`, `ConnectionType`, `ConnectionField`;
- the store: `ConnectionStore(workspace)`, `Connection`;
- `create_connection`, `edit_connection`, `check_connection` ("Test connection"),
  `authorize_connection` / `refresh_connection` (OAuth 2.0);
- runs: `prepare_run`, `open_run`, `MissingConnection`;
- keychains (Make's "Keys and certificates": connections of the built-in keychain types):
  `KEYCHAIN_TYPES`, `keychain_type("basicauth")`, `keychains(store)`, `is_keychain`;
- references: `credential_type` (the type a module's credential field takes; with the
  module's alternative, `credential_types`),
  `unknown_references` (an import's ids with no local connection), `scenarios_using`,
  `uses_connections`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# Loaded at once: its function `keychains` shares the submodule's name, which the import
# system would otherwise set on this package when the submodule loads after the function
# was looked up. It needs no more than kinds.py and store.py (no SQLAlchemy, no HTTP).
from engine.connections.keychains import (
    KEYCHAIN_TYPES,
    is_keychain,
    keychain_type,
    keychain_type_name,
    keychains,
)
from engine.lazy_names import lazy_names

if TYPE_CHECKING:
    from engine.connections.kinds import (
        BUILTIN_TYPES,
        ConnectionField,
        ConnectionType,
        UnknownConnectionType,
        connection_types,
        find_type,
    )
    from engine.connections.manage import (
        CheckResult,
        ConnectionCheckFailed,
        authorize_connection,
        check_connection,
        checked_values,
        create_connection,
        edit_connection,
        invalidate_connection,
        refresh_connection,
    )
    from engine.connections.oauth import OAuthClient, OAuthError, Tokens
    from engine.connections.references import (
        UnknownReference,
        credential_type,
        credential_types,
        scenarios_using,
        unknown_references,
        uses_connections,
    )
    from engine.connections.runtime import BoundConnection, MissingConnection, open_run, prepare_run
    from engine.connections.store import Connection, ConnectionStore, ConnectionStoreError

_WHERE = {
    "BUILTIN_TYPES": "kinds",
    "ConnectionField": "kinds",
    "ConnectionType": "kinds",
    "UnknownConnectionType": "kinds",
    "connection_types": "kinds",
    "find_type": "kinds",
    "CheckResult": "manage",
    "ConnectionCheckFailed": "manage",
    "authorize_connection": "manage",
    "check_connection": "manage",
    "checked_values": "manage",
    "create_connection": "manage",
    "edit_connection": "manage",
    "invalidate_connection": "manage",
    "refresh_connection": "manage",
    "OAuthClient": "oauth",
    "OAuthError": "oauth",
    "Tokens": "oauth",
    "UnknownReference": "references",
    "credential_type": "references",
    "credential_types": "references",
    "scenarios_using": "references",
    "unknown_references": "references",
    "uses_connections": "references",
    "BoundConnection": "runtime",
    "MissingConnection": "runtime",
    "open_run": "runtime",
    "prepare_run": "runtime",
    "Connection": "store",
    "ConnectionStore": "store",
    "ConnectionStoreError": "store",
}


__getattr__ = lazy_names(__name__, _WHERE)  # the names load on first use (PEP 562)


__all__ = [
    "BUILTIN_TYPES",
    "KEYCHAIN_TYPES",
    "BoundConnection",
    "CheckResult",
    "Connection",
    "ConnectionCheckFailed",
    "ConnectionField",
    "ConnectionStore",
    "ConnectionStoreError",
    "ConnectionType",
    "MissingConnection",
    "OAuthClient",
    "OAuthError",
    "Tokens",
    "UnknownConnectionType",
    "UnknownReference",
    "authorize_connection",
    "check_connection",
    "checked_values",
    "connection_types",
    "create_connection",
    "credential_type",
    "credential_types",
    "edit_connection",
    "find_type",
    "invalidate_connection",
    "is_keychain",
    "keychain_type",
    "keychain_type_name",
    "keychains",
    "open_run",
    "prepare_run",
    "refresh_connection",
    "scenarios_using",
    "unknown_references",
    "uses_connections",
]
