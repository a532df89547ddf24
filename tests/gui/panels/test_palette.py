"""The palette and the module chooser: search, drag payload, choosing a module."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.gui.canvas.mime import MODULE_MIME, module_type_from
from app.gui.panels.module_chooser import ModuleChooser
from app.gui.panels.palette import FLOW_CONTROL, Palette
from engine.registry import default_registry


def make_palette(qtbot) -> Palette:  # noqa: ANN001
    palette = Palette(default_registry())
    qtbot.addWidget(palette)
    palette.show()
    qtbot.waitExposed(palette)
    return palette


def test_flow_control_lists_the_builtins_and_no_error_directives(qtbot) -> None:  # noqa: ANN001
    palette = make_palette(qtbot)
    flow = palette.tree.topLevelItem(0)
    assert flow.text(0) == FLOW_CONTROL
    labels = [flow.child(i).text(0) for i in range(flow.childCount())]
    assert labels == ["Router", "If-else", "Merge", "Iterator", "Array aggregator", "Repeater"]
    shown = palette.visible_types()
    assert not {"builtin:Ignore", "builtin:Resume", "builtin:Break"} & set(shown)
    assert "http:MakeRequest" in shown


def test_typing_in_the_search_box_filters_by_label_id_and_app(qtbot) -> None:  # noqa: ANN001
    palette = make_palette(qtbot)
    QTest.keyClicks(palette.search, "request")
    assert "http:MakeRequest" in palette.visible_types()
    assert "util:SetVariable2" not in palette.visible_types()

    palette.search.clear()
    QTest.keyClicks(palette.search, "data store")  # the app's name
    assert palette.visible_types() and all(
        t.startswith("datastore:") for t in palette.visible_types()
    )

    palette.search.clear()
    QTest.keyClicks(palette.search, "SetVariable2")  # the module id
    assert palette.visible_types() == ["util:SetVariable2"]

    palette.search.clear()
    QTest.keyClicks(palette.search, "no such module")
    assert palette.visible_types() == []
    assert all(palette.tree.topLevelItem(i).isHidden()
               for i in range(palette.tree.topLevelItemCount()))


def test_dragging_a_module_carries_its_type(qtbot) -> None:  # noqa: ANN001
    palette = make_palette(qtbot)
    item = palette.item_for("http:MakeRequest")
    data = palette.tree.mimeData([item])
    assert palette.tree.mimeTypes() == [MODULE_MIME]
    assert bytes(data.data(MODULE_MIME).data()).decode("utf-8") == "http:MakeRequest"
    assert module_type_from(data) == "http:MakeRequest"  # what the canvas reads on drop
    assert item.flags() & Qt.ItemFlag.ItemIsDragEnabled


def test_double_click_chooses_a_module(qtbot) -> None:  # noqa: ANN001
    palette = make_palette(qtbot)
    item = palette.item_for("util:ComposeTransformer")
    palette.tree.scrollToItem(item)
    center = palette.tree.visualItemRect(item).center()
    viewport = palette.tree.viewport()
    with qtbot.waitSignal(palette.module_chosen) as signal:
        # Qt 6 needs the press of the first click before the double-click event.
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         center)
        QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                          center)
    assert signal.args == ["util:ComposeTransformer"]


def test_module_chooser_search_then_enter_returns_the_type(qtbot) -> None:  # noqa: ANN001
    chooser = ModuleChooser(default_registry())
    qtbot.addWidget(chooser)
    chooser.popup(QPoint(10, 10))
    QTest.keyClicks(chooser.search, "iterator")
    assert chooser.visible_types() == ["builtin:BasicFeeder"]
    with qtbot.waitSignal(chooser.chosen) as signal:
        QTest.keyClick(chooser.search, Qt.Key.Key_Return)
    assert signal.args == ["builtin:BasicFeeder"]
    assert chooser.result == "builtin:BasicFeeder"
    assert not chooser.isVisible()


def test_search_ranks_an_exact_name_first_and_enter_adds_it(qtbot) -> None:  # noqa: ANN001
    palette = make_palette(qtbot)
    chosen: list[str] = []
    palette.module_chosen.connect(chosen.append)
    QTest.keyClicks(palette.search, "set variable")
    assert palette.visible_types()[0] == "util:SetVariable2"  # "Set variable", exactly
    assert palette.best_match() == "util:SetVariable2"
    assert palette.tree.currentItem().text(0) == "Set variable"
    QTest.keyClick(palette.search, Qt.Key.Key_Return)
    assert chosen == ["util:SetVariable2"]
    palette.search.clear()
    assert palette.tree.topLevelItem(0).text(0) == FLOW_CONTROL  # the usual order again
