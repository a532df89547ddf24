"""The side panels fit their docks: the settings form wraps at the dock's width (no sideways
scrolling for any module), and the palette elides long labels (with the full text in the
tooltip) instead of scrolling sideways."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.gui.editor import PALETTE_WIDTH, SETTINGS_WIDTH
from app.gui.panels.palette import Palette
from app.gui.panels.settings import SettingsPanel
from engine.registry import default_registry


@pytest.fixture(scope="module")
def module_types() -> list[str]:
    return sorted(spec.id for spec in default_registry().all())


def test_every_module_form_fits_the_settings_dock(qtbot, empty_document, module_types) -> None:  # noqa: ANN001
    doc = empty_document
    panel = SettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(SETTINGS_WIDTH - 20, 800)  # the dock's frame and margins
    panel.show()
    too_wide = {}
    for module_type in module_types:
        panel.show_module(doc.add_module(module_type, 0, 0))
        content = panel.scroll.widget()
        room = panel.scroll.viewport().width()
        if content.minimumSizeHint().width() > room:
            too_wide[module_type] = content.minimumSizeHint().width()
    assert too_wide == {}
    assert panel.scroll.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff


def test_a_long_field_label_wraps_instead_of_widening_the_form(qtbot, empty_document) -> None:  # noqa: ANN001
    doc = empty_document
    panel = SettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(SETTINGS_WIDTH - 20, 800)
    panel.show()
    panel.show_module(doc.add_module("regexp:Parser", 0, 0))
    qtbot.wait(1)
    labels = [w for w in panel.scroll.widget().findChildren(type(panel.title))
              if w.text().startswith("Continue the execution")]
    assert labels and labels[0].wordWrap()
    assert labels[0].width() <= panel.scroll.viewport().width()


def test_palette_labels_are_elided_at_the_dock_width(qtbot) -> None:  # noqa: ANN001
    palette = Palette(default_registry())
    qtbot.addWidget(palette)
    palette.resize(PALETTE_WIDTH - 20, 700)
    palette.show()
    qtbot.waitExposed(palette)
    tree = palette.tree
    assert tree.horizontalScrollBar().maximum() == 0
    assert tree.columnCount() == 1
    longest = max(tree.module_items(), key=lambda item: len(item.text(0)))
    assert tree.visualItemRect(longest).right() <= tree.viewport().width()
    assert tree.textElideMode() == Qt.TextElideMode.ElideRight
    assert longest.text(0) in longest.toolTip(0)
