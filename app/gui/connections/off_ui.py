"""Run engine work off the UI thread: a worker thread with its own, plain asyncio loop.

App checks and RPCs evaluate IML, page through results and wait on the network; the window
keeps painting meanwhile. The caller awaits the result on the Qt loop (qasync), so a test
clicks, then awaits the same task.

The worker's loop is made explicitly (`asyncio.Runner(loop_factory=...)`): on Python 3.11
`qasync.run` installs a policy whose new loops are Qt loops, and `asyncio.run` in a worker
thread would build one there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def off_ui(work: Callable[[], Awaitable[T]]) -> T:
    """`await work()` in a worker thread (a new plain event loop there), from the UI's loop."""
    return await asyncio.to_thread(_run_plain, work)


def _run_plain(work: Callable[[], Awaitable[T]]) -> T:
    with asyncio.Runner(loop_factory=asyncio.SelectorEventLoop) as runner:
        return runner.run(_coroutine(work))


async def _coroutine(work: Callable[[], Awaitable[T]]) -> T:
    return await work()
