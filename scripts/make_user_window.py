"""A Make user's first scenario, by hand, in a real window: webhook → filter "Only POST" →
HTTP, the filter's mapping picked from the panel beside it, the body's from the Mapping
panel, then Run once with a GET (stopped by the filter) and a POST (sent to a local stub).

    uv run python scripts/screenshots.py --make-user [--keep DIR]

(screenshots.py starts Xvfb and runs this with Qt's xcb platform.) The steps are those of
tests/gui/test_make_user_webhook_filter_http.py (tests/support/make_user.py); this runs
them slowly enough to be watched, and saves what the screen shows: the filter dialog with
its mapping panel (make-user-filter.png) and the result (make-user.png) in OUT_DIR.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.gui.application import ensure_application, fit_frame_on_screen, grab, place_window  # noqa: E402
from app.gui.main_window import MainWindow  # noqa: E402
from tests.support.http_stub import http_stub  # noqa: E402
from tests.support.make_user import build_webhook_filter_http, run_once, send  # noqa: E402


def screen_shot(path: Path) -> None:
    """The whole screen (the filter dialog is a window of its own)."""
    screen = QGuiApplication.primaryScreen()
    QApplication.processEvents()
    screen.grabWindow(0).save(str(path), "PNG")
    print(f"wrote {path}")


async def story(window: MainWindow, out: Path) -> int:
    await asyncio.sleep(0.8)
    fit_frame_on_screen(window)

    async def pause(step: str) -> None:
        await asyncio.sleep(0.5)  # let the window paint, as a person would look
        if step == "filter":
            dialog = window.current_editor().filter_dialog  # type: ignore[union-attr]
            assert dialog is not None
            dialog.move(window.geometry().center() - dialog.rect().center())
            await asyncio.sleep(0.6)
            screen_shot(out / "make-user-filter.png")

    with http_stub({"POST /leads": (200, {"ok": True})}) as stub:
        editor = await build_webhook_filter_http(window, f"{stub.url}/leads", pause)
        await run_once(window, editor, send("GET"))
        blocked = list(stub.requests)
        await run_once(window, editor, send("POST", {"name": "Grace"}))
        sent = list(stub.requests)
    editor.fit()
    editor.select_modules([2])
    editor.debugger.inspect(2)  # type: ignore[attr-defined]
    await asyncio.sleep(0.8)
    grab(window).save(str(out / "make-user.png"), "PNG")
    print(f"wrote {out / 'make-user.png'}")
    print(f"GET: {len(blocked)} request(s) to the stub; POST: "
          f"{[(r.method, r.path, r.json()) for r in sent]}")
    window.discard_and_close()
    return 0 if not blocked and len(sent) == 1 and sent[0].json() == {"name": "Grace"} else 1


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    ensure_application()
    with tempfile.TemporaryDirectory(prefix="scenarist-make-user-") as tmp:
        window = MainWindow(Path(tmp))
        place_window(window, (1600, 1000))
        window.show()
        result: int = qasync.run(story(window, out))
        return result


if __name__ == "__main__":
    sys.exit(main())
