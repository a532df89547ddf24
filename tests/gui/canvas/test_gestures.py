"""Mouse and keyboard gestures on the real viewport, each ending in one undo step."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from tests.gui.canvas.helpers import click, drag


def position(document, module_id):
    view = document.graph().modules[module_id]
    return view.x, view.y


def test_dragging_a_module_is_one_undo_step(qtbot, view, document):
    scene = view.canvas()
    steps = document.undo_stack.count()
    drag(view, scene.modules[2].pos(), QPointF(360, 90), steps=12)
    assert document.undo_stack.count() == steps + 1
    assert position(document, 2) == (360, 90)
    link = scene.link_item(2, 3)
    assert link.curve().pointAtPercent(0) == scene.modules[2].output_scene_pos()
    document.undo_stack.undo()
    assert position(document, 2) == (300, 0)
    assert (scene.modules[2].x(), scene.modules[2].y()) == (300, 0)


def test_dragging_a_selection_moves_all_of_it_in_one_step(qtbot, view, document):
    scene = view.canvas()
    click(view, scene.modules[4].pos())
    QTest.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        view.mapFromScene(QPointF(900, 150)),
    )
    assert scene.selected_ids() == [4, 5]
    steps = document.undo_stack.count()
    drag(view, QPointF(900, 150), QPointF(950, 200))
    assert document.undo_stack.count() == steps + 1
    assert position(document, 4) == (950, 50) and position(document, 5) == (950, 200)
    assert position(document, 6) == (900, 300)


def test_wiring_two_modules_by_mouse_links_them_and_undo_unlinks(qtbot, view, document):
    scene = view.canvas()
    new_id = document.add_module("util:SetVariable2", 1200, 300)
    handle = scene.modules[6].handle_scene_pos()
    steps = document.undo_stack.count()
    drag(view, handle, scene.modules[new_id].pos(), steps=10)
    assert document.undo_stack.count() == steps + 1
    assert scene.link_item(6, new_id) is not None
    assert scene.interaction is None
    document.undo_stack.undo()
    assert scene.link_item(6, new_id) is None
    assert new_id in scene.modules


def test_rubber_curve_shows_while_wiring(qtbot, view, document):
    scene = view.canvas()
    viewport = view.viewport()
    start = view.mapFromScene(scene.modules[6].handle_scene_pos())
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, start + (view.mapFromScene(QPointF(1200, 500)) - start))
    rubber = scene.interaction.rubber
    assert rubber.scene() is scene and rubber.path().length() > 100
    QTest.mouseRelease(
        viewport,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        view.mapFromScene(QPointF(1200, 500)),
    )
    assert rubber.scene() is None  # released on empty canvas: no link, no undo step
    assert document.undo_stack.count() == 0


def test_an_invalid_link_is_reported_and_changes_nothing(qtbot, view, document):
    scene = view.canvas()
    with qtbot.waitSignal(scene.error) as blocker:
        drag(view, scene.modules[5].handle_scene_pos(), scene.modules[4].pos())
    assert "already has an incoming link" in blocker.args[0]
    assert document.undo_stack.count() == 0


def test_clicking_the_plus_after_the_last_module_asks_for_a_module(qtbot, view):
    scene = view.canvas()
    with qtbot.waitSignal(scene.add_after_requested) as blocker:
        click(view, scene.modules[4].handle_scene_pos())
    assert blocker.args[0] == 4
    # a module with a successor has no "+"
    with qtbot.assertNotEmitted(scene.add_after_requested):
        click(view, scene.modules[2].handle_scene_pos())


def test_shift_drag_selects_the_modules_it_covers(qtbot, view):
    scene = view.canvas()
    drag(view, QPointF(800, -90), QPointF(1010, 200), modifier=Qt.KeyboardModifier.ShiftModifier)
    assert scene.selected_ids() == [4, 5]


def test_dragging_the_empty_canvas_pans_as_in_make(qtbot, view):
    scene = view.canvas()
    click(view, scene.modules[4].pos())
    before = view.visible_scene_rect().center()
    drag(view, QPointF(800, -90), QPointF(600, -40))
    after = view.visible_scene_rect().center()
    assert abs((after - before).x() - 200) <= 2 and abs((after - before).y() + 50) <= 2
    assert scene.selected_ids() == [4]  # panning keeps the selection
    click(view, QPointF(800, -90))  # a click on the empty canvas clears it
    assert scene.selected_ids() == []


def test_right_click_on_a_module_keeps_it_selected(qtbot, view):
    scene = view.canvas()
    click(view, scene.modules[4].pos())
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier, view.mapFromScene(scene.modules[5].pos()))
    assert scene.selected_ids() == [4, 5]
    QTest.mousePress(view.viewport(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                     view.mapFromScene(scene.modules[5].pos()))
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.RightButton,
                       Qt.KeyboardModifier.NoModifier, view.mapFromScene(scene.modules[5].pos()))
    assert scene.selected_ids() == [4, 5]  # the selection the menu acts on
    QTest.mousePress(view.viewport(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                     view.mapFromScene(scene.modules[6].pos()))
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.RightButton,
                       Qt.KeyboardModifier.NoModifier, view.mapFromScene(scene.modules[6].pos()))
    assert scene.selected_ids() == [6]  # another module: that one, selected


def test_delete_key_deletes_the_selection(qtbot, view, document):
    scene = view.canvas()
    click(view, scene.modules[5].pos())
    assert scene.selected_ids() == [5]
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert 5 not in document.graph().modules and 5 not in scene.modules
    click(view, scene.modules[6].pos())
    QTest.keyClick(view, Qt.Key.Key_Backspace)
    assert 6 not in scene.modules
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert {5, 6} <= set(scene.modules)


def test_clicking_a_funnel_asks_for_the_filter_of_the_target(qtbot, view):
    scene = view.canvas()
    with qtbot.waitSignal(scene.filter_requested) as blocker:
        click(view, scene.link_item(3, 5).funnel_scene_pos())
    assert blocker.args == [5]


def test_selecting_a_module_activates_it_for_the_settings_panel(qtbot, view):
    scene = view.canvas()
    with qtbot.waitSignal(scene.module_activated) as blocker:
        click(view, scene.modules[2].pos())
    assert blocker.args == [2]
    with qtbot.waitSignal(scene.module_activated) as blocker:
        QTest.mouseDClick(
            view.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            view.mapFromScene(QPointF(300, 0)),
        )
    assert blocker.args == [2]


def test_link_menu_sets_the_fallback_and_removes_links(qtbot, view, document):
    scene = view.canvas()
    menu = scene.link_menu(scene.link_item(3, 5).link)
    actions = {a.text(): a for a in menu.actions()}
    assert {"Set up a filter", "Set as fallback route", "Remove link"} <= set(actions)
    actions["Set as fallback route"].trigger()
    assert scene.link_item(3, 5).link.fallback and not scene.link_item(3, 4).link.fallback
    menu = scene.link_menu(scene.link_item(3, 6).link)
    {a.text(): a for a in menu.actions()}["Remove link"].trigger()
    assert scene.link_item(3, 6) is None and 6 in scene.modules  # now unattached
    flow_menu = scene.link_menu(scene.link_item(1, 2).link)
    assert "Set as fallback route" not in [a.text() for a in flow_menu.actions()]


def test_module_menu_adds_error_handlers_renames_and_notes(qtbot, view, document):
    scene = view.canvas()
    scene.prompt_text = lambda title, label, text, multiline: (
        "Send it" if title == "Rename module" else "Calls the fallback API"
    )
    menu = scene.module_menu(4)
    actions = {a.text(): a for a in menu.actions()}
    handlers = {a.text(): a for a in actions["Add error handler"].menu().actions()}
    assert list(handlers) == ["Ignore", "Resume", "Commit", "Rollback", "Break"]
    handlers["Ignore"].trigger()
    (onerror,) = [i for i in scene.link_items() if i.link.kind == "onerror"]
    assert onerror.link.source == 4 and onerror.badge == "Ig"
    actions["Rename"].trigger()
    assert scene.modules[4].look.label == "Send it"
    actions["Add a note"].trigger()
    assert [n.text for n in scene.notes] == ["Calls the fallback API"]
    actions["Delete"].trigger()
    assert 4 not in scene.modules
