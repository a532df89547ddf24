"""A person who knows Make builds webhook → filter "Only POST" → HTTP in the window, with
the mouse and the keyboard only, and never types IML: every mapping is picked from a
mapping panel. Shared by the pytest-qt test and scripts/make_user_window.py (the same steps
in a real X window, for a screenshot).

Everything goes through the real widgets: the palette's search box and its own drag
payload dropped on the canvas viewport (a real QDrag cannot run offscreen, so the drop
events are sent to the viewport), a link drawn from the connector handle, the funnel, the
filter dialog with its mapping panel, labelled dropdowns, Run once and its webhook dialog.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QToolBar, QTreeWidgetItem, QWidget

from app.gui.editor import ScenarioEditor
from app.gui.main_window import MainWindow
from app.gui.panels.mapping_picker import MappingPicker

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier
SAMPLE = '{"name": "Ada", "email": "ada@example.com"}'

Pause = Callable[[str], Awaitable[None]]  # between steps: a script lets the window paint


async def _no_pause(_step: str) -> None:
    await asyncio.sleep(0)


async def until(condition: Callable[[], object], timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting")


# ---------------------------------------------------------------------- gestures


def click_action(window: MainWindow, action: Any) -> None:
    toolbar = window.findChild(QToolBar, "main_toolbar")
    assert toolbar is not None
    QTest.mouseClick(toolbar.widgetForAction(action), LEFT)


def viewport_point(editor: ScenarioEditor, scene_pos: QPointF) -> QPoint:
    view: Any = editor.view
    point: QPoint = view.mapFromScene(scene_pos)
    assert view.viewport().rect().contains(point), f"{scene_pos} is off screen"
    return point


def drop_from_palette(editor: ScenarioEditor, module_type: str, search: str,
                      scene_pos: QPointF) -> int:
    """Search the palette, take the best match's drag payload, drop it on the canvas."""
    palette: Any = editor.palette
    palette.search.clear()
    QTest.keyClicks(palette.search, search)
    assert palette.best_match() == module_type, palette.visible_types()[:3]
    mime = palette.tree.mimeData([palette.item_for(module_type)])
    viewport = editor.view.viewport()  # type: ignore[attr-defined]
    pos = viewport_point(editor, scene_pos)
    copy = Qt.DropAction.CopyAction
    before = set(editor.document.graph().modules)
    QApplication.sendEvent(viewport, QDragEnterEvent(pos, copy, mime, LEFT, NO_MOD))
    QApplication.sendEvent(viewport, QDragMoveEvent(pos, copy, mime, LEFT, NO_MOD))
    drop = QDropEvent(QPointF(pos), copy, mime, LEFT, NO_MOD)
    QApplication.sendEvent(viewport, drop)
    assert drop.isAccepted()
    [added] = set(editor.document.graph().modules) - before
    palette.search.clear()
    return added


def wire(editor: ScenarioEditor, source: int, target: int) -> None:
    """Press on the source's connector handle, move over the target, release."""
    canvas: Any = editor.canvas
    viewport = editor.view.viewport()  # type: ignore[attr-defined]
    start = viewport_point(editor, canvas.modules[source].handle_scene_pos())
    end = viewport_point(editor, canvas.modules[target].pos())
    QTest.mousePress(viewport, LEFT, NO_MOD, start)
    for k in range(1, 9):
        QTest.mouseMove(viewport, start + (end - start) * k / 8)
    QTest.mouseRelease(viewport, LEFT, NO_MOD, end)


def select(editor: ScenarioEditor, module_id: int) -> Any:
    """Click the bubble: the settings panel shows its form."""
    canvas: Any = editor.canvas
    QTest.mouseClick(editor.view.viewport(), LEFT, NO_MOD,  # type: ignore[attr-defined]
                     viewport_point(editor, canvas.modules[module_id].pos()))
    settings: Any = editor.settings
    assert settings.module_id == module_id
    return settings


def click_in(widget: QWidget) -> None:
    target = getattr(widget, "viewport", None)
    QTest.mouseClick(target() if callable(target) else widget, LEFT, NO_MOD, QPoint(8, 8))


def type_into(widget: QWidget, text: str) -> None:
    click_in(widget)
    QTest.keyClicks(widget, text)


def choose(combo: QComboBox, label: str) -> None:
    """Open the dropdown and click the option by its label, as a person does."""
    index = combo.findText(label)
    assert index >= 0, f"{label!r} not in {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setFocus()
    combo.showPopup()
    view = combo.view()
    rect = view.visualRect(view.model().index(index, 0))
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, rect.center())
    assert combo.currentText() == label


def pick(picker: MappingPicker, module_id: int, name: str) -> QTreeWidgetItem:
    """Click an output in a mapping panel (it goes where the user was typing)."""
    item = picker.field_item(module_id, name)
    assert item is not None, f"{module_id}.{name} is not offered"
    picker.tree.scrollToItem(item)
    QTest.mouseClick(picker.tree.viewport(), LEFT, NO_MOD,
                     picker.tree.visualItemRect(item).center())
    return item


async def run_once(window: MainWindow, editor: ScenarioEditor, answer: Callable[[Any], Any]
                   ) -> None:
    """Run once: the webhook dialog waits; `answer(dialog)` sends or pastes a request."""
    session: Any = editor.debugger  # type: ignore[attr-defined]
    click_action(window, window.act_run_once)
    await until(lambda: session.wait_dialog is not None and session.wait_dialog.url.text())
    result = answer(session.wait_dialog)
    if asyncio.iscoroutine(result):
        await result
    await session.wait()


def paste_sample(dialog: Any) -> None:
    dialog.payload.setPlainText(SAMPLE)
    QTest.mouseClick(dialog.run_button, LEFT)


def send(method: str, body: dict[str, Any] | None = None
         ) -> Callable[[Any], Awaitable[httpx.Response]]:
    async def answer(dialog: Any) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.request(method, dialog.url.text(), json=body,
                                        params={"name": "Ada"} if body is None else None)

    return answer


# -------------------------------------------------------------------------- story


async def build_webhook_filter_http(window: MainWindow, url: str,
                                    pause: Pause = _no_pause) -> ScenarioEditor:
    """Webhook (with its request method) → filter "Only POST" → HTTP POST of the caller's
    name as JSON to `url`; returns the tab."""
    click_action(window, window.act_new)
    editor = window.current_editor()
    assert editor is not None
    await pause("new scenario")

    # 1. The trigger, set to pass on the request's method (its advanced settings).
    hook = drop_from_palette(editor, "gateway:CustomWebHook", "custom webhook",
                             QPointF(-150, 0))
    settings = select(editor, hook)
    QTest.mouseClick(settings.advanced_toggle, LEFT, NO_MOD, QPoint(6, 6))
    QTest.mouseClick(settings.editor_for("parameters", "method").checkbox, LEFT, NO_MOD,
                     QPoint(6, 6))
    await pause("webhook")

    # 2. Run once with a sample request: the Mapping panel learns the body's fields.
    await run_once(window, editor, paste_sample)
    await pause("sample run")

    # 3. The HTTP module, linked after the webhook.
    http = drop_from_palette(editor, "http:MakeRequest", "make a request", QPointF(150, 0))
    wire(editor, hook, http)
    await pause("linked")

    # 4. The filter: click the funnel, pick "Method" from the panel beside the dialog.
    canvas: Any = editor.canvas
    QTest.mouseClick(editor.view.viewport(), LEFT, NO_MOD,  # type: ignore[attr-defined]
                     viewport_point(editor, canvas.link_item(hook, http).funnel_scene_pos()))
    dialog = editor.filter_dialog
    assert dialog is not None and dialog.picker is not None
    type_into(dialog.name, "Only POST")
    row = dialog.groups[0].rows[0]
    click_in(row.a)
    pick(dialog.picker, hook, "__IMTMETHOD__")
    choose(row.operator, "Text operators: Equal to")
    type_into(row.b, "POST")
    assert row.a.text() == "{{1.__IMTMETHOD__}}"  # Make's IML in the blueprint...
    assert [label for _s, _e, label in row.a.pills()] == ["1. Method"]  # ...shown as a pill
    await pause("filter")
    QTest.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), LEFT)

    # 5. The request: URL typed, labelled dropdowns, the body's name picked from the panel.
    settings = select(editor, http)
    type_into(settings.editor_for("mapper", "url").editor, url)
    choose(settings.editor_for("mapper", "method").combo, "POST")
    choose(settings.editor_for("mapper", "contentType").combo, "JSON (application/json)")
    choose(settings.editor_for("mapper", "inputMethod").combo, "JSON string")
    body = settings.editor_for("mapper", "jsonStringBodyContent").editor
    type_into(body, '{"name": "')
    pick(editor.mapping, hook, "name")  # type: ignore[arg-type]
    QTest.keyClicks(body, '"}')
    await pause("http")
    return editor
