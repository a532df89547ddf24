"""Run one action on several threads released at the same moment (a race made likely)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def all_at_once(action: Callable[[], object], threads: int = 4,
                timeout: float = 60) -> list[BaseException]:
    """Call `action` on `threads` threads started together; what they raised."""
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            action()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            failures.append(exc)

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=timeout)
    return failures
