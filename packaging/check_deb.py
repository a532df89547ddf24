"""Check a built .deb's contents: `python3 packaging/check_deb.py dist/scenarist_V_amd64.deb`.

Run by build-deb.sh after every build (stdlib only, no project environment needed). It
lists what is wrong and exits 1, or prints a one-line summary. Not a pytest: it needs the
built package, and building takes minutes, more than the test suite's budget for one check.
What it holds the package to:
- the control fields (name, version of pyproject.toml, amd64) and root-owned files;
- the launcher, the bundle's executable, the .desktop entry, the icons, the examples;
- compiled bytecode: every module of app/ and engine/ as a .pyc, and no .py source of
  them except what Alembic reads as files (the migrations' env.py and versions/);
- each command of app/commands is in the bundle (they are imported by name, which
  PyInstaller's scan cannot see);
- every data file inside app/ and engine/ (anything but Python source);
- every module that the shipped apps' Python functions import (connectors/**/*.py, loaded
  by path at run time, so PyInstaller's scan cannot see them either).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = "./usr/lib/scenarist/_internal/"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
EXECUTABLES = ("./usr/bin/scenarist", "./usr/lib/scenarist/scenarist")
REQUIRED = (
    *EXECUTABLES,
    "./usr/share/applications/scenarist.desktop",
    "./usr/share/icons/hicolor/scalable/apps/scenarist.svg",
    *(f"./usr/share/icons/hicolor/{n}x{n}/apps/scenarist.png" for n in ICON_SIZES),
    "./usr/share/scenarist/examples/hello-world.json",
    BUNDLE + "app/cli.pyc",
    BUNDLE + "engine/store/migrations/env.py",
    BUNDLE + "engine/store/history_migrations/env.py",
    BUNDLE + "connectors/slack/makecomapp.json",
)
READ_AS_FILES = re.compile(r"engine/store/(history_)?migrations/(env\.py|versions/[^/]+\.py)$")


def listing(deb: Path) -> dict[str, tuple[str, str]]:
    """path -> (mode string, owner/group) for every entry of the package's data."""
    out = subprocess.run(["dpkg-deb", "--contents", str(deb)], check=True,
                         capture_output=True, text=True).stdout
    entries = {}
    for line in out.splitlines():
        mode, owner, _size, _date, _time, path, *_link = line.split(maxsplit=6)
        entries[path.rstrip("/") if path != "./" else path] = (mode, owner)
    return entries


def field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "--field", str(deb), name], check=True,
                          capture_output=True, text=True).stdout.strip()


def connector_imports() -> set[str]:
    """Top-level modules imported by the shipped apps' Python functions."""
    names: set[str] = set()
    for path in (ROOT / "connectors").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - {"__future__"}


def bundled(entries: dict[str, tuple[str, str]], module: str) -> bool:
    if module in sys.builtin_module_names:
        return True
    candidates = (f"{BUNDLE}{module}/__init__.pyc", f"{BUNDLE}{module}.pyc")
    extension = re.compile(rf"{re.escape(BUNDLE)}(python3\.\d+/lib-dynload/)?{module}\.cpython")
    return any(c in entries for c in candidates) or any(map(extension.match, entries))


def problems(deb: Path) -> list[str]:
    found: list[str] = []
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    for name, want in (("Package", "scenarist"), ("Version", version),
                       ("Architecture", "amd64")):
        if (got := field(deb, name)) != want:
            found.append(f"control {name}: {got!r}, expected {want!r}")
    entries = listing(deb)
    found += [f"missing {path}" for path in REQUIRED if path not in entries]
    found += [f"{path} is not executable ({entries[path][0]})"
              for path in EXECUTABLES if path in entries and "x" not in entries[path][0][1:4]]
    found += [f"{path} is owned by {owner}, not root/root"
              for path, (_mode, owner) in entries.items() if owner != "root/root"]
    for package in ("app", "engine"):
        for source in sorted((ROOT / package).rglob("*.py")):
            relative = source.relative_to(ROOT).as_posix()
            if READ_AS_FILES.search(relative):
                continue
            if BUNDLE + relative.removesuffix(".py") + ".pyc" not in entries:
                found.append(f"no bytecode of {relative} in the bundle")
    for package in ("app", "engine", "resources"):
        for path in sorted((ROOT / package).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if (path.is_file() and "__pycache__" not in path.parts
                    and path.suffix not in (".py", ".pyc") and BUNDLE + relative not in entries):
                found.append(f"data file {relative} is not in the bundle")
    found += [f"connectors import {module}, which is not in the bundle"
              for module in sorted(connector_imports()) if not bundled(entries, module)]
    found += [f"source shipped instead of bytecode: {path}" for path in entries
              if path.startswith((BUNDLE + "app/", BUNDLE + "engine/"))
              and path.endswith(".py") and not READ_AS_FILES.search(path)]
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    deb = Path(argv[0])
    wrong = problems(deb)
    for problem in wrong:
        print(f"check_deb: {problem}", file=sys.stderr)
    if wrong:
        return 1
    entries = listing(deb)
    pyc = sum(path.endswith(".pyc") for path in entries)
    print(f"check_deb: {deb.name} ok ({len(entries)} entries, {pyc} .pyc files, "
          f"{deb.stat().st_size / 2**20:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
