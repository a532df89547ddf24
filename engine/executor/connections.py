"""Initialization: find the connections and keychains a scenario uses, open and check them.

A reference to a connection that doesn't exist locally (an imported Make export) is a
warning, and the module runs without credentials; a connection that exists but fails its
check fails the run before any module writes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

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


@dataclass(frozen=True)
class CredentialRef:
    module_id: int
    module: str
    parameter: str
    ref: Any


class Connection(Protocol):
    async def check(self) -> None:
        """Raise ModuleError when the connection does not work."""


ConnectionLookup = Callable[[Any], Connection | None]


def credential_refs(steps: Iterable[Any]) -> list[CredentialRef]:
    """Every credential a module's static parameters point at (only modules that declare a
    connection, plus the universal `__IMTCONN__`)."""
    refs = []
    for step in steps:
        declared = step.spec is not None and step.spec.connection is not None
        for name in CREDENTIAL_PARAMETERS:
            value = step.parameters.get(name)
            if value in (None, "") or (name != "__IMTCONN__" and not declared):
                continue
            refs.append(CredentialRef(step.id, step.module, name, value))
    return refs


def _no_connections(ref: Any) -> Connection | None:
    return None  # the workspace's connection store arrives with the apps issue


async def open_connections(
    steps: Iterable[Any],
    warn: Callable[[str], None],
    lookup: ConnectionLookup = _no_connections,
) -> None:
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
