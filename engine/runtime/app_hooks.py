"""An app's instant trigger registers its hook URL with the service (the app's webhook
`attach` communication) when its scenario runs in the background, and unregisters it
(`detach`) when the scenario is removed, as Make does when a hook is created and deleted.

The URL given is the runtime's public URL setting when there is one (a tunnel or reverse
proxy: a service on the internet can't call 127.0.0.1), else the local one. What `attach`
returned is kept on the hook (engine.runtime.hook_store) with the URL it was given, so a
restart doesn't attach again, and a new public URL attaches anew. The webhook's parameters
are the trigger module's own (e.g. OpnForm's form), its connection the module's.
Apps without `attach` (Gist: the user pastes the URL into Gist) need nothing here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.context import RunServices
from engine.runtime.hook_store import HookRecord, set_hook_options
from engine.runtime.loaded import LoadedScenario
from engine.runtime.registry import ScenarioEntry
from engine.runtime.workspace import Workspace

ATTACHED = "attached"  # hook option: {"url": ..., "data": what attach returned}


def _app_trigger(loaded: LoadedScenario) -> tuple[Any, Any, Any] | None:
    """(app module, its webhook declaration, the trigger's step), for an app instant
    trigger whose webhook has `attach`/`detach` code."""
    from engine.apps.to_spec import app_module_of

    if not loaded.plan.main.steps:
        return None
    step = loaded.plan.main.steps[0]
    impl = app_module_of(step.impl)
    if impl is None or not impl.decl.webhook:
        return None
    webhook = impl.app.webhooks.get(impl.decl.webhook)
    if webhook is None or (webhook.attach is None and webhook.detach is None):
        return None
    return impl, webhook, step


def _parameters(step: Any) -> dict[str, Any]:
    return {k: v for k, v in {**(step.parameters or {}), **(step.mapper or {})}.items()
            if not k.startswith("__IMT")}


async def _connected(workspace: Path, impl: Any, webhook: Any, step: Any,
                     hook: HookRecord) -> tuple[RunServices, Any]:
    """Services and the connection the webhook registers with: the module's own
    (`__IMTCONN__`), else the one set on the hook (Make keeps an instant trigger's
    connection on its hook, so an export's trigger often names none: `scenarist hooks set
    NAME --connection ID`), else the workspace's only connection of the webhook's type."""
    from engine.apps.runtime import find_connection
    from engine.connections import BoundConnection, ConnectionStore, prepare_run

    run = RunServices(data_dir=workspace)
    reference = (step.parameters or {}).get("__IMTCONN__")
    if reference not in (None, ""):
        prepare_run(workspace, [step], run)
        return run, find_connection(run, reference, impl.app.name, *impl.app.aliases,
                                    webhook.connection, impl.decl.connection)
    store = ConnectionStore(workspace)
    chosen = hook.options.get("connection")
    connection = store.resolve(chosen) if chosen else None
    if connection is None and not chosen:
        component = webhook.connection or impl.decl.connection
        same = [c for c in store.list() if c.app in (impl.app.name, *impl.app.aliases)
                and (component is None or c.component == component)]
        connection = store.resolve(same[0].id) if len(same) == 1 else None
    if connection is None:
        what = f"connection {chosen!r} is not in this workspace" if chosen else (
            "its trigger names no connection and the workspace has none (or several) of "
            f"{impl.app.name}")
        raise ConnectionError(f"{what}: choose one with `scenarist hooks set "
                              f"{hook.name!r} --connection ID`")
    return run, BoundConnection(store, connection)


async def attach_if_needed(workspace: Workspace, loaded: LoadedScenario, hook: HookRecord,
                           url: str) -> bool:
    """Attach the hook's `url` unless it is attached there already; True when it did."""
    found = _app_trigger(loaded)
    attached = hook.options.get(ATTACHED) or {}
    if found is None or attached.get("url") == url:
        return False
    impl, webhook, step = found
    if attached:  # attached at another URL (a new public URL): move it
        await detach(workspace, loaded, hook)
    from engine.apps import attach_webhook

    run, conn = await _connected(workspace.folder, impl, webhook, step, hook)
    try:
        data = await attach_webhook(impl.app, impl.decl.webhook, url, run,
                                    webhook_id=hook.token, parameters=_parameters(step),
                                    connection=conn)
    finally:
        await run.aclose()
    registered: dict[str, Any] = {ATTACHED: {"url": url, "data": data}}
    set_hook_options(workspace.state, workspace.folder, hook.token, **registered)
    return True


async def detach(workspace: Workspace, loaded: LoadedScenario, hook: HookRecord) -> bool:
    """Unregister the hook from the service, if it was attached; True when it was."""
    attached = hook.options.get(ATTACHED)
    found = _app_trigger(loaded)
    if not attached or found is None:
        return False
    impl, webhook, step = found
    from engine.apps import detach_webhook

    run, conn = await _connected(workspace.folder, impl, webhook, step, hook)
    try:
        await detach_webhook(impl.app, impl.decl.webhook,
                             {**(attached.get("data") or {}), "url": attached.get("url")},
                             run, parameters=_parameters(step), connection=conn)
    finally:
        await run.aclose()
    forgotten: dict[str, Any] = {ATTACHED: None}
    set_hook_options(workspace.state, workspace.folder, hook.token, **forgotten)
    return True


async def detach_scenario(workspace: Workspace, entry: ScenarioEntry) -> bool:
    """After `remove_scenario`: unregister its app webhook from the service, if attached."""
    from engine.runtime.hook_store import hooks
    from engine.runtime.loaded import load_scenario, needs_apps

    attached = [h for h in hooks(workspace.state, scenario=entry.name)
                if h.options.get(ATTACHED)]
    if not attached:
        return False
    from engine.loading import check_blueprint
    from engine.registry import registry_with_apps

    checked = check_blueprint(entry.file)
    apps = None
    if checked.blueprint is not None and needs_apps(checked.blueprint):
        apps, _problems = registry_with_apps(workspace.folder)
    loaded = load_scenario(entry, apps)
    return await detach(workspace, loaded, attached[0])
