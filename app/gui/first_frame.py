"""Reads that can wait until the window's first frame is on screen.

`scenarist open` builds the whole window before showing it. What its first frame shows of
the databases (the history list's first page, the workspace list's status lines, how many
incomplete executions wait, the theme) is read with sqlite3 alone (engine.store.peek); the
usual reads, through SQLAlchemy (a third of a second to load), come just after that frame:
`later(fn)` queues them, and the window's first paint runs the queue from the event loop
once the frame is out. While nothing waits (tests build windows without showing them),
`later` runs at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

TIMEOUT_S = 2.0


class FirstFrame(QObject):
    def __init__(self, window: QWidget, waiting: bool) -> None:
        super().__init__(window)
        self.waiting = waiting
        self._queue: dict[object, Callable[[], object]] = {}
        self._reached: list[asyncio.Future[None]] = []
        if waiting:
            window.installEventFilter(self)

    def later(self, fn: Callable[[], object]) -> None:
        """Call `fn` after the first frame (once, however often it was asked for), or now
        when that frame is out."""
        if self.waiting:
            self._queue.setdefault(fn, fn)  # in the order first asked
        else:
            fn()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if self.waiting and event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.done)  # after this frame is painted and shown
        return False

    def done(self) -> None:
        """The first frame is out (or the window starts hidden): run what waited."""
        if not self.waiting:
            return
        self.waiting = False
        self.parent().removeEventFilter(self)
        queue, self._queue = list(self._queue.values()), {}
        for fn in queue:
            fn()
        for future in self._reached:
            if not future.done():
                future.set_result(None)

    async def reached(self, timeout: float = TIMEOUT_S) -> None:
        """Wait until the first frame is out (at once when it is; a window never painted,
        say minimized at once, stops waiting after `timeout` seconds)."""
        if self.waiting:
            future = asyncio.get_running_loop().create_future()
            self._reached.append(future)
            try:
                await asyncio.wait_for(asyncio.shield(future), timeout)
            except TimeoutError:
                self.done()
