"""Issue 8: credentials typed into a blueprint are never at rest and never in a message.

Real blueprints with every kind of credential run through the real command line (a child
process, against a stub API on 127.0.0.1); then every file of the workspace (SQLite pages,
WAL files and compressed payloads included) and everything the commands printed is searched
for each secret. The child has no OS keyring: its secrets go to the workspace's encrypted
file (SCENARIST_MASTER_PASSWORD), and a retry of the stored incomplete execution gets them
back from there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from engine.history.payloads import REDACTED
from engine.history.queries import operations
from engine.store.history_db import open_history_engine
from tests.incomplete.helpers import cli
from tests.secrets.blueprints import (
    CANARY,
    LITERAL_SECRETS,
    RUNTIME_KEY,
    credentials_blueprint,
    echo_stub,
    failing_blueprint,
    request,
    write,
)
from tests.secrets.scan import contents, leaks

ROOT = Path(__file__).resolve().parents[2]


class Cli:
    """`scenarist` in a child process; keeps everything it printed."""

    def __init__(self, workspace: Path, env: dict[str, str]) -> None:
        self.workspace = workspace
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        self.printed: list[tuple[str, str]] = []

    def __call__(self, *argv: str, code: int | None = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", *argv, "--data-dir", str(self.workspace)],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)
        what = " ".join(argv[:3])
        self.printed += [(f"stdout of {what}", done.stdout), (f"stderr of {what}", done.stderr)]
        if code is not None:
            assert done.returncode == code, done.stderr + done.stdout
        return done

    def json(self, *argv: str, code: int = 0) -> Any:
        return json.loads(self(*argv, code=code).stdout)


def test_cli_runs_store_and_print_no_secret(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    scenarist = Cli(ws, {"SCENARIST_MASTER_PASSWORD": "correct horse battery staple"})
    input_file = write(tmp_path / "request.json", request())
    with echo_stub() as stub:
        good = write(tmp_path / "credentials.blueprint.json", credentials_blueprint(stub.host))
        report = scenarist.json("run", str(good), "--input", str(input_file), "--report", "json")
        assert report["status"] == "success", report
        # The credentials did reach the API (the run is real), and came back in the echo.
        sent = {r.path: r.headers for r in stub.seen}
        assert sent["/echo"]["authorization"].startswith(("Bearer", "Basic"))
        assert len(stub.seen) == 3
        assert CANARY in json.dumps(report)

        failing = write(tmp_path / "failing.blueprint.json", failing_blueprint(stub.host))
        broken = scenarist("run", str(failing), "--input", str(input_file), "--report", "json")
        report = json.loads(broken.stdout)
        assert report["status"] == "warning" and report["incomplete_executions"] == 1, report
        [error] = report["modules"]["2"]["errors"]
        assert "[500]" in error["message"] and "/fail" in error["message"]
        assert "[redacted]" in error["message"]  # the URL's password and token
        assert "kept in the encrypted file" in broken.stderr  # says where they are

        scenarist("run", str(failing), "--input", str(input_file))  # the summary text too
        # Unhandled and not stored: the run fails (its error counted in state.db's health).
        unhandled = failing_blueprint(stub.host)
        del unhandled["flow"][1]["onerror"]
        unhandled["metadata"]["scenario"] = {}
        unhandled = write(tmp_path / "unhandled.blueprint.json", unhandled)
        failed = scenarist.json("run", str(unhandled), "--input", str(input_file), "--report",
                                "json", code=1)
        assert failed["status"] == "error" and "[redacted]" in failed["error"]["message"]
        listed = scenarist.json("incomplete", "list", "--json")
        assert len(listed) == 2
        scenarist("incomplete", "list")
        scenarist.json("incomplete", "show", listed[0]["id"], "--json")
        runs = scenarist.json("history", "list", "--json")
        assert len(runs) == 4
        for run in runs:
            scenarist.json("history", "show", run["id"], "--json")
            scenarist("history", "show", run["id"])

        for module_id in ("2", "3", "4"):  # --break-at prints the module's input
            paused = scenarist.json("run", str(good), "--input", str(input_file),
                                    "--break-at", module_id, "--no-history")
            assert paused["paused_at"] == int(module_id) and paused["input"]

        # History keeps no credentials: a live replay says so instead of sending
        # "[redacted]" to the API; a deterministic one needs none.
        first = next(r for r in runs if r["scenario"] == "Credentials")
        seen = len(stub.seen)
        live = scenarist("replay", first["id"], code=1)
        assert "can't be replayed live" in live.stderr and "--deterministic" in live.stderr
        assert len(stub.seen) == seen
        scenarist("replay", first["id"], "--deterministic")

        where = leaks(LITERAL_SECRETS, ws, scenarist.printed)
        assert where == []
        # The search does see what is stored: the canary went through the same places.
        assert any(CANARY.encode() in data for _where, data in contents(ws))

        # Retried once the API works, with the credentials back from the encrypted file.
        stub.failing = False
        retried = scenarist.json("incomplete", "retry", listed[0]["id"], "--report", "json")
        assert retried["status"] == "success", retried
        assert retried["incomplete"]["status"] == "resolved"  # carol's password was right
        assert scenarist.json("incomplete", "list", "--json")[0]["id"] == listed[1]["id"]
    assert leaks(LITERAL_SECRETS, ws, scenarist.printed) == []

    # A value mapped into a credential field is hidden in that operation's input (and by
    # value from then on: the echo of it in the module's output).
    engine = open_history_engine(ws)
    try:
        first = next(r for r in runs if r["scenario"] == "Credentials")
        v4 = [op for op in operations(engine, ws, first["id"]) if op["module_id"] == 4]
    finally:
        engine.dispose()
    assert v4[0]["input"]["headers"][1] == {"name": "X-Api-Key", "value": REDACTED}
    assert RUNTIME_KEY not in json.dumps(v4, default=str)


def test_retry_names_the_module_whose_credentials_were_not_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No keyring and no master password: nothing is stored, and a retry says why it can't."""
    keyring.set_keyring(fail.Keyring())
    ws = tmp_path / "ws"
    input_file = write(tmp_path / "request.json", request())
    with echo_stub() as stub:
        failing = write(tmp_path / "failing.blueprint.json", failing_blueprint(stub.host))
        code, out, err = cli(capsys, "run", str(failing), "--input", str(input_file),
                             "--report", "json", "--data-dir", str(ws))
        assert code == 0 and json.loads(out)["incomplete_executions"] == 1
        assert "credentials are not stored" in err
        code, listed, _ = cli(capsys, "incomplete", "list", "--json", "--data-dir", str(ws))
        [record] = json.loads(listed)
        stub.failing = False
        code, out, err = cli(capsys, "incomplete", "retry", record["id"], "--data-dir", str(ws))
    assert code == 1
    assert "credentials of module 2 are not in the secret store" in err
    assert "SCENARIST_MASTER_PASSWORD" in err
    assert leaks(LITERAL_SECRETS, ws, [("out", out), ("err", err)]) == []
