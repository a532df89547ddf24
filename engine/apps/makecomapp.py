"""Load an app from Make's local-development layout: a folder with `makecomapp.json`
(fileVersion 1) naming each component's code files, as Make's VS Code extension writes it.

A broken code file costs only the component that needs it: the problem (file, key, line) is
recorded on the app and the rest loads. Only an unreadable manifest fails the whole app.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.apps import jsonc
from engine.apps.declaration import (
    MODULE_TYPE_IDS,
    App,
    Base,
    ConnectionDecl,
    Group,
    MakeField,
    ModuleDecl,
    Problem,
    RpcDecl,
    WebhookDecl,
)
from engine.apps.functions import load_python_functions
from engine.errors import ScenaristError

MANIFEST = "makecomapp.json"
SHIPPED_DIR = Path(__file__).resolve().parents[2] / "connectors"
MAX_FILE_BYTES = 5_000_000

# Code-file names per component kind -> the declaration's field (both spellings Make's
# tools write: `staticParams`/`parameters`, `mappableParams`/`expect`, `params`).
_CODE_FILES: dict[str, dict[str, str]] = {
    "connection": {"communication": "communication", "params": "parameters",
                   "parameters": "parameters", "common": "common"},
    "webhook": {"communication": "communication", "params": "parameters",
                "parameters": "parameters", "attach": "attach", "detach": "detach",
                "update": "update"},
    "module": {"communication": "communication", "epoch": "epoch",
               "staticParams": "parameters", "parameters": "parameters",
               "mappableParams": "expect", "expect": "expect", "interface": "interface",
               "samples": "samples", "scope": "scope", "commit": "commit",
               "rollback": "rollback"},
    "rpc": {"communication": "communication", "params": "parameters",
            "parameters": "parameters"},
}
# Code files Make has that Scenarist reads but does not use yet.
_IGNORED_CODE_FILES = {"scopeList", "defaultScope", "installSpec", "installDirectives",
                       "requiredScope", "scope", "test", "context", "input", "output"}


class AppLoadError(ScenaristError):
    """The app cannot load at all (no readable manifest)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.describe())


class _Loader:
    def __init__(self, folder: Path, app_name: str) -> None:
        self.folder = folder
        self.root = folder.resolve()  # once: resolving walks every folder of the path
        self.app_name = app_name
        self.problems: list[Problem] = []

    def problem(self, message: str, file: str | None = None, key: str | None = None,
                line: int | None = None, severity: str = "error") -> None:
        self.problems.append(Problem(app=self.app_name, message=message, file=file, key=key,
                                     line=line, severity=severity))  # type: ignore[arg-type]

    def read(self, relative: str) -> jsonc.Document | None:
        """A JSONC code file, or None (problem recorded)."""
        text = self.read_text(relative)
        if text is None:
            return None
        try:
            return jsonc.parse(text)
        except jsonc.JsoncError as exc:
            self.problem(f"invalid JSON: {exc.message} (column {exc.column})", relative,
                         line=exc.line)
            return None

    def read_text(self, relative: str) -> str | None:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            self.problem("code file lies outside the app folder", relative)
            return None
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                self.problem(f"code file larger than {MAX_FILE_BYTES} bytes", relative)
                return None
            return path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            self.problem("code file not found", relative)
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(f"cannot read the code file: {exc}", relative)
        return None

    def validated(self, model: type[BaseModel], data: dict[str, Any],
                  docs: dict[str, tuple[str, jsonc.Document]], where: str) -> Any:
        """`model(**data)`, or None with a problem naming file, key and line."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()
            for error in errors[:5]:
                loc = tuple(p for p in error["loc"] if not _is_union_tag(p))
                if len(errors) > 1 and len(loc) < len(error["loc"]) and len(loc) <= 1:
                    continue  # the other branch of a union (`[fields] | "rpc://..."`)
                top = str(loc[0]) if loc else ""
                file, doc = docs.get(top, (where, None))
                inner = loc[1:] if top in docs else loc
                line = doc.line_of(inner) if doc is not None else None
                key = ".".join(str(p) for p in inner) or top
                self.problem(error["msg"], file, key or None, line)
            return None


_UNION_TAG = re.compile(r"^(\w+\[.*\]|str|int|float|bool|dict|list|none)$")


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and _UNION_TAG.match(part) is not None


def _origin(manifest: dict[str, Any]) -> tuple[str | None, list[str], str]:
    """(app id, other origins' ids, label) from `origins` (Production first)."""
    origins = [o for o in manifest.get("origins") or [] if isinstance(o, dict)]
    ids = [str(o["appId"]) for o in origins if o.get("appId")]
    if not ids:
        return None, [], ""
    production = next((str(o["appId"]) for o in origins if o.get("appId")
                       and str(o.get("label", "")).lower() == "production"), ids[0])
    return production, [i for i in ids if i != production], ""


def load_makecomapp(folder: Path | str, *, source: str = "folder") -> App:
    """Load the app in `folder`. Raises AppLoadError only when the manifest is unusable;
    every other problem is on `App.problems`."""
    folder = Path(folder)
    loader = _Loader(folder, folder.name)
    manifest_doc = loader.read(MANIFEST)
    if manifest_doc is None or not isinstance(manifest_doc.value, dict):
        if manifest_doc is not None:
            loader.problem("the manifest must be a JSON object", MANIFEST, line=1)
        raise AppLoadError(loader.problems[0])
    manifest = manifest_doc.value
    version = manifest.get("fileVersion")
    if version != 1:
        problem = Problem(app=folder.name, file=MANIFEST, key="fileVersion",
                          line=manifest_doc.line_of(("fileVersion",)),
                          message=f"fileVersion {version!r} is not supported (expected 1)")
        raise AppLoadError(problem)
    app_id, aliases, _ = _origin(manifest)
    name = app_id or folder.name
    loader.app_name = name
    app = App(name=name, aliases=aliases, label=str(manifest.get("label") or name),
              folder=folder, source=source)

    general = manifest.get("generalCodeFiles") or {}
    if isinstance(general, dict):
        _load_general(loader, app, general)
    components = manifest.get("components") or {}
    if not isinstance(components, dict):
        loader.problem("components must be an object", MANIFEST, "components",
                       manifest_doc.line_of(("components",)))
        components = {}
    for kind, entries in components.items():
        if not isinstance(entries, dict):
            continue
        for local_id, entry in entries.items():
            if not isinstance(entry, dict):
                loader.problem("a component must be an object", MANIFEST,
                               f"components.{kind}.{local_id}",
                               manifest_doc.line_of(("components", kind, local_id)))
                continue
            _load_component(loader, app, kind, str(local_id), entry, manifest_doc)
    app.problems = loader.problems
    return app


def _load_general(loader: _Loader, app: App, general: dict[str, Any]) -> None:
    base_file = general.get("base")
    if isinstance(base_file, str):
        doc = loader.read(base_file)
        if doc is not None:
            if isinstance(doc.value, dict):
                base = loader.validated(Base, doc.value, {}, base_file)
                if base is not None:
                    app.base = base
            else:
                loader.problem("base must be an object", base_file, line=1)
    common_file = general.get("common")
    if isinstance(common_file, str):
        doc = loader.read(common_file)
        if doc is not None and isinstance(doc.value, dict):
            app.common = doc.value
    readme = general.get("readme")
    if isinstance(readme, str) and (loader.folder / readme).is_file():
        app.readme = loader.read_text(readme) or ""
    groups_file = general.get("groups")
    if isinstance(groups_file, str):
        doc = loader.read(groups_file)
        if doc is not None and isinstance(doc.value, list):
            for i, group in enumerate(doc.value):
                valid = loader.validated(Group, group if isinstance(group, dict) else {},
                                         {}, groups_file)
                if valid is None:
                    loader.problems[-1] = loader.problems[-1].model_copy(
                        update={"line": doc.line_of((i,))})
                else:
                    app.groups.append(valid)


_MODELS: dict[str, type[BaseModel]] = {
    "connection": ConnectionDecl, "webhook": WebhookDecl, "module": ModuleDecl,
    "rpc": RpcDecl,
}


def _load_component(loader: _Loader, app: App, kind: str, local_id: str,
                    entry: dict[str, Any], manifest_doc: jsonc.Document) -> None:
    code_files = entry.get("codeFiles") or {}
    if kind == "function":
        code = code_files.get("code") if isinstance(code_files, dict) else None
        if isinstance(code, str) and code.endswith(".py"):
            _python_function(loader, app, local_id, code)
            return
        text = loader.read_text(code) if isinstance(code, str) else None
        if text is not None:
            app.functions[local_id] = text
        return
    names = _CODE_FILES.get(kind)
    if names is None:
        loader.problem(f"component kind {kind!r} is not supported yet", MANIFEST,
                       f"components.{kind}", manifest_doc.line_of(("components", kind)),
                       severity="unsupported")
        return
    data: dict[str, Any] = {"name": local_id, "label": entry.get("label") or local_id}
    docs: dict[str, tuple[str, jsonc.Document]] = {}
    for code_name, relative in (code_files.items() if isinstance(code_files, dict) else ()):
        if relative is None:
            continue
        target = names.get(code_name)
        if target is None:
            if code_name not in _IGNORED_CODE_FILES:
                loader.problem(f"code file {code_name!r} of a {kind} is not supported",
                               MANIFEST, f"components.{kind}.{local_id}.codeFiles.{code_name}",
                               manifest_doc.line_of(("components", kind, local_id,
                                                     "codeFiles", code_name)),
                               severity="unsupported")
            continue
        doc = loader.read(str(relative))
        if doc is None:
            return  # the component cannot work without its code: skip it
        data[target] = doc.value
        docs[target] = (str(relative), doc)
    _component_attributes(kind, entry, data)
    declared = loader.validated(_MODELS[kind], data, docs, MANIFEST)
    if declared is None:
        return
    tables: dict[str, dict[str, Any]] = {
        "connection": app.connections, "webhook": app.webhooks, "module": app.modules,
        "rpc": app.rpcs,
    }
    tables[kind][local_id] = declared


def _python_function(loader: _Loader, app: App, local_id: str, relative: str) -> None:
    """A function written in Python: only an app shipped with Scenarist or installed as a
    package may run Python in the engine's process."""
    key = f"components.function.{local_id}.codeFiles.code"
    trusted = app.source == "shipped" or app.source.startswith("entry point") or (
        loader.folder.resolve().is_relative_to(SHIPPED_DIR))
    if not trusted:
        loader.problem("functions written in Python run only in apps shipped with Scenarist or"
                       " installed as Python packages", MANIFEST, key, severity="unsupported")
        return
    path = (loader.folder / relative).resolve()
    if not path.is_relative_to(loader.folder.resolve()) or not path.is_file():
        loader.problem("code file not found", relative)
        return
    try:
        table = _python_tables.get(path) or load_python_functions(path)
    except Exception as exc:  # a broken code file costs only its functions
        loader.problem(f"cannot load the Python functions: {exc}", relative)
        return
    _python_tables[path] = table
    if local_id not in table:
        loader.problem(f"{relative} defines no function {local_id!r}", relative)
        return
    app.python_functions[local_id] = table[local_id]


_python_tables: dict[Path, dict[str, Any]] = {}  # one module per file, however many functions


def _component_attributes(kind: str, entry: dict[str, Any], data: dict[str, Any]) -> None:
    if kind == "connection":
        data["type"] = entry.get("connectionType") or "basic"
    elif kind == "webhook":
        data["type"] = entry.get("webhookType") or "web"
        data["connection"] = entry.get("connection")
    elif kind == "module":
        module_type = entry.get("moduleType") or entry.get("typeId") or "action"
        if isinstance(module_type, int):
            module_type = MODULE_TYPE_IDS.get(module_type, "action")
        data["type"] = module_type
        data["description"] = entry.get("description") or ""
        data["crud"] = entry.get("actionCrud")
        data["connection"] = entry.get("connection")
        data["alt_connection"] = entry.get("altConnection")
        data["webhook"] = entry.get("webhook")
        data["acid"] = bool(entry.get("acid", False))
    elif kind == "rpc":
        data["connection"] = entry.get("connection")


__all__ = ["AppLoadError", "MakeField", "load_makecomapp"]
