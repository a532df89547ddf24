"""One app RPC call for a settings form (dynamic select options), with the module's
connection bound as a run binds it; its secrets never reach the error it may raise."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.apps import run_rpc
from engine.connections import BoundConnection, ConnectionStoreError
from engine.context import RunServices
from engine.errors import ModuleError
from engine.sensitive import Redactor

if TYPE_CHECKING:
    from engine.apps import App
    from engine.connections import Connection, ConnectionStore


class RpcFailed(ConnectionStoreError):
    """The service refused the RPC (its message, secrets redacted)."""


async def call_rpc(workspace: Path, app: App, reference: str, parameters: dict[str, Any],
                   store: ConnectionStore | None, connection: Connection | None) -> list[Any]:
    services = RunServices(data_dir=workspace,
                           secrets=connection.secret_values() if connection else [])
    bound = BoundConnection(store, connection) if store and connection else None
    try:
        if bound is not None:
            await bound.renew_if_due(services)
        return await run_rpc(app, reference, services, parameters=parameters, connection=bound)
    except ModuleError as exc:
        raise RpcFailed(Redactor(services.secrets).text(exc.message)) from None
    finally:
        await services.aclose()
