"""DESIGN.md §1: engine/ is pure Python + asyncio; connectors/ reach only the engine."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "engine": {"PySide6", "qasync", "app", "connectors"},
    "connectors": {"PySide6", "qasync", "app"},
}


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
