"""Where scenarios name connections: the type a credential field takes, the references a
blueprint makes that this workspace cannot resolve (an imported Make export), and the
scenarios that use a connection (said before deleting it).

The desktop app's connection picker, import flow and Connections dialog read these; the run
itself resolves references through `prepare_run`, which walks the same parameters
(`engine.executor.connections.credential_refs`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from engine.connections.kinds import BUILTIN_BY_MODULE_KIND, HTTP_APP
from engine.executor.connections import CREDENTIAL_PARAMETERS, KEYCHAIN_KINDS, credential_refs

if TYPE_CHECKING:
    from engine.blueprint import Blueprint
    from engine.connections.store import Connection, ConnectionStore
    from engine.registry import Registry
    from engine.spec import ModuleSpec

SCENARIOS_DIR = "scenarios"
SCENARIO_SUFFIX = ".blueprint.json"
_PARAMETERS = frozenset((*CREDENTIAL_PARAMETERS, *KEYCHAIN_KINDS))


def credential_type(spec: ModuleSpec | None, parameter: str) -> str | None:
    """The connection type (`gist:apiKey`, `http:basicauth`) a module's credential
    parameter takes, or None when the declaration does not say."""
    if parameter in KEYCHAIN_KINDS:
        return f"{HTTP_APP}:{KEYCHAIN_KINDS[parameter]}"
    if spec is None or not spec.connection:
        return None
    if spec.connection in BUILTIN_BY_MODULE_KIND:
        return f"{HTTP_APP}:{spec.connection}"
    return spec.connection


def credential_types(spec: ModuleSpec | None, parameter: str) -> list[str]:
    """Every connection type the parameter accepts: `credential_type`'s, then the module's
    alternative (Make's altConnection) when it has one."""
    main = credential_type(spec, parameter)
    if main is None:
        return []
    alt = spec.alt_connection if spec is not None and parameter not in KEYCHAIN_KINDS else None
    return [main, alt] if alt and alt != main else [main]


@dataclass
class UnknownReference:
    """A connection or keychain id a blueprint uses that no local connection answers to."""

    reference: str
    connection_type: str | None  # the type the modules need ("gist:apiKey")
    modules: list[tuple[int, str]] = field(default_factory=list)  # (id, "gist:createUser")
    parameter: str = "__IMTCONN__"
    alternatives: list[str] = field(default_factory=list)  # other types they accept

    @property
    def accepted(self) -> list[str]:
        """The connection types that can serve it: the modules' own, then alternatives."""
        return [self.connection_type, *self.alternatives] if self.connection_type else []

    @property
    def keychain(self) -> bool:
        return self.parameter not in ("__IMTCONN__", "account", "oAuthAccount", "connection")


@dataclass(frozen=True)
class _Step:  # what credential_refs reads of a plan step
    id: int
    module: str
    spec: Any
    parameters: dict[str, Any]


def unknown_references(blueprint: Blueprint, registry: Registry,
                       store: ConnectionStore) -> list[UnknownReference]:
    """Every reference of the blueprint's supported modules that resolves to no local
    connection (a local id or a mapped Make id), once per id, in flow order. Modules
    without a declaration here are left out: no local connection could serve them (the
    window names them as unsupported)."""
    steps = [_Step(node.id, node.module, registry.get(node.module), dict(node.parameters or {}))
             for _, node in blueprint.walk()
             if node.id is not None and registry.get(node.module) is not None]
    specs = {step.id: step.spec for step in steps}
    found: dict[str, UnknownReference] = {}
    for ref in credential_refs(steps):
        key = _text(ref.ref)
        if key in found:
            found[key].modules.append((ref.module_id, ref.module))
            continue
        if store.resolve(ref.ref) is not None:
            continue
        kinds = [f"{HTTP_APP}:{ref.kind}"] if ref.kind else credential_types(
            specs.get(ref.module_id), ref.parameter)
        found[key] = UnknownReference(key, kinds[0] if kinds else None,
                                      [(ref.module_id, ref.module)], ref.parameter, kinds[1:])
    return list(found.values())


def uses_connections(blueprint: Blueprint) -> bool:
    """Whether any module names a connection or keychain (a run will read secrets)."""
    return any((node.parameters or {}).get(p) not in (None, "")
               for _, node in blueprint.walk() for p in _PARAMETERS)


def _text(reference: Any) -> str:
    if isinstance(reference, float) and reference.is_integer():
        return str(int(reference))
    return str(reference)


def _modules(flow: Any) -> Iterable[dict[str, Any]]:
    from engine.blueprint_check import iter_modules

    for _, node in iter_modules(flow):
        yield node


def scenarios_using(workspace: Path, connection: Connection) -> list[str]:
    """The names of the workspace's scenarios whose modules name this connection (by its
    id or by a Make id mapped to it)."""
    names = {connection.id, *connection.make_ids}
    out = []
    folder = Path(workspace) / SCENARIOS_DIR
    for path in sorted(folder.glob(f"*{SCENARIO_SUFFIX}")):
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        if not isinstance(data, dict):
            continue
        flows = [data.get("flow")]
        designer = (data.get("metadata") or {}).get("designer") or {}
        flows.extend(designer.get("orphans") or [] if isinstance(designer, dict) else [])
        if any(_names(node, names) for flow in flows for node in _modules(flow)):
            name = data.get("name")
            out.append(str(name) if name else path.name.removesuffix(SCENARIO_SUFFIX))
    return out


def _names(node: dict[str, Any], names: set[str]) -> bool:
    parameters = node.get("parameters")
    if not isinstance(parameters, dict):
        return False
    return any(parameters.get(p) not in (None, "") and _text(parameters[p]) in names
               for p in _PARAMETERS)
