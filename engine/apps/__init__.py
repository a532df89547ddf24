"""Apps in the shape of Make's custom apps (the app SDK), loaded from Make's own
local-development layout (`makecomapp.json`, fileVersion 1).

Public API:
- `load_makecomapp(folder)` -> `App`; `discover_apps(workspace)` -> `LoadedApps`;
  `register_apps(registry, loaded)`; `module_specs(app)`.
- `list_apps(registry)`, `check_app(folder)` for the CLI.
- running components outside modules: `verify_connection`, `run_rpc`, `attach_webhook`,
  `detach_webhook`, `epoch_choices`, `rpc_inputs` (the fields an RPC reads); connections
  at run time: `bind_connections`, `ConnectionData`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.lazy_names import lazy_names

if TYPE_CHECKING:
    from engine.apps.check import check_app, list_apps
    from engine.apps.components import (
        ConnectionCheck,
        attach_webhook,
        detach_webhook,
        epoch_choices,
        rpc_inputs,
        run_rpc,
        verify_connection,
    )
    from engine.apps.declaration import App, Problem
    from engine.apps.loader import ENTRY_POINT_GROUP, LoadedApps, discover_apps, register_apps
    from engine.apps.makecomapp import AppLoadError, load_makecomapp
    from engine.apps.runtime import AppConnection, ConnectionData, bind_connections
    from engine.apps.to_spec import module_spec, module_specs, samples

# Names load on first use (PEP 562): a built-in module that needs only `engine.apps.runtime`
# (the email trigger's cursor) does not pay for the apps' HTTP client and declarations.
_WHERE = {
    "check_app": "check", "list_apps": "check",
    "ConnectionCheck": "components", "attach_webhook": "components",
    "detach_webhook": "components", "epoch_choices": "components", "rpc_inputs": "components",
    "run_rpc": "components", "verify_connection": "components",
    "App": "declaration", "Problem": "declaration",
    "ENTRY_POINT_GROUP": "loader", "LoadedApps": "loader", "discover_apps": "loader",
    "register_apps": "loader",
    "AppLoadError": "makecomapp", "load_makecomapp": "makecomapp",
    "AppConnection": "runtime", "ConnectionData": "runtime", "bind_connections": "runtime",
    "module_spec": "to_spec", "module_specs": "to_spec", "samples": "to_spec",
}


__getattr__ = lazy_names(__name__, _WHERE)  # the names load on first use (PEP 562)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "App",
    "AppConnection",
    "AppLoadError",
    "ConnectionCheck",
    "ConnectionData",
    "ENTRY_POINT_GROUP",
    "LoadedApps",
    "Problem",
    "attach_webhook",
    "bind_connections",
    "check_app",
    "detach_webhook",
    "discover_apps",
    "epoch_choices",
    "list_apps",
    "load_makecomapp",
    "module_spec",
    "module_specs",
    "register_apps",
    "rpc_inputs",
    "run_rpc",
    "samples",
    "verify_connection",
]
