"""The IML editor: colours, completion, insertion, and a cursor the model leaves alone."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCharFormat
from PySide6.QtTest import QTest

from app.gui.panels.iml_editor import ImlEditor, last_focused_editor
from app.gui.panels.iml_highlighter import FUNCTION, REFERENCE, STRING
from app.gui.panels.settings import SettingsPanel


def formats_at(editor: ImlEditor) -> dict[int, object]:
    block = editor.document().firstBlock()
    found = {}
    for r in block.layout().formats():
        for i in range(r.start, r.start + r.length):
            found[i] = QTextCharFormat(r.format)
    return found


def make_editor(qtbot, single_line: bool = False) -> ImlEditor:  # noqa: ANN001
    editor = ImlEditor(single_line=single_line)
    qtbot.addWidget(editor)
    editor.show()
    return editor


def test_references_are_pills_and_functions_and_strings_are_coloured(qtbot) -> None:  # noqa: ANN001
    editor = make_editor(qtbot)
    text = 'Hi {{upper(1.`first name`)}} {{formatDate(now; "YYYY")}}'
    editor.set_text(text)
    formats = formats_at(editor)
    ref = text.index("1.`first")
    assert formats[ref].background() == REFERENCE.background()
    assert formats[text.index("upper")].foreground() == FUNCTION.foreground()
    assert formats[text.index('"YYYY"')].foreground() == STRING.foreground()
    assert 0 not in formats  # literal text stays plain


def test_showing_a_value_is_not_an_edit_and_keeps_the_cursor(qtbot) -> None:  # noqa: ANN001
    editor = make_editor(qtbot)
    edits: list[str] = []
    editor.text_edited.connect(edits.append)
    editor.set_text("{{1.a}} and more")
    assert edits == []
    cursor = editor.textCursor()
    cursor.setPosition(3)
    editor.setTextCursor(cursor)
    editor.set_text("{{1.a}} and more")  # the model refreshed with the same value
    assert editor.textCursor().position() == 3
    QTest.keyClicks(editor, "x")
    assert edits == ["{{1x.a}} and more"]


def test_single_line_editor_refuses_newlines(qtbot) -> None:  # noqa: ANN001
    editor = make_editor(qtbot, single_line=True)
    QTest.keyClicks(editor, "a")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    QTest.keyClicks(editor, "b")
    assert editor.text() == "ab"


def test_ctrl_space_completes_functions_and_references(qtbot) -> None:  # noqa: ANN001
    editor = make_editor(qtbot)
    editor.set_completions(["4.array", "2.name"])
    QTest.keyClicks(editor, "{{forma")
    QTest.keyClick(editor, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    assert editor.completer.popup().isVisible()
    assert editor.completer.currentCompletion() == "formatDate"
    editor.completer.activated.emit(editor.completer.currentCompletion())
    assert editor.text() == "{{formatDate("
    editor.set_text("Total: ")
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    QTest.keyClicks(editor, "4.")
    QTest.keyClick(editor, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    editor.completer.activated.emit(editor.completer.currentCompletion())
    assert editor.text() == "Total: {{4.array}}"


def test_insert_text_goes_to_the_cursor_and_marks_the_editor(qtbot) -> None:  # noqa: ANN001
    editor = make_editor(qtbot)
    editor.set_text("ab")
    cursor = editor.textCursor()
    cursor.setPosition(1)
    editor.setTextCursor(cursor)
    QTest.mouseClick(editor.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, editor.cursorRect().center())
    assert last_focused_editor() is editor
    editor.insert_text("{{1.x}}")
    assert "{{1.x}}" in editor.text() and len(editor.text()) == 9


def test_an_unrelated_change_leaves_the_cursor_where_it_was(qtbot, case_document) -> None:  # noqa: ANN001
    doc = case_document("iterator-aggregator")
    panel = SettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_module(5)
    url = panel.editor_for("mapper", "url").editor
    cursor = url.textCursor()
    cursor.setPosition(8)
    url.setTextCursor(cursor)
    doc.set_field(5, "mapper", ("method",), "put")
    assert panel.editor_for("mapper", "method").combo.currentText() == "PUT"
    assert url.textCursor().position() == 8


def test_completion_lists_a_function_with_its_signature_and_what_it_does(qtbot) -> None:  # noqa: ANN001
    editor = make_editor(qtbot)
    QTest.keyClicks(editor, "{{formatD")
    QTest.keyClick(editor, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    popup = editor.completer.popup()
    assert popup.isVisible()
    shown = popup.model().data(popup.model().index(0, 0))
    assert shown.startswith("formatDate(date; format; [timezone]) — ")
    assert "date as text" in shown
    QTest.keyClick(popup, Qt.Key.Key_Down)
    QTest.keyClick(popup, Qt.Key.Key_Return)  # the name goes in, not the description
    assert editor.text() == "{{formatDate("
