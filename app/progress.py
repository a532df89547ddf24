"""Progress on stderr for long work on a terminal (never when piped)."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def wanted() -> bool:
    return sys.stderr.isatty()


async def while_running(
    work: Awaitable[T], describe: Callable[[], str], every_s: float = 0.5
) -> T:
    """Await `work`, refreshing one status line on stderr after the first `every_s`."""
    if not wanted():
        return await work
    task = asyncio.ensure_future(work)
    started = time.monotonic()
    shown = False
    while not task.done():
        await asyncio.wait({task}, timeout=every_s)
        if not task.done():
            shown = True
            elapsed = time.monotonic() - started
            sys.stderr.write(f"\r{describe()}  ({elapsed:.0f} s)\x1b[K")
            sys.stderr.flush()
    if shown:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()
    return task.result()


def line(text: str) -> None:
    """A transient status line (for loops the caller drives itself)."""
    if wanted():
        sys.stderr.write(f"\r{text}\x1b[K")
        sys.stderr.flush()


def clear() -> None:
    if wanted():
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()
