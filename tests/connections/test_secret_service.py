"""One test against a real keyring: gnome-keyring's Secret Service in a D-Bus session the test
starts (`dbus-run-session`), with its own HOME, so the user's keyring is never touched. The
real CLI adds a connection in one process; another reads the secret back and deletes it."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HELPER = Path(__file__).with_name("secret_service_helper.py")
PASSWORD = "s3cret-service-pw-51"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the Secret Service is Linux's keyring")


def test_a_connection_secret_lives_in_the_real_secret_service(tmp_path: Path) -> None:
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon")
               if shutil.which(tool) is None]
    assert not missing, f"install {missing} (Debian: dbus, gnome-keyring; see .ci/run)"
    home, workspace = tmp_path / "home", tmp_path / "ws"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DBUS_", "XDG_", "SCENARIST_MASTER"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_RUNTIME_DIR=str(tmp_path / "run"), PYTHONPATH=str(ROOT),
               PYTHON_KEYRING_BACKEND="keyring.backends.SecretService.Keyring")
    (tmp_path / "run").mkdir(mode=0o700)
    python = shlex.quote(sys.executable)
    add = (f"{python} -m app.cli connections add http:basicauth --name Real --set username=ada"
           f" --set password={PASSWORD} --json --data-dir {shlex.quote(str(workspace))}")
    script = (
        "echo -n unlock-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null"
        f" && id=$({add} | {python} -c 'import json,sys; print(json.load(sys.stdin)[\"id\"])')"
        f" && {python} {shlex.quote(str(HELPER))} {shlex.quote(str(workspace))} \"$id\""
    )
    done = subprocess.run(["dbus-run-session", "--", "sh", "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found, after = (json.loads(line) for line in done.stdout.splitlines()[-2:])
    assert found["backend"] == "keyring.backends.SecretService.Keyring"
    assert found["description"] == "the OS keyring (Keyring)"
    assert found["password"] == PASSWORD and found["entry_has_it"]
    assert after == {"after_delete": None}
    assert "secrets are kept in the OS keyring" in done.stderr
    assert PASSWORD.encode() not in (workspace / "state.db").read_bytes()
    assert not (workspace / "secrets.enc").exists()
