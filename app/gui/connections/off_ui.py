"""Run engine work off the UI thread: a worker thread with its own event loop.

App checks and RPCs evaluate IML, page through results and wait on the network; the window
keeps painting meanwhile. The caller awaits the result on the Qt loop (qasync), so a test
clicks, then awaits the same task.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def off_ui(work: Callable[[], Awaitable[T]]) -> T:
    """`await work()` in a worker thread (a new event loop there), from the UI's loop."""
    return await asyncio.to_thread(lambda: asyncio.run(_coroutine(work)))


async def _coroutine(work: Callable[[], Awaitable[T]]) -> T:
    return await work()
