"""Creating, editing, authorizing and testing connections (the CLI's and the dialog's API).

`create_connection` checks the values against the connection type (required fields,
unknown names, defaults) before anything is stored. `check_connection` runs the app's own
check (`engine.apps.verify_connection`) and keeps what it returns as the connection's data,
as Make does; OAuth 2.0 connections are tested by having a valid token (renewed when due),
authorized and renewed by the app's own steps when it has them (app_oauth).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from engine.connections import oauth
from engine.connections.kinds import EMAIL_APP, ConnectionType
from engine.connections.store import Connection, ConnectionStore, ConnectionStoreError
from engine.errors import ModuleError
from engine.sensitive import Redactor
from engine.values import to_bool, to_number

if TYPE_CHECKING:
    import httpx

    from engine.context import RunServices

_NUMBERS = frozenset({"number", "integer", "uinteger", "port"})


class ConnectionCheckFailed(ConnectionStoreError):
    pass


def checked_values(kind: ConnectionType, values: Mapping[str, Any], *,
                   partial: bool = False) -> dict[str, Any]:
    """The values with defaults filled in and types applied; raises on a missing required
    field or a name the type does not declare (types without fields take any)."""
    out: dict[str, Any] = {}
    declared = {f.name: f for f in kind.fields}
    unknown = [k for k in values if declared and k not in declared]
    if unknown:
        raise ConnectionStoreError(
            f"{kind.key} has no field {', '.join(map(repr, unknown))} (its fields: "
            f"{', '.join(declared)})")
    for name, spec in declared.items():
        if name in values:
            value = values[name]
            if spec.type in _NUMBERS and isinstance(value, str) and value != "":
                number = to_number(value)
                value = value if number is None else (
                    int(number) if float(number).is_integer() else number)
            elif spec.type == "boolean":
                value = to_bool(value)
            out[name] = value
        elif not partial and spec.default is not None:
            out[name] = spec.default
    if not partial:
        missing = [f.name for f in kind.fields if f.required and out.get(f.name) in (None, "")]
        if missing:
            raise ConnectionStoreError(
                f"{kind.key} needs {', '.join(missing)} (--set {missing[0]}=...)")
    for name, value in values.items():
        out.setdefault(name, value)
    return out


def create_connection(store: ConnectionStore, kind: ConnectionType, name: str,
                      values: Mapping[str, Any], *, base_url_override: str | None = None,
                      make_id: Any = None) -> Connection:
    values = checked_values(kind, values)
    if kind.kind == "oauth2":  # the app's endpoints, so runs can refresh without the app
        if kind.authorize_url and not values.get("authorizeUri"):
            values["authorizeUri"] = kind.authorize_url
        if kind.token_url and not values.get("tokenUri"):
            values["tokenUri"] = kind.token_url
    return store.add(kind, name, values, base_url_override=base_url_override,
                     make_id=make_id)


def edit_connection(store: ConnectionStore, kind: ConnectionType, connection_id: str,
                    values: Mapping[str, Any], *, name: str | None = None,
                    base_url_override: str | None = None) -> Connection:
    connection = store.require(connection_id)
    for key, value in values.items():
        spec = kind.field(key)
        if spec is not None and not spec.editable and connection.values().get(key) != value:
            raise ConnectionStoreError(f"{kind.key}: {key} cannot be changed once set")
    changed = checked_values(kind, values, partial=True)
    return store.update(connection, kind, changed, name=name,
                        base_url_override=base_url_override)


async def authorize_connection(store: ConnectionStore, connection_id: str,
                               open_browser: Callable[[str], Any], *,
                               kind: ConnectionType | None = None,
                               timeout: float = oauth.DEFAULT_TIMEOUT_S, port: int = 0,
                               http: httpx.AsyncClient | None = None) -> Connection:
    """Run the OAuth 2.0 flow for a connection and keep its tokens: the app's own steps
    when it has them (engine.connections.app_oauth), else the standard code flow."""
    connection = store.require(connection_id)
    kind = kind or _type_of(store, connection)
    if kind is not None and kind.own_flow and kind.app_decl is not None:
        from engine.connections import app_oauth

        decl = kind.app_decl.connections[kind.component]
        async with _services(store, connection) as run:
            got = await app_oauth.authorize(
                kind.app_decl, decl, connection.values(), open_browser, run, timeout=timeout,
                port=port, base_url_override=connection.base_url_override)
        return store.update(connection, kind, data=got.data, label=got.label, verified=True)
    client = _client(connection, kind)
    tokens = await oauth.authorize(client, open_browser, timeout=timeout, port=port,
                                   http=http)
    return _keep_tokens(store, connection, tokens, kind)


async def invalidate_connection(store: ConnectionStore, connection: Connection, *,
                                kind: ConnectionType | None = None) -> bool:
    """Before a connection is deleted: revoke its tokens at the provider with the app's own
    invalidate step, when it has one (True when it ran). Raises OAuthError on failure."""
    kind = kind or _type_of(store, connection)
    if kind is None or not kind.own_flow or kind.app_decl is None:
        return False
    from engine.connections import app_oauth

    decl = kind.app_decl.connections[kind.component]
    async with _services(store, connection) as run:
        return await app_oauth.invalidate(kind.app_decl, decl, connection.values(),
                                          {**connection.data, **connection.secret_data}, run,
                                          base_url_override=connection.base_url_override)


async def refresh_connection(store: ConnectionStore, connection: Connection, *,
                             kind: ConnectionType | None = None,
                             http: httpx.AsyncClient | None = None,
                             now: Callable[[], datetime] | None = None) -> Connection:
    """New tokens for an OAuth 2.0 connection from its refresh token (by the app's own
    refresh step when it has one)."""
    kind = kind or _type_of(store, connection)
    if kind is not None and kind.own_flow and kind.app_decl is not None:
        from engine.connections import app_oauth

        decl = kind.app_decl.connections[kind.component]
        data = {**connection.data, **connection.secret_data}
        async with _services(store, connection, now) as run:
            data = await app_oauth.refresh(kind.app_decl, decl, connection.values(), data, run,
                                           base_url_override=connection.base_url_override)
        return store.update(connection, kind, data=data, verified=True)
    refresh_token = connection.secret_data.get("refreshToken")
    if not refresh_token:
        raise oauth.OAuthError(
            f"connection {connection.id} ({connection.name}) has no refresh token: "
            f"authorize it again with `scenarist connections authorize {connection.id}`")
    tokens = await oauth.refresh(_client(connection, kind), str(refresh_token), http=http,
                                 now=now)
    return _keep_tokens(store, connection, tokens, kind)


def _type_of(store: ConnectionStore, connection: Connection) -> ConnectionType | None:
    """An app connection's type, from the apps of the connection's workspace (a run that
    renews a token knows only the connection)."""
    from engine.connections.kinds import HTTP_APP, UnknownConnectionType, find_type

    if connection.app == HTTP_APP:
        return None
    from engine.apps import discover_apps

    try:
        return find_type(connection.type_key, discover_apps(store.workspace))
    except UnknownConnectionType:
        return None


@asynccontextmanager
async def _services(store: ConnectionStore, connection: Connection,
                    now: Callable[[], datetime] | None = None) -> AsyncIterator[RunServices]:
    """Services for the app's own OAuth requests: their own HTTP client, never a run's (a
    recorded run must not record its connection's renewal)."""
    from engine.context import RunServices

    run = RunServices(data_dir=store.workspace, secrets=connection.secret_values())
    if now is not None:
        run.now = now
    try:
        yield run
    finally:
        await run.aclose()


def _client(connection: Connection, kind: ConnectionType | None) -> oauth.OAuthClient:
    if connection.kind != "oauth2":
        raise ConnectionStoreError(
            f"connection {connection.id} is a {connection.kind} connection, not OAuth 2.0")
    return oauth.OAuthClient.of(
        connection.values(), authorize_url=kind.authorize_url if kind else None,
        token_url=kind.token_url if kind else None)


def _keep_tokens(store: ConnectionStore, connection: Connection, tokens: oauth.Tokens,
                 kind: ConnectionType | None) -> Connection:
    from engine.connections.kinds import BUILTIN_BY_MODULE_KIND

    kind = kind or BUILTIN_BY_MODULE_KIND["oauth2"]
    return store.update(connection, kind, data=tokens.data(), verified=True)


@dataclass
class CheckResult:
    """What "Test connection" found: `checked` False when the type has nothing to test."""

    connection: Connection
    checked: bool
    message: str
    data: dict[str, Any] = field(default_factory=dict)


async def check_connection(store: ConnectionStore, connection_id: str, kind: ConnectionType,
                          *, run: RunServices | None = None,
                          now: Callable[[], datetime] | None = None,
                          http: httpx.AsyncClient | None = None) -> CheckResult:
    """Run the app's own check; raises ConnectionCheckFailed with the service's reason
    (its secrets redacted)."""
    connection = store.require(connection_id)
    redactor = Redactor(connection.secret_values())
    if connection.kind == "oauth2":
        clock = now or (lambda: datetime.now(UTC))
        if not connection.secret_data.get("accessToken"):
            raise ConnectionCheckFailed(
                f"connection {connection.id} is not authorized yet: run `scenarist connections"
                f" authorize {connection.id}`")
        if oauth.expires_soon(connection.data, clock()):
            try:
                connection = await refresh_connection(store, connection, kind=kind, http=http,
                                                      now=now)
            except oauth.OAuthError as exc:
                raise ConnectionCheckFailed(redactor.text(str(exc))) from None
        return CheckResult(connection, True, "the access token is valid"
                          + (f" until {connection.data['expires']}"
                             if connection.data.get("expires") else ""))
    if kind.app == EMAIL_APP:  # the built-in e-mail account: log in to its server
        from engine.mail.check import check_account

        try:
            label = await check_account(connection.values())
        except ModuleError as exc:
            raise ConnectionCheckFailed(redactor.text(exc.message)) from None
        connection = store.update(connection, kind, label=label, verified=True)
        return CheckResult(connection, True, f"it works: {label}")
    if kind.app_decl is None or kind.app_decl.connections[kind.component].communication is None:
        return CheckResult(connection, False, f"{kind.key} connections have no check")
    from engine.apps import verify_connection
    from engine.context import RunServices

    own_run = run is None
    services = run or RunServices(data_dir=store.workspace, secrets=connection.secret_values())
    try:
        check = await verify_connection(kind.app_decl, kind.component, connection.values(),
                                        services, base_url_override=connection.base_url_override)
    except ModuleError as exc:
        raise ConnectionCheckFailed(redactor.text(exc.message)) from None
    finally:
        if own_run:
            await services.aclose()
    values = connection.values()
    data = {k: v for k, v in check.data.items() if k not in values or values[k] != v}
    connection = store.update(connection, kind, data=data, label=check.label, verified=True)
    return CheckResult(connection, True, f"it works{f': {check.label}' if check.label else ''}",
                      check.data)
