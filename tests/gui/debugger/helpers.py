"""Waiting on the qasync loop (DESIGN.md §8: click, then await; never nest a Qt loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from app.gui.debugger import DebugSession


async def until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting")


def bubble_counts(session: DebugSession) -> dict[int, str]:
    return {i: b.text for i, b in session.overlay.bubbles.items() if b.isVisible()}


def link_labels(session: DebugSession) -> dict[tuple[int, int], str]:
    return {(link.source, link.target): label.text
            for link, label in session.overlay.links.items() if label.isVisible()}
