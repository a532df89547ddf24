"""Start-up time is what a person waits for at every `scenarist` command (issue #15:
`scenarist run` of a small blueprint ≤ 0.4 s). Each library below costs tens of
milliseconds to import; a command that does not need it must not load it. The timing itself
is measured in benchmarks/startup_bench.py; this guards what decides it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "hello-world.json"

# Never needed to run a blueprint of built-in modules without HTTP: the window (Qt), the
# webhook server (aiohttp), schema migrations (Alembic, only when a database is behind),
# the shipped apps (connectors), the keyring, and HTTP (httpx, at the first request).
NEVER_FOR_RUN = {"PySide6", "qasync", "aiohttp", "alembic", "mako", "connectors", "keyring",
                 "httpx", "httpcore", "engine.connections"}
# The database layer: a run records its history with the standard library's sqlite3, so
# SQLAlchemy (a third of a run's start-up) loads only to migrate a file or to read history.
DATABASE_LAYER = {"sqlalchemy", "sqlmodel", "engine.store.history_db",
                  "engine.store.state_db", "engine.store.incomplete"}


def loaded_by(*argv: str) -> set[str]:
    """The modules (and their packages) a fresh `scenarist ARGV` process ends with."""
    code = ("import json, sys\n"
            "from app.cli import main\n"
            f"code = main({list(argv)!r})\n"
            "print(json.dumps(sorted(sys.modules)))\n"
            "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    return modules | {".".join(m.split(".")[:2]) for m in modules} | {
        m.split(".")[0] for m in modules}


def test_run_of_a_small_blueprint_loads_no_gui_server_or_migrations(tmp_path: Path) -> None:
    run = ("run", str(EXAMPLE), "--data-dir", str(tmp_path / "ws"))
    for attempt in ("the first run, in a new workspace", "a later run"):
        loaded = loaded_by(*run)
        unwanted = NEVER_FOR_RUN | DATABASE_LAYER
        assert not loaded & unwanted, (attempt, sorted(loaded & unwanted))
        assert "engine.history.writer" in loaded  # the run was recorded


def test_run_without_history_loads_no_database_layer(tmp_path: Path) -> None:
    run = ("run", str(EXAMPLE), "--data-dir", str(tmp_path / "ws"), "--no-history")
    loaded_by(*run)
    loaded = loaded_by(*run)
    unwanted = NEVER_FOR_RUN | DATABASE_LAYER | {"engine.history"}
    assert not loaded & unwanted, sorted(loaded & unwanted)


def test_help_loads_no_command(tmp_path: Path) -> None:
    code = ("import sys\nfrom app.cli import build_parser\n"
            "build_parser([]).format_help()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('engine', 'pydantic', 'sqlalchemy', 'PySide6', 'httpx', 'aiohttp')))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
