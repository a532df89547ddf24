"""The history tests use the debugger tests' real main window and acceptance cases (their
HTTP modules pointed at a stub the test starts on 127.0.0.1)."""

from __future__ import annotations

from tests.gui.debugger.conftest import open_case, window

__all__ = ["open_case", "window"]
