"""The mapping text editor: IML highlighting, inline parse errors, completion, insertion.

`ImlEditor` is multi-line; `single_line=True` keeps it one line high and refuses newlines
(Make's short text fields). It emits `text_edited` only for the user's own edits, never
when the model's value is shown (`set_text`), so showing a value never writes it back.

A mapped field reads as Make shows it: each `{{1.__IMTMETHOD__}}` whose field is known is
drawn as a pill with the field's label ("1. Method") over its text, until the cursor is
in it (then the IML itself is there to edit). The text, and so the blueprint, is unchanged.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable

import shiboken6
from PySide6.QtCore import QMimeData, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFocusEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QStandardItemModel,
    QTextCursor,
)
from PySide6.QtWidgets import QCompleter, QPlainTextEdit, QWidget

from app.gui.panels.iml_completions import NAME_ROLE, fill_completions
from app.gui.panels.iml_highlighter import ImlHighlighter
from engine.errors import IMLError
from engine.iml import compile_template
from engine.iml.compiler import SPECIAL_FUNCTIONS
from engine.iml.functions import FUNCTIONS

_last_focused: weakref.ref[ImlEditor] | None = None
_WORD_BEFORE = re.compile(r"[\w.`$\[\]]*$")
_REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")
_PILL = QColor("#ecdcfb")
_PILL_TEXT = QColor("#4b0090")


def last_focused_editor() -> ImlEditor | None:
    """The IML editor the user was last in (where the mapping picker inserts)."""
    editor = _last_focused() if _last_focused is not None else None
    if editor is None or not shiboken6.isValid(editor) or editor.isReadOnly():
        return None
    return editor


def validate(text: str) -> IMLError | None:
    try:
        compile_template(text)
    except IMLError as error:
        return error
    return None


def inside_expression(text: str, position: int) -> bool:
    """Whether `position` sits inside an unclosed `{{`."""
    before = text[:position]
    return before.rfind("{{") > before.rfind("}}")


_POPUP_MAX_WIDTH = 620  # signatures with their one-line descriptions
_LINES = 4  # the height a multi-line editor asks for

_UNDO_REDO = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)


def _is_undo_redo(event: QKeyEvent) -> bool:
    ctrl = Qt.KeyboardModifier.ControlModifier
    ctrl_y = event.key() == Qt.Key.Key_Y and event.modifiers() == ctrl
    return ctrl_y or any(event.matches(k) for k in _UNDO_REDO)


class ImlEditor(QPlainTextEdit):
    text_edited = Signal(str)  # the user's edits only
    error_changed = Signal(object)  # IMLError | None

    def __init__(self, parent: QWidget | None = None, *, single_line: bool = False) -> None:
        super().__init__(parent)
        self.single_line = single_line
        self._showing = False
        self._error: IMLError | None = None
        self._last_text = ""
        self._labels: dict[str, str] = {}  # "1.__IMTMETHOD__" -> "1. Method"
        self.highlighter = ImlHighlighter(self.document())
        self.setTabChangesFocus(True)
        # The document's undo stack owns undo: Ctrl+Z here undoes the typed step (merged
        # keystrokes) through the window's Undo action, like everywhere else in the editor.
        self.setUndoRedoEnabled(False)
        if single_line:
            self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            margins = int(self.document().documentMargin() * 2) + self.frameWidth() * 2
            self.setFixedHeight(self.fontMetrics().lineSpacing() + margins + 2)
        else:
            self.setMinimumHeight(self.fontMetrics().lineSpacing() * 3)
        self._completions = QStandardItemModel(self)
        fill_completions(self._completions)
        self.completer = QCompleter(self._completions, self)
        self.completer.setCompletionRole(NAME_ROLE)  # matched by name, shown with signature
        self.completer.setWidget(self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.activated.connect(self._complete)
        self.textChanged.connect(self._on_text_changed)

    # ------------------------------------------------------------------ values

    def text(self) -> str:
        return self.toPlainText()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """A few lines high (QPlainTextEdit asks for ~12): forms stay compact and the
        editor grows only when its panel has room to spare."""
        hint = super().sizeHint()
        if self.single_line:
            return hint
        margins = int(self.document().documentMargin() * 2) + self.frameWidth() * 2
        return QSize(hint.width(), self.fontMetrics().lineSpacing() * _LINES + margins)

    def set_text(self, text: str) -> None:
        """Show the model's value; the cursor stays put when the text is unchanged."""
        if text == self.toPlainText():
            return
        self._showing = True
        try:
            self.setPlainText(text)
            self.moveCursor(QTextCursor.MoveOperation.End)
        finally:
            self._showing = False

    def insert_text(self, text: str) -> None:
        """Insert at the cursor, as if typed (so it is one edit of the field)."""
        if self.single_line:
            text = text.replace("\n", " ")
        self.textCursor().insertText(text)
        self.setFocus()

    def error(self) -> IMLError | None:
        return self._error

    def set_labels(self, labels: dict[str, str]) -> None:
        """The labels mapped fields are shown with ("1.name" -> "1. Name")."""
        self._labels = labels
        self.viewport().update()

    def pills(self) -> list[tuple[int, int, str]]:
        """(start, end, label) of every mapping drawn as a pill now."""
        found = []
        text = self.toPlainText()
        cursor = self.textCursor().position() if self.hasFocus() else -1
        for match in _REFERENCE.finditer(text):
            label = self._labels.get(match[1].strip())
            if label is not None and not match.start() <= cursor <= match.end():
                found.append((match.start(), match.end(), label))
        return found

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        super().paintEvent(event)
        if not self._labels:
            return
        pills = self.pills()
        if not pills:
            return
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        at = QTextCursor(self.document())
        for start, end, label in pills:
            at.setPosition(start)
            left = self.cursorRect(at)
            at.setPosition(end)
            right = self.cursorRect(at)
            if left.top() != right.top():
                continue  # wrapped over two lines: the text stays as it is
            rect = QRect(left.left(), left.top(), right.left() - left.left() + 1,
                         left.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_PILL)
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(_PILL_TEXT)
            painter.drawText(rect.adjusted(3, 0, -2, 0),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(label, Qt.TextElideMode.ElideRight,
                                                max(0, rect.width() - 5)))
        painter.end()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        super().focusOutEvent(event)
        self.viewport().update()  # the mapping edited becomes a pill again

    def set_completions(self, words: Iterable[str]) -> None:
        """References and names offered by Ctrl+Space (function names are always there)."""
        fill_completions(self._completions, words)

    def _on_text_changed(self) -> None:
        text = self.toPlainText()
        if text == self._last_text:  # re-highlighting also reports a change: ignore it
            return
        self._last_text = text
        error = validate(text)
        if (error is None) != (self._error is None) or (
            error is not None and self._error is not None
            and (error.message, error.column) != (self._error.message, self._error.column)
        ):
            self._error = error
            offset = None if error is None or error.column is None else error.column - 1
            self.highlighter.set_error_offset(offset)
            self.error_changed.emit(error)
        if not self._showing:
            self.text_edited.emit(text)

    # ---------------------------------------------------------- user interaction

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        self._remember()
        super().focusInEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self._remember()
        super().mousePressEvent(event)
        if self._labels:
            self.viewport().update()

    def _remember(self) -> None:
        global _last_focused
        _last_focused = weakref.ref(self)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if self._labels:
            self.viewport().update()  # the cursor may enter or leave a pill
        if _is_undo_redo(event):
            self._window_shortcut(event)  # the document's Undo/Redo, not the text's
            return
        popup = self.completer.popup()
        keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_Tab)
        if popup.isVisible() and event.key() in keys:
            event.ignore()  # the completer handles these
            return
        if event.key() == Qt.Key.Key_Space and event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier
        ):
            self.show_completions()
            return
        if self.single_line and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.ignore()
            return
        super().keyPressEvent(event)

    def _window_shortcut(self, event: QKeyEvent) -> bool:
        """Trigger the window's action for this key (Undo, Redo), if it has one."""
        pressed = QKeySequence(event.keyCombination())
        exact = QKeySequence.SequenceMatch.ExactMatch
        for action in self.window().findChildren(QAction):
            if action.isEnabled() and any(k.matches(pressed) == exact for k in action.shortcuts()):
                action.trigger()
                return True
        return False

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 (Qt override)
        if self.single_line and source.hasText():
            self.insertPlainText(source.text().replace("\r", "").replace("\n", " "))
            return
        super().insertFromMimeData(source)

    def show_completions(self) -> None:
        self.completer.setCompletionPrefix(self._prefix())
        rect = self.cursorRect()
        rect.setWidth(min(_POPUP_MAX_WIDTH,
                          max(220, self.completer.popup().sizeHintForColumn(0) + 24)))
        self.completer.complete(rect)

    def _prefix(self) -> str:
        cursor = self.textCursor()
        line = cursor.block().text()[: cursor.positionInBlock()]
        match = _WORD_BEFORE.search(line)
        return match.group() if match else ""

    def _complete(self, completion: str) -> None:
        cursor = self.textCursor()
        prefix = self._prefix()
        cursor.movePosition(
            QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, len(prefix)
        )
        inside = inside_expression(self.toPlainText(), cursor.selectionStart())
        is_function = completion in FUNCTIONS or completion in SPECIAL_FUNCTIONS
        text = completion + ("(" if is_function else "")
        cursor.insertText(text if inside else "{{" + text + ("" if is_function else "}}"))
        self.setTextCursor(cursor)
