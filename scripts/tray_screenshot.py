"""The README's tray screenshot: a real window running scenarios in the background, its
Scenarios panel, and the tray icon's menu open (run by `scripts/screenshots.py --tray`
under Xvfb with `trayer` as the tray, never on its own).

    python scripts/tray_screenshot.py OUT.png   # DISPLAY, SCENARIST_HOME and a tray set

Three acceptance scenarios and a failing one are activated in a temporary workspace (their
HTTP modules pointed at a local stub), requests are posted to their webhooks, the failing
one is switched off by the runtime after its third error, then the whole screen is taken
with ImageMagick's `import -window root` and the app quits from the tray.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CASES = Path("/work/shared/acceptance/cases")
TRAY_HEIGHT = 30


class _Stub(http.server.BaseHTTPRequestHandler):
    """Any API: answers every request with a small JSON object."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = json.dumps({"ok": True, "status": "up"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer  # noqa: N815 (http.server's names)

    def log_message(self, *args: object) -> None:
        pass


def prepare(workspace: Path, stub: str) -> Path:
    """The workspace's scenarios, activated; the one the window opens."""
    from engine.runtime import Workspace, activate_file, parse_schedule_option, save_setting

    ws = Workspace(workspace)
    folder = workspace / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    save_setting(ws.state, "port", int(os.environ.get("SCENARIST_SHOT_PORT", "8765")))
    opened = None
    for case, name, schedule in (("webhook-router-error-handler", "Lead intake", None),
                                 ("scheduled-http-poll", "Status poll", "every 15m"),
                                 ("webhook-to-http", "New signups to CRM", None)):
        blueprint = {**json.loads((CASES / case / "blueprint.json").read_text()), "name": name}
        path = folder / f"{name}.blueprint.json"
        path.write_text(json.dumps(blueprint).replace("https://stub.invalid", stub))
        activate_file(ws, path, schedule=parse_schedule_option(schedule) if schedule else None)
        opened = opened or path
    parser = {"name": "Order parser", "flow": [
        {"id": 1, "module": "gateway:CustomWebHook", "parameters": {}},
        {"id": 2, "module": "json:ParseJSON", "mapper": {"json": "{{1.text}}"}}],
        "metadata": {"scenario": {"roundtrips": 1, "maxErrors": 3}}}
    path = folder / "Order parser.blueprint.json"
    path.write_text(json.dumps(parser))
    activate_file(ws, path)
    assert opened is not None
    return opened


async def traffic(window: Any) -> None:
    import httpx

    host = window.background.host
    names = [s.name for s in host.statuses() if s.webhook_url]
    for _ in range(100):  # the runtime reads the registry every second
        if host.runtime and all(host.runtime.runnable(n) for n in names):
            break
        await asyncio.sleep(0.1)
    urls = {s.name: s.webhook_url for s in host.statuses()}
    lead = json.loads((CASES / "webhook-router-error-handler" / "case.json").read_text())
    order = json.loads((CASES / "webhook-to-http" / "case.json").read_text())
    async with httpx.AsyncClient(timeout=10) as client:
        for run in lead["runs"][:2]:
            await client.post(urls["Lead intake"], json=run["input"]["body"])
        await client.post(urls["New signups to CRM"], json=order["runs"][0]["input"]["body"])
        for _ in range(3):
            await client.post(urls["Order parser"], json={"text": "<order/>"})
    for _ in range(100):
        if len(host.recent) >= 6:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.5)  # the switch-off reaches the panel


async def main(out: Path, stub: str) -> int:
    from PySide6.QtCore import QPoint

    from app.gui.application import ensure_application
    from app.gui.main_window import MainWindow

    app = ensure_application()
    app.setQuitOnLastWindowClosed(False)
    workspace = Path(os.environ["SCENARIST_HOME"])
    opened = prepare(workspace, stub)
    window = MainWindow(workspace)
    window.open_file(opened)
    screen = app.primaryScreen().geometry()  # trayer's bar runs along the bottom edge
    window.setGeometry(0, 0, screen.width(), screen.height() - TRAY_HEIGHT - 10)
    window.show()
    background = window.background
    if not await background.start() or background.tray is None:
        print("no tray: is trayer running?", file=sys.stderr)
        return 1
    await traffic(window)
    background.panel.refresh()
    background.panel.table.clearSelection()
    editor = window.current_editor()
    assert editor is not None
    editor.history.history_dock.raise_()  # type: ignore[attr-defined]
    await asyncio.sleep(9)  # the switch-off notification's balloon goes away
    for _ in range(2):  # once the docks have their sizes
        window.fit_all()
        await asyncio.sleep(0.5)
    window.show_message("")

    tray = background.tray
    tray.update_menu()
    icon = tray.icon.geometry()
    menu = tray.menu
    size = menu.sizeHint()
    corner = QPoint(icon.right() - size.width(), icon.top() - size.height() - 4)
    menu.popup(corner)
    await asyncio.sleep(0.3)
    menu.setActiveAction(tray.recent_menu.menuAction())
    sub = tray.recent_menu
    sub_size = sub.sizeHint()
    sub.popup(QPoint(corner.x() - sub_size.width(), corner.y()))
    await asyncio.sleep(1.0)
    subprocess.run(["/usr/bin/import", "-window", "root", str(out)], check=True)
    sub.close()
    menu.close()
    window.quit()
    await background.stopped()
    return 0


if __name__ == "__main__":
    import qasync

    target = Path(sys.argv[1]).resolve()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sys.exit(qasync.run(main(target, f"http://127.0.0.1:{server.server_address[1]}")))
    finally:
        server.shutdown()
