"""Issue 8 through the window: Run once stores no secret either (history, incomplete
executions, the crash guard), yet its incomplete execution retries with the credentials,
kept in the (in-memory) OS keyring."""

from __future__ import annotations

from pathlib import Path

from app.gui.debugger import DebugSession
from app.gui.main_window import MainWindow
from engine.incomplete.retry import pending, retry_incomplete
from engine.secrets import SERVICE
from tests.conftest import MemoryKeyring
from tests.secrets.blueprints import (
    CANARY,
    FAIL_PASSWORD,
    LITERAL_SECRETS,
    credentials_blueprint,
    echo_stub,
    failing_blueprint,
    request,
    write,
)
from tests.secrets.scan import contents, leaks


def _session(window: MainWindow, path: Path) -> DebugSession:
    editor = window.open_file(path)
    assert editor is not None
    session: DebugSession = editor.debugger  # type: ignore[attr-defined]
    return session


async def test_run_once_stores_no_secret_and_retries_from_the_keyring(
    window: MainWindow, workspace: Path, tmp_path: Path, memory_keyring: MemoryKeyring,
) -> None:
    with echo_stub() as stub:
        good = _session(window, write(tmp_path / "c.blueprint.json",
                                      credentials_blueprint(stub.host)))
        good.run_once(request())
        await good.wait()
        assert good.controller.record.status == "success"
        assert len(stub.seen) == 3

        failing = _session(window, write(tmp_path / "f.blueprint.json",
                                         failing_blueprint(stub.host)))
        failing.run_once(request())
        await failing.wait()
        assert failing.controller.record.status == "warning"
        [record] = pending(workspace)
        assert leaks(LITERAL_SECRETS, workspace) == []
        assert any(CANARY.encode() in data for _where, data in contents(workspace))
        # The credentials are in the keyring, under a reference the stored blueprint holds.
        assert any(FAIL_PASSWORD in value for (service, _id), value
                   in memory_keyring.entries.items() if service == SERVICE)

        stub.failing = False
        outcome = await retry_incomplete(workspace, record.id)
    assert outcome.resolved, outcome.result.error
    assert leaks(LITERAL_SECRETS, workspace) == []
