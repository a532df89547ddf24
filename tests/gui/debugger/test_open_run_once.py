"""`scenarist open FILE --run-once --input REQ.json --screenshot OUT.png`, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.gui.debugger.conftest import case_input, write_case
from tests.gui.debugger.stub import http_stub

ROOT = Path(__file__).resolve().parents[3]
PNG = b"\x89PNG\r\n\x1a\n"


def scenarist(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SCENARIST_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_run_once_writes_the_screenshot_and_exits_0(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(case_input("iterator-aggregator")))
    out = tmp_path / "shots" / "run.png"
    with http_stub({"POST /order-summaries": {"ok": True}}) as stub:
        scenario = write_case("iterator-aggregator", tmp_path, stub.url)
        done = scenarist("open", str(scenario), "--run-once", "--input", str(request),
                         "--screenshot", str(out), home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(PNG)
    assert [r[2] for r in stub.requests] == [
        {"summary": "Widget × 2, Gadget × 1, Doohickey × 5"}]  # it really ran


def test_a_failing_scenario_still_exits_0(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(case_input("iterator-aggregator")))
    # Nothing listens on port 9: the HTTP module fails and the run ends in error.
    scenario = write_case("iterator-aggregator", tmp_path, "http://127.0.0.1:9")
    out = tmp_path / "failed.png"
    done = scenarist("open", str(scenario), "--run-once", "--input", str(request),
                     "--screenshot", str(out), home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(PNG)


def test_bad_input_is_refused(tmp_path: Path) -> None:
    scenario = write_case("iterator-aggregator", tmp_path, "http://127.0.0.1:9")
    missing = tmp_path / "nope.json"
    done = scenarist("open", str(scenario), "--run-once", "--input", str(missing),
                     "--screenshot", str(tmp_path / "x.png"), home=tmp_path / "home")
    assert done.returncode == 2
    assert "nope.json" in done.stderr
    done = scenarist("open", str(scenario), "--input", str(missing), home=tmp_path / "home")
    assert done.returncode == 2
