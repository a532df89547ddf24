"""Connections at run time: every credential a scenario's modules name is found in the
workspace, bound to the run (`engine.apps.bind_connections`) and added to its redaction.

`prepare_run(workspace, steps, services)` does it before anything records the run (so the
history, the crash guard and incomplete executions know the secrets); the executor's
initialization (`engine.executor.connections.open_connections`) calls `open_run` for every
run path: it prepares a run nobody prepared, fails it when a connection is missing, and
renews OAuth 2.0 tokens that are about to expire. A module whose OAuth 2.0 request comes
back 401 gets its token renewed and runs once more; the built-in HTTP modules renew their
OAuth 2.0 account the same way (`renew_if_due` before a request, `renew` on a 401).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.connections import oauth
from engine.connections.kinds import BUILTIN_BY_MODULE_KIND, HTTP_APP, builtin_type_name
from engine.connections.store import Connection, ConnectionStore
from engine.errors import ModuleError

if TYPE_CHECKING:
    from engine.context import RunServices
    from engine.executor.connections import CredentialRef

PREPARED_RESOURCE = "connections.prepared"
_RETRIED = "__scenarist_refresh_retry__"  # marks a wrapped implementation


@dataclass(frozen=True)
class MissingConnection:
    module_id: int
    module: str
    parameter: str
    reference: Any
    connection_type: str | None  # "gist:apiKey", "http:basicauth"

    def describe(self) -> str:
        what = "connection" if self.parameter in ("__IMTCONN__", "account", "oAuthAccount",
                                                  "connection") else "keychain"
        add = f"scenarist connections add {self.connection_type or self.module.split(':')[0]}"
        add += " --name NAME --set KEY=VALUE"
        if isinstance(self.reference, int) or str(self.reference).isdigit():
            add += f" --make-id {self.reference}"
        return (f"module {self.module_id} ({self.module}) uses {what} {self.reference}, "
                f"which is not in this workspace: add it with `{add}`")


class BoundConnection:
    """A stored connection as app modules see it (`data`, `base_url_override`), able to
    renew its OAuth 2.0 tokens during the run."""

    def __init__(self, store: ConnectionStore, connection: Connection) -> None:
        self.store = store
        self.connection = connection
        self._lock = asyncio.Lock()

    @property
    def data(self) -> dict[str, Any]:
        return self.connection.connection_data()

    @property
    def base_url_override(self) -> str | None:
        return self.connection.base_url_override

    @property
    def renewable(self) -> bool:
        return self.connection.kind == "oauth2" and bool(
            self.connection.secret_data.get("refreshToken"))

    async def renew(self, services: RunServices, *, stale: str | None = None) -> None:
        """New tokens (unless another module renewed them since `stale` was read)."""
        async with self._lock:
            if stale is not None and self.connection.secret_data.get("accessToken") != stale:
                return
            try:
                self.connection = await _refresh(self.store, self.connection, services)
            except oauth.OAuthError as exc:
                raise ModuleError(f"connection {self.connection.id} ({self.connection.name}):"
                                  f" {exc}", name="InvalidAccessTokenError") from None
            _learn(services, self.connection)

    async def renew_if_due(self, services: RunServices, now: datetime | None = None) -> None:
        """Renew tokens that expire within `oauth.REFRESH_MARGIN` of `now` (default: the
        run's clock, read only for a connection whose expiry is known, so a recorded run
        and its replay read it alike)."""
        if not self.renewable or not self.connection.data.get("expires"):
            return
        now = now or _aware(services.now())
        if oauth.expires_soon(self.connection.data, now):
            stale = self.connection.secret_data.get("accessToken")
            await self.renew(services, stale=str(stale) if stale else None)


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


async def _refresh(store: ConnectionStore, connection: Connection,
                   services: RunServices) -> Connection:
    from engine.connections.manage import refresh_connection

    return await refresh_connection(store, connection, now=services.now)


def _learn(services: RunServices, connection: Connection) -> None:
    known = set(services.secrets)
    services.secrets.extend(s for s in _secrets_of(connection) if s not in known)


def _secrets_of(connection: Connection) -> list[str]:
    """The secret values, and for a username and password the Basic credentials the HTTP
    modules send (an API echoing its request headers must not reveal them either)."""
    out = connection.secret_values()
    values = connection.values()
    if connection.kind == "basic" and values.get("password"):
        pair = f"{values.get('username') or ''}:{values['password']}"
        out.append(base64.b64encode(pair.encode()).decode("ascii"))
    return out


@dataclass
class Prepared:
    bound: dict[str, BoundConnection]
    missing: list[MissingConnection]


def _satisfied(ref: CredentialRef, table: dict[str, Any], spec: Any) -> bool:
    keys = [str(ref.ref)]
    if spec is not None and spec.connection:
        keys += [spec.connection, spec.connection.split(":")[0]]
    return any(k in table for k in keys)


def _connection_type(spec: Any) -> str | None:
    if spec is None or not spec.connection:
        return None
    if spec.connection in BUILTIN_BY_MODULE_KIND:
        return builtin_type_name(spec.connection)
    return str(spec.connection)


def prepare_run(workspace: Path | None, steps: Iterable[Any], services: RunServices,
                store: ConnectionStore | None = None) -> Prepared:
    """Find, bind and learn the secrets of every connection the steps name (once per run)."""
    found: Prepared | None = services.resource(PREPARED_RESOURCE, lambda: None)
    if found is not None:
        return found
    from engine.apps import bind_connections
    from engine.apps.runtime import CONNECTIONS_RESOURCE
    from engine.executor.connections import credential_refs

    steps = list(steps)
    table: dict[str, Any] = services.resource(CONNECTIONS_RESOURCE, dict)
    refs = credential_refs(steps)
    specs = {step.id: step.spec for step in steps}
    prepared = Prepared({}, [])
    if refs and workspace is not None and store is None:
        store = ConnectionStore(workspace)
    for ref in refs:
        spec = specs.get(ref.module_id)
        if _satisfied(ref, table, spec):
            continue
        connection = store.resolve(ref.ref) if store is not None else None
        if connection is None:
            kind = f"{HTTP_APP}:{ref.kind}" if ref.kind else _connection_type(spec)
            prepared.missing.append(MissingConnection(
                ref.module_id, ref.module, ref.parameter, ref.ref, kind))
            continue
        bound = prepared.bound.get(connection.id)
        if bound is None:
            assert store is not None
            bound = prepared.bound[connection.id] = BoundConnection(store, connection)
            _learn(services, connection)
        bind_connections(services, {str(ref.ref): bound})
    if any(b.renewable for b in prepared.bound.values()):
        for step in steps:
            _retry_on_401(step)
    services.resource(PREPARED_RESOURCE, lambda: prepared)
    return prepared


async def open_run(steps: Iterable[Any], services: RunServices) -> None:
    """The executor's initialization: prepare (if nobody did), refuse a run whose
    connections are missing, renew tokens about to expire."""
    prepared = prepare_run(services.data_dir, steps, services)
    if prepared.missing:
        raise ModuleError("; ".join(m.describe() for m in prepared.missing),
                          name="InvalidConfigurationError")
    now = _aware(services.now())
    for bound in prepared.bound.values():
        await bound.renew_if_due(services, now)


def _retry_on_401(step: Any) -> None:
    """Wrap an async implementation: a 401 from a renewable connection renews it and the
    module runs once more (a step wrapped once serves every run of its plan)."""
    impl = step.impl
    if impl is None or not step.is_async or getattr(impl, _RETRIED, False):
        return
    reference = step.parameters.get("__IMTCONN__")
    if reference in (None, "") and step.spec is not None and step.spec.connection:
        reference = step.parameters.get("account")  # older Make modules' connection
    if reference in (None, ""):
        return

    async def with_refresh(call: Any) -> Any:
        prepared: Prepared | None = call.run.resource(PREPARED_RESOURCE, lambda: None)
        bound = _bound_for(call.run, reference)
        stale = bound.connection.secret_data.get("accessToken") if bound else None
        try:
            return await impl(call)
        except ModuleError as exc:
            if (prepared is None or bound is None or not bound.renewable
                    or not _unauthorized(exc)):
                raise
        await bound.renew(call.run, stale=str(stale) if stale else None)
        return await impl(call)

    setattr(with_refresh, _RETRIED, True)
    step.impl = with_refresh


def _bound_for(services: RunServices, reference: Any) -> BoundConnection | None:
    from engine.apps.runtime import CONNECTIONS_RESOURCE

    table: dict[str, Any] = services.resource(CONNECTIONS_RESOURCE, dict)
    found = table.get(str(reference))
    return found if isinstance(found, BoundConnection) else None


def _unauthorized(exc: ModuleError) -> bool:
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    return detail.get("statusCode") == 401 or exc.name == "InvalidAccessTokenError"
