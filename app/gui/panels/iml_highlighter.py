"""Colours for IML text: `{{ }}`, module references as pills, functions, strings, operators,
keywords, and a red underline where the parser failed.

Lexical on purpose: text being typed is often invalid, and colours must not flicker while it
is. `{{...}}` may span lines, so a block's state says whether it ends inside an expression.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from engine.iml.compiler import SPECIAL_FUNCTIONS
from engine.iml.functions import FUNCTIONS
from engine.iml.keywords import KEYWORDS, NAMED_ROOTS

_OUTSIDE, _INSIDE = 0, 1

_SEGMENT = r"(?:`[^`]*`|[A-Za-z_$][\w$]*|\d+)"
_TOKEN = re.compile(
    rf"""
    (?P<string>"(?:[^"\\]|\\.)*"?)
  | (?P<ref>(?:`\d+`|\d+)(?:(?:\.{_SEGMENT})|\[[^\]]*\])+|`\d+`)
  | (?P<func>[A-Za-z_]\w*(?=\s*\())
  | (?P<word>[A-Za-z_][\w$]*(?:\.{_SEGMENT}|\[[^\]]*\])*)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<op>!=|<=|>=|[=<>&|+\-*/%;])
    """,
    re.VERBOSE,
)


def _format(color: str, *, background: str | None = None, bold: bool = False,
            italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if background:
        fmt.setBackground(QColor(background))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


BRACE = _format("#6d00cc", bold=True)
REFERENCE = _format("#4b0090", background="#ecdcfb")  # Make shows mapped values as pills
FUNCTION = _format("#0b5cad", bold=True)
UNKNOWN_FUNCTION = _format("#0b5cad", italic=True)
STRING = _format("#1a7f37")
NUMBER = _format("#0550ae")
OPERATOR = _format("#b35900", bold=True)
KEYWORD = _format("#8250df", italic=True)


def find_close(text: str, start: int) -> int:
    """Index of the `}}` closing an expression that starts at `start`, or -1 (skips strings)."""
    i = start
    while i < len(text):
        if text.startswith("}}", i):
            return i
        if text[i] == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            i += 1
    return -1


class ImlHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.error_offset: int | None = None  # 0-based in the whole text

    def set_error_offset(self, offset: int | None) -> None:
        if offset != self.error_offset:
            self.error_offset = offset
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        inside = self.previousBlockState() == _INSIDE
        i = 0
        while i < len(text):
            if not inside:
                j = text.find("{{", i)
                if j < 0:
                    break
                self.setFormat(j, 2, BRACE)
                i, inside = j + 2, True
                continue
            close = find_close(text, i)
            self._expression(text, i, close if close >= 0 else len(text))
            if close < 0:
                break
            self.setFormat(close, 2, BRACE)
            i, inside = close + 2, False
        self.setCurrentBlockState(_INSIDE if inside else _OUTSIDE)
        self._underline_error(text)

    def _expression(self, text: str, start: int, end: int) -> None:
        for match in _TOKEN.finditer(text, start, end):
            kind = match.lastgroup
            at, length = match.start(), match.end() - match.start()
            if kind == "func":
                known = match.group() in FUNCTIONS or match.group() in SPECIAL_FUNCTIONS
                self.setFormat(at, length, FUNCTION if known else UNKNOWN_FUNCTION)
            elif kind == "word":
                root = match.group().split(".", 1)[0]
                if match.group() in KEYWORDS:
                    self.setFormat(at, length, KEYWORD)
                elif root in NAMED_ROOTS and "." in match.group():
                    self.setFormat(at, length, REFERENCE)
            elif kind == "ref":
                self.setFormat(at, length, REFERENCE)
            elif kind == "string":
                self.setFormat(at, length, STRING)
            elif kind == "number":
                self.setFormat(at, length, NUMBER)
            elif kind == "op":
                self.setFormat(at, length, OPERATOR)

    def _underline_error(self, text: str) -> None:
        if self.error_offset is None:
            return
        block = self.currentBlock()
        offset = self.error_offset - block.position()
        if not 0 <= offset <= len(text) or (offset == len(text) and block.next().isValid()):
            return
        if offset == len(text):  # the error is at the very end: mark the last character
            offset = max(0, len(text) - 1)
        end = offset + 1
        while end < len(text) and not text[end].isspace():
            end += 1
        for i in range(offset, max(end, offset + 1)):
            fmt = QTextCharFormat(self.format(i))
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor("#d1242f"))
            self.setFormat(i, 1, fmt)
