"""Initialization: find the connections and keychains a scenario uses, open and check them.

With the run's services (every executor run), the workspace's connections are bound to the
run (`engine.connections.open_run`): a reference to a connection that isn't in the
workspace (an imported Make export) fails the run before any module runs, naming the
module, its app and the id, and OAuth 2.0 tokens about to expire are renewed. Without
services (an old caller), a missing connection is a warning and the module runs without
credentials, as before; a connection that fails its check fails the run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from engine.context import RunServices

# Parameter names under which Make exports store connection / keychain ids.
CREDENTIAL_PARAMETERS = (
    "__IMTCONN__",
    "account",
    "key",
    "auth",
    "apiKeyKeychain",
    "basicAuthKeychain",
    "oAuthAccount",
    "proxyKeychain",
    "connection",
)
# http:MakeRequest (v4) names its credentials by `authenticationType`.
_V4_AUTH = {"apiKey": ("apiKeyKeychain", "apikeyauth"),
            "basicAuth": ("basicAuthKeychain", "basicauth"),
            "oAuth": ("oAuthAccount", "oauth2")}
# The same, by parameter: the HTTP connection kind each v4 keychain parameter names.
KEYCHAIN_KINDS = {parameter: kind for parameter, kind in _V4_AUTH.values()}


@dataclass(frozen=True)
class CredentialRef:
    module_id: int
    module: str
    parameter: str
    ref: Any
    kind: str | None = None  # the connection kind when the module's declaration lacks it


class Connection(Protocol):
    async def check(self) -> None:
        """Raise ModuleError when the connection does not work."""


ConnectionLookup = Callable[[Any], Connection | None]


def credential_refs(steps: Iterable[Any]) -> list[CredentialRef]:
    """Every credential a module's static parameters point at (only modules that declare a
    connection, plus the universal `__IMTCONN__` and the HTTP module's chosen keychain)."""
    refs = []
    for step in steps:
        declared = step.spec is not None and step.spec.connection is not None
        for name in CREDENTIAL_PARAMETERS:
            value = step.parameters.get(name)
            if value in (None, "") or (name != "__IMTCONN__" and not declared):
                continue
            refs.append(CredentialRef(step.id, step.module, name, value))
        chosen = _V4_AUTH.get(str(step.parameters.get("authenticationType") or ""))
        if chosen is not None and not declared and step.module.startswith("http:"):
            parameter, kind = chosen
            value = step.parameters.get(parameter)
            if value not in (None, ""):
                refs.append(CredentialRef(step.id, step.module, parameter, value, kind))
    return refs


def _no_connections(ref: Any) -> Connection | None:
    return None


def _services_of(warn: Callable[[str], None]) -> RunServices | None:
    """The run whose `warn` this is (the executor passes `services.warn`)."""
    from engine.context import RunServices

    owner = getattr(warn, "__self__", None)
    return owner if isinstance(owner, RunServices) else None


async def open_connections(
    steps: Iterable[Any],
    warn: Callable[[str], None],
    lookup: ConnectionLookup | None = None,
    *,
    services: RunServices | None = None,
) -> None:
    steps = list(steps)
    services = services if services is not None else _services_of(warn)
    if lookup is None and services is not None:
        if credential_refs(steps):  # the store loads only for scenarios that need it
            from engine.connections import open_run

            await open_run(steps, services)
        return
    lookup = lookup or _no_connections
    checks: list[Awaitable[None]] = []
    for ref in credential_refs(steps):
        connection = lookup(ref.ref)
        if connection is None:
            warn(
                f"module {ref.module_id} ({ref.module}): {ref.parameter} {ref.ref} does not "
                "exist in this workspace; the module runs without those credentials"
            )
            continue
        checks.append(connection.check())
    for check in checks:
        await check
