"""An app's modules as engine ModuleSpecs: id `<app>:<module>`, kind, fields, interface.

Make's module types map onto the engine's kinds (universal "Make an API call" is an
action). A module with a connection gets Make's `__IMTCONN__` parameter, an instant trigger
`__IMTHOOK__`, so exported blueprints' parameters line up. The webhook's parameters join
the instant trigger's (Make shows them when the hook is created).
"""

from __future__ import annotations

from typing import Any

from engine.apps.declaration import App, MakeField, ModuleDecl
from engine.apps.fields import to_field_specs
from engine.apps.modules import (
    CONNECTION_PARAMETER,
    LEGACY_CONNECTION_PARAMETER,
    WEBHOOK_PARAMETER,
    AppModule,
)
from engine.spec import FieldSpec, Implementation, ModuleCall, ModuleKind, ModuleSpec

KINDS: dict[str, ModuleKind] = {
    "trigger": "trigger", "instant_trigger": "instant_trigger", "action": "action",
    "search": "search", "responder": "responder", "universal": "action",
}


def _fields(value: list[MakeField] | str | Any) -> list[FieldSpec]:
    return to_field_specs(value) if isinstance(value, list) else []  # "rpc://" is dynamic


def module_spec(app: App, decl: ModuleDecl) -> ModuleSpec:
    parameters: list[FieldSpec] = []
    own_account = any(f.name == LEGACY_CONNECTION_PARAMETER and f.type.startswith("account")
                      for f in decl.parameters)  # Make's older modules: no __IMTCONN__ too
    if decl.connection is not None and not own_account:
        label = app.connections[decl.connection].label if (
            decl.connection in app.connections) else "Connection"
        parameters.append(FieldSpec(name=CONNECTION_PARAMETER, type="account",
                                    label=label or "Connection", required=True))
    if decl.type == "instant_trigger":
        parameters.append(FieldSpec(name=WEBHOOK_PARAMETER, type="hook", label="Webhook",
                                    required=True))
        hook = app.webhooks.get(decl.webhook or "")
        if hook is not None:
            parameters.extend(to_field_specs(hook.parameters))
    parameters.extend(to_field_specs(decl.parameters))
    if decl.type == "trigger" and not _limited(decl) and not any(
            f.name in ("limit", "maxResults") for f in parameters):
        parameters.append(FieldSpec(name="limit", type="uinteger", default=1,
                                    label="Maximum number of results"))
    return ModuleSpec(
        id=f"{app.name}:{decl.name}",
        label=decl.label or decl.name,
        kind=KINDS[decl.type],
        description=decl.description,
        parameters=parameters,
        mapper=_fields(decl.expect),
        interface=_fields(decl.interface),
        connection=connection_type_key(app, decl.connection),
        alt_connection=connection_type_key(app, decl.alt_connection),
        transactional=decl.commit is not None or decl.rollback is not None,
        implementation=_implementation(AppModule(app, decl)),
    )


def _limited(decl: ModuleDecl) -> bool:
    """Whether a trigger's communication sets its own `response.limit` (from a field of its
    own), so it needs no `limit` parameter added."""
    spec = decl.communication if isinstance(decl.communication, dict) else {}
    response = spec.get("response")
    return isinstance(response, dict) and "limit" in response


def connection_type_key(app: App, connection: str | None) -> str | None:
    """`<app>:<component>` of a module's connection. A name with a colon is another app's
    connection (`google:google`): a family of apps shares one connection type, as Make's
    Google apps share one Google account."""
    if not connection:
        return None
    return connection if ":" in connection else f"{app.name}:{connection}"


def _implementation(module: AppModule) -> Implementation:
    """A coroutine function (the executor tells async implementations by their kind)."""

    async def run_app_module(call: ModuleCall) -> list[dict[str, Any]]:
        return await module(call)

    run_app_module.app_module = module  # type: ignore[attr-defined]  # app_module_of
    return run_app_module


def app_module_of(implementation: Any) -> AppModule | None:
    """The app module behind a step's implementation (None: not an app's module)."""
    found = getattr(implementation, "app_module", None)
    return found if isinstance(found, AppModule) else None


def module_specs(app: App) -> list[ModuleSpec]:
    return [module_spec(app, decl) for decl in app.modules.values()]


def samples(app: App, module: str) -> Any:
    """A module's sample output (what the mapping picker shows before any run), or None
    when the module has none or computes them by an RPC."""
    decl = app.modules.get(module)
    if decl is None or isinstance(decl.samples, str):
        return None
    return decl.samples
