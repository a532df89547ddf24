"""An app's own IML functions (Make's "custom functions"), JavaScript run by Node.js.

Make runs them in a sandbox with no I/O; here each call runs in a fresh `node` process fed
the app's function sources and the arguments on stdin, under a time limit. Binary values
(bytes) cross as Buffers. Without Node.js on the machine, a call fails with a clear error and
`check_app` names the feature as unavailable.

Apps shipped with Scenarist (and apps installed as Python packages) may write their functions
in Python instead: a function component whose code file is a `.py` file, either exposing
`FUNCTIONS = {"name": callable}` (one file for many functions) or defining a function of the
component's name. They run in the process, need no Node.js, and are refused in any other
app (a workspace folder must not run Python in the engine's process).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson

from engine.errors import IMLError, ModuleError

TIMEOUT_S = 10.0
_BUFFER = "__scenarist_buffer__"

_RUNNER = r"""
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const revive = (v) => {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === 'object') {
    if (typeof v.__BUFFER__ === 'string') return Buffer.from(v.__BUFFER__, 'base64');
    const o = {}; for (const k of Object.keys(v)) o[k] = revive(v[k]); return o;
  }
  return v;
};
const pack = (v) => {
  if (Buffer.isBuffer(v) || v instanceof Uint8Array)
    return {__BUFFER__: Buffer.from(v).toString('base64')};
  if (Array.isArray(v)) return v.map(pack);
  if (v && typeof v === 'object') {
    if (v instanceof Date) return v.toISOString();
    const o = {}; for (const k of Object.keys(v)) { if (v[k] !== undefined) o[k] = pack(v[k]); }
    return o;
  }
  return v === undefined ? null : v;
};
const fns = {};
for (const [name, code] of Object.entries(input.functions)) {
  fns[name] = new Function(...Object.keys(input.functions).filter(n => n !== name),
    code + '\nreturn ' + name + ';');
}
const resolved = {};
const get = (name) => {
  if (!(name in resolved)) {
    const others = Object.keys(input.functions).filter(n => n !== name);
    resolved[name] = fns[name](...others.map(n => (...a) => get(n)(...a)));
  }
  return resolved[name];
};
try {
  const result = get(input.name)(...revive(input.args));
  process.stdout.write(JSON.stringify({ok: pack(result)}));
} catch (e) {
  process.stdout.write(JSON.stringify({error: String(e && e.stack || e)}));
}
""".replace("__BUFFER__", _BUFFER)


def node_available() -> bool:
    return shutil.which("node") is not None


def _pack(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {_BUFFER: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {str(k): _pack(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_pack(v) for v in value]
    return value


def _unpack(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_BUFFER} and isinstance(value[_BUFFER], str):
            return base64.b64decode(value[_BUFFER])
        return {k: _unpack(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unpack(v) for v in value]
    return value


class JsFunctions:
    """The functions of one app: `names`, and `call(name, args)` for the IML compiler."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = dict(sources)
        self.names = frozenset(sources)

    def call(self, name: str, args: list[Any]) -> Any:
        node = shutil.which("node")
        if node is None:
            raise IMLError(f"function {name!r} is written in JavaScript and needs Node.js, "
                           "which is not installed")
        payload = orjson.dumps(
            {"functions": self.sources, "name": name, "args": _pack(args)},
            default=str,
            option=orjson.OPT_NON_STR_KEYS,
        )
        try:
            done = subprocess.run(
                [node, "-e", _RUNNER], input=payload, capture_output=True,
                timeout=TIMEOUT_S, check=False,
            )
        except subprocess.TimeoutExpired:
            raise IMLError(f"function {name!r} ran longer than {TIMEOUT_S:g} s") from None
        try:
            answer = orjson.loads(done.stdout)
        except orjson.JSONDecodeError:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise IMLError(f"function {name!r} failed: {detail[-1] if detail else 'no output'}"
                           ) from None
        if "error" in answer:
            first = str(answer["error"]).splitlines()[0]
            raise IMLError(f"function {name!r} failed: {first}")
        return _unpack(answer.get("ok"))


def load_python_functions(path: Path) -> dict[str, Callable[..., Any]]:
    """The functions of a Python code file (raises on a broken file): its `FUNCTIONS` table
    when it has one (one file for all of an app's functions), else the functions it defines
    (one file per function, named as its component)."""
    name = "scenarist_app_functions_" + hashlib.sha1(str(path).encode()).hexdigest()[:16]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table = getattr(module, "FUNCTIONS", None)
    if table is None:
        return {key: value for key, value in vars(module).items()
                if callable(value) and not key.startswith("_")
                and getattr(value, "__module__", None) == name}
    if not isinstance(table, Mapping) or not all(callable(f) for f in table.values()):
        raise ImportError(f"{path.name}: FUNCTIONS is not a table of callables")
    return dict(table)


class AppFunctions:
    """All of an app's functions: Python ones called in the process, the others by Node.js."""

    def __init__(self, sources: Mapping[str, str],
                 python: Mapping[str, Callable[..., Any]] | None = None) -> None:
        self.python = dict(python or {})
        self.js = JsFunctions({k: v for k, v in sources.items() if k not in self.python})
        self.names = frozenset(self.python) | self.js.names

    def call(self, name: str, args: list[Any]) -> Any:
        function = self.python.get(name)
        if function is None:
            return self.js.call(name, args)
        try:
            return function(*args)
        except (IMLError, ModuleError):
            raise
        except Exception as exc:  # a bug or bad input: name the function, not a traceback
            raise IMLError(f"function {name!r} failed: {type(exc).__name__}: {exc}") from None
