"""`scenarist apps list` and `apps check FOLDER`, as engine functions.

`check_app` loads an app the way the registry does, then reads every code file again to
compile each IML string (so a typo is reported with file, key and line before any run) and
names what Scenarist does not support yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.apps import jsonc
from engine.apps.communication import RESPONSE_KEYS, UNSUPPORTED_REQUEST_KEYS
from engine.apps.components import functions_of
from engine.apps.declaration import App, Problem
from engine.apps.functions import AppFunctions, node_available
from engine.apps.iml import compile_app_template
from engine.apps.makecomapp import MANIFEST, AppLoadError, load_makecomapp
from engine.errors import IMLError

if TYPE_CHECKING:
    from engine.registry import Registry

# Code files holding communication specs (request/response directives).
_COMMUNICATIONS = {"communication", "attach", "detach", "update", "epoch", "commit",
                   "rollback"}


def list_apps(registry: Registry) -> list[dict[str, str]]:
    """Every module of every app (built-ins included): app, module id, label, kind."""
    return [{"app": spec.app, "module": spec.id, "label": spec.label, "kind": spec.kind}
            for spec in sorted(registry.all(), key=lambda s: s.id)]


def check_app(folder: Path | str) -> list[Problem]:
    """Every problem of the app in `folder`, errors and unsupported features alike."""
    folder = Path(folder)
    try:
        app = load_makecomapp(folder)
    except AppLoadError as exc:
        return [exc.problem]
    problems = list(app.problems)
    problems.extend(_unsupported(app))
    problems.extend(_check_code(app, folder))
    return problems


def _unsupported(app: App) -> list[Problem]:
    out: list[Problem] = []

    def note(message: str) -> None:
        out.append(Problem(app=app.name, message=message, severity="unsupported"))

    from engine.connections.app_oauth import own_flow

    for conn in app.connections.values():
        if conn.type in ("basic", "apikey", "api_key"):
            continue
        flow = own_flow(conn)
        if flow is None:
            note(f"connection {conn.name}: {conn.type} connections without their own authorize"
                 " and token steps are authorized with the standard OAuth 2.0 code flow (PKCE)"
                 " by `scenarist connections authorize`")
    for hook in app.webhooks.values():
        if hook.type == "web-shared":
            note(f"webhook {hook.name}: shared webhooks (routing by uid) are not supported")
    if app.functions and not node_available():
        note("custom IML functions are JavaScript and need Node.js, which is not installed")
    return out


def _check_code(app: App, folder: Path) -> list[Problem]:
    try:
        manifest = jsonc.parse((folder / MANIFEST).read_text(encoding="utf-8-sig")).value
    except (OSError, jsonc.JsoncError):
        return []
    functions = functions_of(app)
    out: list[Problem] = []
    files: list[tuple[str, str]] = []
    base = (manifest.get("generalCodeFiles") or {}).get("base")
    if isinstance(base, str):
        files.append(("communication", base))
    for kind, entries in (manifest.get("components") or {}).items():
        if kind == "endpoint" and entries:
            out.append(Problem(app=app.name, file=MANIFEST, severity="unsupported",
                               message="Endpoint components are not supported yet"))
        if not isinstance(entries, dict) or kind == "function":
            continue
        for entry in entries.values():
            for code_name, relative in ((entry or {}).get("codeFiles") or {}).items():
                if isinstance(relative, str) and relative.endswith(("json", "imljson")):
                    files.append((code_name, relative))
    for code_name, relative in files:
        try:
            doc = jsonc.parse((folder / relative).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, jsonc.JsoncError):
            continue  # already reported by loading
        _walk(app, relative, doc, doc.value, (), functions, out)
        if code_name in _COMMUNICATIONS:
            _directives(app, relative, doc, out)
    return out


def _walk(app: App, file: str, doc: jsonc.Document, value: Any, path: tuple[Any, ...],
          functions: AppFunctions | None, out: list[Problem]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _walk(app, file, doc, item, (*path, key), functions, out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(app, file, doc, item, (*path, i), functions, out)
    elif isinstance(value, str) and "{{" in value:
        try:
            compile_app_template(value, functions)
        except IMLError as exc:
            out.append(Problem(app=app.name, file=file, line=doc.line_of(path),
                               key=".".join(str(p) for p in path) or None,
                               message=f"IML: {exc.message}"
                               + (f" (column {exc.column})" if exc.column else "")))


def _directives(app: App, file: str, doc: jsonc.Document, out: list[Problem]) -> None:
    specs = doc.value if isinstance(doc.value, list) else [doc.value]
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict):
            continue
        prefix: tuple[Any, ...] = (i,) if isinstance(doc.value, list) else ()
        for key in spec:
            if key in UNSUPPORTED_REQUEST_KEYS:
                out.append(Problem(app=app.name, file=file, key=key, severity="unsupported",
                                   line=doc.line_of((*prefix, key)),
                                   message=f"request directive {key!r} is not supported"))
        response = spec.get("response")
        if isinstance(response, dict):
            for key in response:
                if key not in RESPONSE_KEYS and not key.isdigit():
                    out.append(Problem(app=app.name, file=file, key=f"response.{key}",
                                       line=doc.line_of((*prefix, "response", key)),
                                       severity="warning",
                                       message=f"unknown response directive {key!r}"))
            if response.get("type") == "xml":
                out.append(Problem(app=app.name, file=file, key="response.type",
                                   line=doc.line_of((*prefix, "response", "type")),
                                   severity="unsupported",
                                   message="XML responses are read as text"))
