"""Take the README's screenshots of a real Scenarist window under Xvfb.

    uv run python scripts/screenshots.py [BLUEPRINT.json] [--out docs/screenshots/editor.png]
    uv run python scripts/screenshots.py --inspector [--out docs/screenshots/inspector.png]
    uv run python scripts/screenshots.py --connections [--keep DIR]
    uv run python scripts/screenshots.py --tray [--out docs/screenshots/tray.png]
    uv run python scripts/screenshots.py --make-user [--keep DIR]
    uv run python scripts/screenshots.py --welcome [--out docs/screenshots/welcome.png]
    uv run python scripts/screenshots.py --datastores [--out docs/screenshots/datastores.png]

Starts `Xvfb :99` itself when DISPLAY is unset, then runs
`scenarist open BLUEPRINT --screenshot OUT` with QT_QPA_PLATFORM=xcb, so the picture is the
real X11 window (Qt's xcb platform, real fonts and window size), not the offscreen renderer.

Debian packages needed (Qt's error message wrongly blames only libxcb-cursor0):
    apt-get install -y xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 \
        libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0

`--inspector` takes the bundle inspector after a Run once of the official
webhook-router-error-handler pattern with a hot lead, its HTTP module pointed at a local stub
that hangs up (`scenarist open FILE --run-once --input REQUEST.json --screenshot OUT`): the
error route fires and the inspector shows the filter verdict, the input and the error.

`--connections` takes the Connections dialog (connections.png) with
scripts/connections_window.py, which drives the app against a local fake Gist API in a D-Bus
session whose gnome-keyring is the OS keyring (Debian: dbus, gnome-keyring); `--keep DIR`
also keeps its other pictures (the form, the picker, an import, its run).

`--tray` takes the whole screen (`import -window root`) with `trayer` as the X11 tray (Debian
package `trayer`; bare Xvfb has no tray): the window running scenarios in the background,
its Scenarios panel, and the tray icon's menu open on the recent runs
(scripts/tray_screenshot.py drives it).

`--make-user` runs scripts/make_user_window.py: a Make user's first scenario (webhook →
filter "Only POST" → HTTP) built in the real window with its mappings picked from the
panels, run with a GET (filtered) and a POST (sent to a local stub); it keeps the filter
dialog with its mapping panel and the result as pictures (in DIR, default /tmp).

`--welcome` takes the first launch: `scenarist open --screenshot OUT` on an empty
workspace, where the welcome screen offers the templates.

`--datastores` runs scripts/datastores_window.py: the Data stores window over a store of a
million customers imported from CSV, scrolled to its middle (the window fills a 1280×760
screen, taken whole).

The blueprint is imported as the app does it (copied into the scenarios folder of a
temporary workspace, $SCENARIST_HOME) and opened from there, so the picture shows it in
the workspace list and the user's own workspace is never touched.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Two routers, fallback routes, filters and error handlers, every module supported.
DEFAULT_BLUEPRINT = Path(
    "/work/shared/corpus/blueprints/SenseFlow-io__make-blueprint__SenseFlow example.blueprint.json"
)
DISPLAY = ":99"
SCREEN = "1920x1080x24"


def start_xvfb(screen: str = SCREEN) -> subprocess.Popen[bytes] | None:
    """A virtual X server on :99 unless a display is already there."""
    if os.environ.get("DISPLAY"):
        return None
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb is missing: apt-get install -y xvfb xauth libxcb-icccm4 libxcb-keysyms1")
    server = subprocess.Popen(
        ["Xvfb", DISPLAY, "-screen", "0", screen, "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{DISPLAY.lstrip(':')}")
    for _ in range(50):  # up to 5 s for the server to accept connections
        if socket.exists():
            break
        time.sleep(0.1)
    os.environ["DISPLAY"] = DISPLAY
    return server


def scenario_name(blueprint: Path) -> str:
    name = json.loads(blueprint.read_text(encoding="utf-8-sig")).get("name")
    return str(name or blueprint.stem).replace("/", "_")


def take(blueprint: Path, out: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="scenarist-shots-") as tmp:
        workspace = Path(tmp) / "workspace"
        scenario = workspace / "scenarios" / f"{scenario_name(blueprint)}.blueprint.json"
        scenario.parent.mkdir(parents=True)
        shutil.copyfile(blueprint, scenario)
        env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "SCENARIST_HOME": str(workspace)}
        done = subprocess.run(
            [sys.executable, "-m", "app", "open", str(scenario), "--screenshot", str(out)],
            cwd=ROOT, env=env, timeout=120,
        )
        return done.returncode


def take_welcome(out: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="scenarist-shots-") as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "xcb",
               "SCENARIST_HOME": str(Path(tmp) / "workspace")}
        done = subprocess.run([sys.executable, "-m", "app", "open", "--screenshot", str(out)],
                              cwd=ROOT, env=env, timeout=120)
        return done.returncode


INSPECTOR_CASE = Path("/work/shared/acceptance/cases/webhook-router-error-handler")


class _HangUp(http.server.BaseHTTPRequestHandler):
    """A flaky API: reads the request, then closes the connection without an answer."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


def take_inspector(out: Path) -> int:
    stub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HangUp)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory(prefix="scenarist-shots-") as tmp:
            workspace = Path(tmp) / "workspace"
            case = json.loads((INSPECTOR_CASE / "case.json").read_text(encoding="utf-8"))
            text = (INSPECTOR_CASE / "blueprint.json").read_text(encoding="utf-8").replace(
                "https://stub.invalid", f"http://127.0.0.1:{stub.server_address[1]}")
            scenario = workspace / "scenarios" / "Lead intake.blueprint.json"
            scenario.parent.mkdir(parents=True)
            scenario.write_text(text, encoding="utf-8")
            request = Path(tmp) / "request.json"
            request.write_text(json.dumps(case["runs"][2]["input"]), encoding="utf-8")
            env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "SCENARIST_HOME": str(workspace)}
            done = subprocess.run(
                [sys.executable, "-m", "app", "open", str(scenario), "--run-once",
                 "--input", str(request), "--screenshot", str(out)],
                cwd=ROOT, env=env, timeout=120,
            )
            return done.returncode
    finally:
        stub.shutdown()
        stub.server_close()


def take_connections(out: Path, keep: Path | None) -> int:
    with tempfile.TemporaryDirectory(prefix="scenarist-shots-") as tmp:
        home, run, workspace = Path(tmp) / "home", Path(tmp) / "run", Path(tmp) / "workspace"
        shots = keep or Path(tmp) / "shots"
        for folder in (home, workspace, shots):
            folder.mkdir(parents=True, exist_ok=True)
        run.mkdir(mode=0o700)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DBUS_", "XDG_", "SCENARIST_MASTER"))}
        env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_RUNTIME_DIR=str(run),
                   QT_QPA_PLATFORM="xcb", SCENARIST_HOME=str(workspace),
                   PYTHON_KEYRING_BACKEND="keyring.backends.SecretService.Keyring")
        script = ("echo -n unlock-pw | gnome-keyring-daemon --unlock --components=secrets"
                  f" >/dev/null && exec {sys.executable} scripts/connections_window.py"
                  f" '{workspace}' '{shots}'")
        done = subprocess.run(["dbus-run-session", "--", "sh", "-c", script], cwd=ROOT,
                              env=env, timeout=300)
        if done.returncode == 0:
            shutil.copyfile(shots / "connections.png", out)
        return done.returncode


TRAY_SCREEN = "1600x1000x24"


def take_tray(out: Path) -> int:
    if shutil.which("trayer") is None:
        sys.exit("trayer is missing (the X11 tray): apt-get install -y trayer")
    tray = subprocess.Popen(
        ["trayer", "--edge", "bottom", "--align", "right", "--widthtype", "request",
         "--height", "30"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)  # the tray owns its selection before the app looks for one
        with tempfile.TemporaryDirectory(prefix="scenarist-shots-") as tmp:
            env = {**os.environ, "QT_QPA_PLATFORM": "xcb",
                   "SCENARIST_HOME": str(Path(tmp) / "workspace")}
            done = subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "tray_screenshot.py"), str(out)],
                cwd=ROOT, env=env, timeout=180)
            return done.returncode
    finally:
        tray.terminate()
        tray.wait(timeout=10)


DATASTORES_SCREEN = "1280x760x24"


def take_datastores(out: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="scenarist-shots-") as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "SCENARIST_HOME": tmp}
        done = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "datastores_window.py"), str(out)],
            cwd=ROOT, env=env, timeout=300)
        return done.returncode


def take_make_user(keep: Path | None) -> int:
    out = keep or Path(tempfile.gettempdir()) / "scenarist-make-user"
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_user_window.py"),
                           str(out)], cwd=ROOT, env=env, timeout=300)
    return done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("blueprint", nargs="?", type=Path, default=DEFAULT_BLUEPRINT)
    parser.add_argument("--inspector", action="store_true",
                        help="the bundle inspector after a Run once (inspector.png)")
    parser.add_argument("--connections", action="store_true",
                        help="the Connections dialog (connections.png)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="with --connections: keep every picture it takes in this folder")
    parser.add_argument("--tray", action="store_true",
                        help="the tray menu over a window running scenarios (tray.png)")
    parser.add_argument("--make-user", action="store_true",
                        help="build webhook → filter → HTTP by hand in a real window")
    parser.add_argument("--welcome", action="store_true",
                        help="the welcome screen of a first launch (welcome.png)")
    parser.add_argument("--datastores", action="store_true",
                        help="the Data stores window over a million records (datastores.png)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    shots = ROOT / "docs" / "screenshots"
    name = ("inspector" if args.inspector else "connections" if args.connections
            else "tray" if args.tray else "welcome" if args.welcome
            else "datastores" if args.datastores else "editor")
    out = args.out or shots / f"{name}.png"
    args.out = out
    server = start_xvfb(TRAY_SCREEN if args.tray or args.make_user
                        else DATASTORES_SCREEN if args.datastores else SCREEN)
    try:
        if args.datastores:
            code = take_datastores(out.resolve())
        elif args.make_user:
            code = take_make_user(args.keep.resolve() if args.keep else None)
        elif args.connections:
            code = take_connections(out.resolve(), args.keep.resolve() if args.keep else None)
        elif args.tray:
            code = take_tray(out.resolve())
        elif args.inspector:
            code = take_inspector(out.resolve())
        elif args.welcome:
            code = take_welcome(out.resolve())
        else:
            code = take(args.blueprint, out.resolve())
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
    if code == 0:
        print(f"wrote {args.out}")
    return code


if __name__ == "__main__":
    sys.exit(main())
