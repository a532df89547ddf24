"""Work sent off the UI thread runs on a plain asyncio loop in a worker thread, also under
the event loop policy `qasync.run` installs on Python 3.11 (whose new loops are Qt loops,
which cannot run outside the GUI thread)."""

from __future__ import annotations

import asyncio
import threading

import qasync
from PySide6.QtWidgets import QApplication

from app.gui.connections.off_ui import off_ui


async def where() -> tuple[threading.Thread, type[asyncio.AbstractEventLoop]]:
    await asyncio.sleep(0)
    return threading.current_thread(), type(asyncio.get_running_loop())


async def test_off_ui_runs_in_a_worker_thread_on_a_plain_loop() -> None:
    thread, loop = await off_ui(where)
    assert thread is not threading.main_thread()
    assert not issubclass(loop, qasync.QEventLoop)


class QtLoops(asyncio.DefaultEventLoopPolicy):
    """What `qasync.run` installs on 3.11 (qasync.DefaultQEventLoopPolicy)."""

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        return qasync.QEventLoop(QApplication.instance())


async def test_off_ui_under_the_policy_qasync_run_installs() -> None:
    previous = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(QtLoops())
    try:
        thread, loop = await off_ui(where)
    finally:
        asyncio.set_event_loop_policy(previous)
    assert thread is not threading.main_thread()
    assert not issubclass(loop, qasync.QEventLoop)
