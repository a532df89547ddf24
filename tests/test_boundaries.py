"""DESIGN.md §1: engine/ is pure Python + asyncio; connectors/ reach only the engine.

And inside: the module contract (engine/spec.py and the services next to it, engine/context.py
and engine/effects.py) and the stores never depend on the executor; the window reads history
through the engine's queries (no SQL in app/); every run starts through
engine.runtime.start_run (nothing else builds an Executor around a run by hand)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "engine": {"PySide6", "qasync", "app", "connectors"},
    "connectors": {"PySide6", "qasync", "app"},
}


# Files (or folders) -> module prefixes they must not import, at any depth of the file.
INNER = {
    "engine/spec.py": ("engine.executor",),
    "engine/context.py": ("engine.executor",),
    "engine/effects.py": ("engine.executor",),
    "engine/store": ("engine.executor", "engine.runtime", "engine.history"),
    "app": ("sqlalchemy", "sqlmodel"),
}
# Who may build an Executor: the executor itself, start_run, and replay's probe run (it
# finds the bundles a module saw by replaying up to it, nothing around it).
EXECUTOR_BUILDERS = {"engine/executor/run.py", "engine/runtime/start.py",
                     "engine/replay/replay.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _files(where: str) -> list[Path]:
    path = ROOT / where
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


@pytest.mark.parametrize("where", sorted(INNER))
def test_inner_boundaries(where: str) -> None:
    breaches = []
    for path in _files(where):
        for name in sorted(imported_modules(path)):
            if any(name == p or name.startswith(p + ".") for p in INNER[where]):
                breaches.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not breaches, "\n".join(breaches)


def test_runs_start_through_start_run() -> None:
    """No fifth set-up recipe: only start_run builds the Executor of a run (or run_plan)."""
    breaches = []
    for package in ("engine", "app"):
        for path in sorted((ROOT / package).rglob("*.py")):
            where = str(path.relative_to(ROOT))
            if where in EXECUTOR_BUILDERS:
                continue
            names = imported_modules(path)
            if {"engine.executor.run.Executor", "engine.executor.run.run_plan"} & names:
                text = path.read_text(encoding="utf-8")
                if "Executor(" in text or "run_plan(" in text:
                    breaches.append(where)
    assert not breaches, "these build a run by hand: " + ", ".join(breaches)


def test_the_state_database_is_opened_through_the_workspace() -> None:
    """app/ reaches state.db through engine.runtime.Workspace, never state_engine()."""
    breaches = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "app").rglob("*.py"))
                if "engine.store.state_db.state_engine" in imported_modules(path)]
    assert not breaches, "\n".join(breaches)


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                roots.add(arg.value.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_keeps_its_boundary(package: str) -> None:
    breaches = []
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_roots(path) & FORBIDDEN[package]
        if bad:
            breaches.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not breaches, "\n".join(breaches)


def test_the_scan_catches_a_breach(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("import os\nfrom PySide6.QtCore import QObject\nimport app.cli\n")
    assert {"PySide6", "app"} <= imported_roots(sample)


def test_serve_never_imports_qt() -> None:
    """`scenarist serve` runs on servers without a display: no Qt anywhere on its path."""
    import subprocess
    import sys

    code = ("import sys, app.cli, app.commands.serve, app.commands.activate, app.serve_log\n"
            "import engine.runtime.runtime, engine.runtime.activation, engine.runtime.status\n"
            "app.cli.build_parser(['serve'])\n"
            "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync'))\n"
            "assert not qt, qt\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
