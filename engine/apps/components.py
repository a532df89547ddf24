"""Running an app's components outside a module: connection checks, RPCs (dynamic select
options, fields, samples), webhook attach/detach, and the epoch of polling triggers.

Each takes the app, the run's services (for the HTTP client) and the values the user gave;
none needs the executor, so the desktop forms and `apps check` use them directly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from engine.apps.communication import Context, execute
from engine.apps.declaration import App
from engine.apps.functions import AppFunctions
from engine.apps.runtime import AppConnection, ConnectionData
from engine.errors import ModuleError

if TYPE_CHECKING:
    from engine.context import RunServices


def functions_of(app: App) -> AppFunctions | None:
    if not app.functions and not app.python_functions:
        return None
    return AppFunctions(app.functions, app.python_functions)


def context(app: App, run: RunServices, *, parameters: dict[str, Any] | None = None,
            connection: AppConnection | dict[str, Any] | None = None,
            **more: Any) -> Context:
    conn = ConnectionData(dict(connection)) if isinstance(connection, dict) else connection
    return Context(
        run=run, base=app.base, parameters=dict(parameters or {}),
        connection=dict(conn.data) if conn is not None else {},
        base_url_override=conn.base_url_override if conn is not None else None,
        common=dict(app.common), functions=functions_of(app), **more,
    )


@dataclass
class ConnectionCheck:
    """What a connection's check produced: the data to keep (`connection.*` later)."""

    data: dict[str, Any] = field(default_factory=dict)
    label: str | None = None  # response.metadata.value (the account's name or e-mail)
    uid: Any = None


async def verify_connection(app: App, name: str, parameters: dict[str, Any],
                            run: RunServices, *, base_url_override: str | None = None
                            ) -> ConnectionCheck:
    """Run connection `name`'s communication with the user's parameters. Raises ModuleError
    when the service refuses them. Connection requests do not inherit `base`."""
    decl = app.connections.get(name)
    if decl is None:
        raise ModuleError(f"app {app.name} has no connection {name!r}",
                          name="InvalidConfigurationError")
    if decl.type not in ("basic", "apikey", "api_key"):
        raise ModuleError(f"{decl.type} connections are checked by their OAuth 2.0"
                          " authorization (`scenarist connections authorize`), not by the"
                          " app's connection communication", name="InvalidConfigurationError")
    ctx = context(app, run, parameters=parameters,
                  connection=ConnectionData(dict(parameters), base_url_override))
    ctx.use_base = False
    ctx.common = {**app.common, **decl.common}
    if decl.communication is None:
        return ConnectionCheck(dict(parameters))
    result = await execute(decl.communication, ctx)
    data = {**parameters, **(result.data or {})}
    label = None
    if isinstance(result.metadata, dict):
        label = str(result.metadata.get("value") or "") or None
    return ConnectionCheck(data, label, result.uid)


_PARAMETER = re.compile(r"\bparameters\.([A-Za-z_$][\w$]*)")


def rpc_inputs(app: App, reference: str) -> set[str]:
    """The module fields an RPC reads (`parameters.<name>` in its communication): a form
    calls it again when one of them changes."""
    decl = app.rpcs.get(split_rpc(reference)[0])
    if decl is None or decl.communication is None:
        return set()
    return set(_PARAMETER.findall(json.dumps(decl.communication)))


def split_rpc(reference: str) -> tuple[str, dict[str, str]]:
    """`"rpc://listForms?workspaceId=1"` (or `"listForms"`) -> name and parameters."""
    reference = reference.removeprefix("rpc://")
    name, _, query = reference.partition("?")
    return name, dict(parse_qsl(query))


async def run_rpc(app: App, reference: str, run: RunServices, *,
                  parameters: dict[str, Any] | None = None,
                  connection: AppConnection | dict[str, Any] | None = None) -> list[Any]:
    """An RPC's outputs: options `{label, value}`, fields, samples..., as it declares."""
    name, extra = split_rpc(reference)
    decl = app.rpcs.get(name)
    if decl is None:
        raise ModuleError(f"app {app.name} has no RPC {name!r}",
                          name="InvalidConfigurationError")
    ctx = context(app, run, parameters={**(parameters or {}), **extra}, connection=connection)
    return (await execute(decl.communication, ctx)).values


async def attach_webhook(app: App, name: str, url: str, run: RunServices, *,
                         webhook_id: str = "", parameters: dict[str, Any] | None = None,
                         connection: AppConnection | dict[str, Any] | None = None
                         ) -> dict[str, Any]:
    """Register `url` with the service; returns what detach needs later (response.data)."""
    decl = app.webhooks.get(name)
    if decl is None:
        raise ModuleError(f"app {app.name} has no webhook {name!r}",
                          name="InvalidConfigurationError")
    if decl.attach is None:
        return {}
    ctx = context(app, run, parameters=parameters, connection=connection,
                  webhook={"id": webhook_id, "url": url})
    result = await execute(decl.attach, ctx)
    return dict(result.data or {})


async def detach_webhook(app: App, name: str, saved: dict[str, Any], run: RunServices, *,
                         parameters: dict[str, Any] | None = None,
                         connection: AppConnection | dict[str, Any] | None = None) -> None:
    """Unregister a webhook; `saved` is what attach returned (`webhook.*` and `data.*`)."""
    decl = app.webhooks.get(name)
    if decl is None or decl.detach is None:
        return
    ctx = context(app, run, parameters=parameters, connection=connection,
                  webhook=dict(saved), data=dict(saved))
    await execute(decl.detach, ctx)


async def epoch_choices(app: App, module: str, run: RunServices, *,
                        parameters: dict[str, Any] | None = None,
                        connection: AppConnection | dict[str, Any] | None = None
                        ) -> list[dict[str, Any]]:
    """The items a polling trigger offers in "Choose where to start": `{label, date}` (and
    `id` when its trigger is by id). The epoch overrides the module's communication."""
    decl = app.modules.get(module)
    if decl is None or decl.epoch is None:
        return []
    spec = decl.communication if isinstance(decl.communication, dict) else {}
    epoch = decl.epoch if isinstance(decl.epoch, dict) else {}
    merged = {**spec, **epoch, "response": {**(spec.get("response") or {}),
                                            **(epoch.get("response") or {})}}
    merged["response"].pop("trigger", None)
    merged["response"].pop("limit", None)
    ctx = context(app, run, parameters=parameters, connection=connection)
    return [v for v in (await execute(merged, ctx)).values if isinstance(v, dict)]
