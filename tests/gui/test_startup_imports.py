"""What `scenarist open` loads before its window's first frame (issue #15: first window
≤ 1 s warm). Each library below costs tens of milliseconds to import and none is needed to
show a scenario: the database layer is read just after the first frame (app.gui.first_frame),
the webhook server starts after it, HTTP and the keyring wait for a connection to be used,
and every dialog loads when first opened. The timing itself is measured in
benchmarks/startup_bench.py (its "first window" row); this guards what decides it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "hello-world.json"

NOT_BEFORE_FIRST_FRAME = {
    # the database layer: history.db and state.db are read just after the first frame
    "sqlalchemy", "sqlmodel", "alembic", "mako", "engine.store.history_db",
    "engine.store.state_db", "engine.history.recorder", "engine.history.writer",
    "engine.runtime.settings", "engine.runtime.registry", "engine.runtime.status",
    # the background runtime and its webhook server start after it
    "aiohttp", "engine.runtime.runtime", "engine.runtime.webhook_server",
    # HTTP, OAuth and the keyring: when a connection is used
    "httpx", "httpcore", "keyring", "connectors", "engine.connections.manage",
    "engine.connections.oauth",
    # dialogs and windows: when first opened
    "app.gui.connections.connections_dialog", "app.gui.connections.connection_form",
    "app.gui.connections.import_mapping", "app.gui.resources.keys_dialog",
    "app.gui.resources.webhooks_window", "app.gui.resources.datastores_window",
    "app.gui.scenario_settings", "app.gui.find_module",
}

_AT_FIRST_FRAME = """
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from app import cli
from app.gui import application

async def first_frame(window, _target):
    application.grab(window)  # the first paint
    print(json.dumps(sorted(sys.modules)), flush=True)
    window.discard_and_close()
    return 0

application._take_screenshot = first_frame  # as benchmarks/first_window_probe.py does
sys.exit(cli.main(["open", *sys.argv[1:], "--screenshot", os.devnull]))
"""


def _python(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_first_frame_loads_no_database_server_http_or_dialog(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    scenario = tmp_path / "hello.blueprint.json"
    shutil.copy(EXAMPLE, scenario)
    # A workspace with history.db and state.db (a run, a data store): something to read, later.
    _python("import sys\nfrom app.cli import main\nsys.exit(main(sys.argv[1:]))",
            "run", str(scenario), "--data-dir", str(workspace))
    _python("import sys\nfrom app.cli import main\nsys.exit(main(sys.argv[1:]))",
            "datastores", "create", "Leads", "--data-dir", str(workspace))
    assert (workspace / "history.db").exists() and (workspace / "state.db").exists()

    output = _python(_AT_FIRST_FRAME, str(scenario), "--data-dir", str(workspace))
    loaded = set(json.loads(output.splitlines()[-1]))
    loaded |= {".".join(m.split(".")[:2]) for m in loaded} | {m.split(".")[0] for m in loaded}
    assert "app.gui.main_window" in loaded and "PySide6" in loaded
    assert not loaded & NOT_BEFORE_FIRST_FRAME, sorted(loaded & NOT_BEFORE_FIRST_FRAME)


def test_the_engine_modules_of_the_first_frame_load_before_qt() -> None:
    """PySide6 reads the source of every module imported after it (to look for
    `from __feature__ import`): app.gui imports what the window needs of the engine first."""
    output = _python(
        "import json, sys\nimport app.gui\n"
        "print(json.dumps([sorted(sys.modules), list(app.gui.BEFORE_QT)]))\n")
    loaded, before_qt = json.loads(output)
    assert "PySide6" not in loaded
    assert set(before_qt) <= set(loaded)
    assert not set(loaded) & NOT_BEFORE_FIRST_FRAME, sorted(set(loaded) & NOT_BEFORE_FIRST_FRAME)
