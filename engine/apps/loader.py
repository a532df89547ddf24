"""Find apps: shipped ones in `connectors/`, the workspace's `<workspace>/apps/`, and Python
packages exposing the entry point group `scenarist.apps`.

An entry point may name an app folder (str or Path), an `App`, engine ModuleSpecs (a Python
app), a list of those, or a callable returning any of them. A broken app becomes problems
and never stops the others from loading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.apps.declaration import App, Problem
from engine.apps.makecomapp import MANIFEST, SHIPPED_DIR, AppLoadError, load_makecomapp
from engine.apps.to_spec import module_spec
from engine.spec import ModuleSpec

if TYPE_CHECKING:
    from engine.registry import Registry

ENTRY_POINT_GROUP = "scenarist.apps"
WORKSPACE_APPS = "apps"


@dataclass
class LoadedApps:
    apps: list[App] = field(default_factory=list)
    specs: list[ModuleSpec] = field(default_factory=list)  # Python apps' own modules
    problems: list[Problem] = field(default_factory=list)

    def app(self, name: str) -> App | None:
        return next((a for a in self.apps if a.name == name or name in a.aliases), None)


def _folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / MANIFEST).is_file())


def _load_folder(folder: Path, source: str, loaded: LoadedApps) -> None:
    try:
        app = load_makecomapp(folder, source=source)
    except AppLoadError as exc:
        loaded.problems.append(exc.problem)
        return
    except Exception as exc:  # a broken app must never stop the others
        loaded.problems.append(Problem(app=folder.name, message=f"cannot load: {exc}"))
        return
    _add(app, loaded)


def _add(app: App, loaded: LoadedApps) -> None:
    if loaded.app(app.name) is not None:
        loaded.problems.append(Problem(
            app=app.name, severity="warning",
            message=f"app {app.name} from {app.folder or app.source} is already loaded; "
                    "this copy is ignored"))
        return
    loaded.apps.append(app)
    loaded.problems.extend(app.problems)


def _from_entry_point(value: Any, name: str, loaded: LoadedApps) -> None:
    if callable(value) and not isinstance(value, type):
        value = value()
    if isinstance(value, str | Path):
        _load_folder(Path(value), f"entry point {name}", loaded)
    elif isinstance(value, App):
        _add(value, loaded)
    elif isinstance(value, ModuleSpec):
        loaded.specs.append(value)
    elif isinstance(value, Iterable):
        for item in value:
            _from_entry_point(item, name, loaded)
    else:
        loaded.problems.append(Problem(app=name, message=(
            f"entry point {name} gave {type(value).__name__}, not an app")))


def discover_apps(workspace: Path | None = None, *, shipped: Path | None = SHIPPED_DIR,
                  entry_points: bool = True, folders: Iterable[Path] = ()) -> LoadedApps:
    loaded = LoadedApps()
    if shipped is not None:
        for folder in _folders(shipped):
            _load_folder(folder, "shipped", loaded)
    if workspace is not None:
        for folder in _folders(Path(workspace) / WORKSPACE_APPS):
            _load_folder(folder, "workspace", loaded)
    for folder in folders:
        _load_folder(Path(folder), "folder", loaded)
    if entry_points:
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            try:
                _from_entry_point(ep.load(), ep.name, loaded)
            except Exception as exc:
                loaded.problems.append(Problem(app=ep.name,
                                               message=f"entry point failed: {exc}"))
    return loaded


def register_apps(registry: Registry, loaded: LoadedApps) -> list[Problem]:
    """Register every loaded module (and `<alias>:<module>` for other origins' app ids)."""
    problems: list[Problem] = []
    for app in loaded.apps:
        for decl in app.modules.values():
            try:
                spec = module_spec(app, decl)
                registry.register(spec)
            except Exception as exc:
                problems.append(Problem(app=app.name, message=f"module {decl.name}: {exc}"))
                continue
            for alias in app.aliases:
                registry.alias(f"{alias}:{decl.name}", spec.id)
    for spec in loaded.specs:
        try:
            registry.register(spec)
        except ValueError as exc:
            problems.append(Problem(app=spec.app, message=str(exc)))
    return problems
