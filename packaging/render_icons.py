"""Render resources/app-icon/scenarist.svg into the hicolor PNG sizes a desktop looks up.

`python packaging/render_icons.py OUT_DIR` writes OUT_DIR/<N>x<N>/apps/scenarist.png for each
size, and OUT_DIR/scalable/apps/scenarist.svg (the source itself). Qt renders offscreen, so
no display is needed.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

SOURCE = Path(__file__).resolve().parents[1] / "resources" / "app-icon" / "scenarist.svg"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256)


def render(out: Path) -> list[Path]:
    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {SOURCE} is not a valid SVG")
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = out / f"{size}x{size}" / "apps" / "scenarist.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            raise SystemExit(f"render_icons: could not write {target}")
        written.append(target)
    scalable = out / "scalable" / "apps" / "scenarist.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, scalable)
    return [*written, scalable]


if __name__ == "__main__":
    for path in render(Path(sys.argv[1])):
        print(path)
