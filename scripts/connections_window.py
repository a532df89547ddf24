"""Drive the real desktop app's connection features in an X11 window and photograph them
(run by `scripts/screenshots.py --connections`, inside Xvfb and a D-Bus session with
gnome-keyring, so secrets go to a real Secret Service).

    python scripts/connections_window.py WORKSPACE OUT_DIR

Against a local fake of the Gist API (tests/support/fake_gist.py) it adds connections
through the Connections dialog, tests one, picks one in a module's settings with its
RPC-backed select filled, imports a Make export whose connection id is unknown and runs it
once. Each step is saved as a PNG in OUT_DIR: `connections.png` (the dialog alone, the
README's picture), then the whole screen: `form.png`, `picker.png`, `import.png`,
`import-run.png`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QMessageBox, QWidget  # noqa: E402

from app.gui.application import ensure_application  # noqa: E402
from app.gui.main_window import MainWindow  # noqa: E402
from tests.connectors.test_gist import onboarding_blueprint  # noqa: E402
from tests.support.fake_gist import serve_fake_gist  # noqa: E402

SETTLE = 0.6


def shoot(path: Path, widget: QWidget | None = None) -> None:
    """The screen as X shows it; only `widget`'s part of it when given."""
    screen = QGuiApplication.primaryScreen()
    if widget is None:
        shot = screen.grabWindow(0)
    else:
        frame = widget.frameGeometry()
        shot = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    if not shot.save(str(path), "PNG"):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path}")


async def drive(window: MainWindow, out: Path, workspace: Path) -> None:
    with serve_fake_gist() as gist:
        for tag in ("Onboarded", "beta", "VIP"):
            gist.add_tag(tag)
        dialog = window.show_connections()
        dialog.move(window.x() + 300, window.y() + 160)
        form = dialog.add()
        form.choose_type("gist:apiKey")
        form.name.setText("Gist (marketing)")
        form.set_value("apiKey", gist.api_key)
        form.base_url.setText(gist.url)
        await asyncio.sleep(SETTLE)
        shoot(out / "form.png")
        form.save()
        connections = window.connections
        connections.add(connections.type_of("http:basicauth"), "Billing API",
                        {"username": "billing", "password": "pw-billing-7781"})
        connections.add(connections.type_of("http:oauth2"), "Drive (OAuth 2.0)",
                        {"authorizeUri": "https://accounts.example.com/o/oauth2/auth",
                         "tokenUri": "https://accounts.example.com/o/oauth2/token",
                         "clientId": "scenarist-desktop"})
        dialog.table.selectRow(0)
        task = dialog.test()
        assert task is not None
        await task
        await asyncio.sleep(SETTLE)
        shoot(out / "connections.png", dialog)
        dialog.close()

        editor = window.new_scenario()
        module_id = editor.document.add_module("gist:tagUntagUsersOrLeads", 200, 200)
        editor.select_modules([module_id])
        picker = editor.settings.editor_for("parameters", "__IMTCONN__")
        picker.choose(connections.list()[0].id)
        tags = editor.settings.editor_for("mapper", "name")
        await asyncio.sleep(0)
        if tags.loading is not None:
            await tags.loading
        tags.combo.showPopup()
        await asyncio.sleep(SETTLE)
        shoot(out / "picker.png")
        tags.combo.hidePopup()

        export = workspace / "export.json"
        export.write_text(json.dumps(onboarding_blueprint(4242)))
        window.workspace_panel.import_blueprint(export)
        await asyncio.sleep(SETTLE)
        shoot(out / "import.png")
        assert window.import_dialog is not None
        window.import_dialog.apply()
        await asyncio.sleep(SETTLE)
        window.run_once()  # the imported scenario, in the tab the import opened
        current = window.current_editor()
        assert current is not None
        result = await current.debugger.wait()
        print(f"run once of the import: {result.status if result else 'no run'}")
        await asyncio.sleep(SETTLE)
        shoot(out / "import-run.png")


def main() -> int:
    workspace, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    app = ensure_application()
    app.setQuitOnLastWindowClosed(False)
    QMessageBox.question = staticmethod(  # type: ignore[method-assign]
        lambda *_a: QMessageBox.StandardButton.Discard)
    window = MainWindow(workspace)
    window.resize(1600, 950)
    window.move(0, 0)
    window.show()

    async def run() -> int:
        await asyncio.sleep(SETTLE)
        await drive(window, out, workspace)
        window.discard_and_close()
        return 0

    result: int = qasync.run(run())
    return result


if __name__ == "__main__":
    sys.exit(main())
