"""Bounds on a run: value size, regex time, module call time, run duration.

A 1 KB blueprint must not be able to take gigabytes or hang forever, so every run carries
a `RunLimits` (on `RunServices.limits`; a workspace setting can supply it). The executor
makes the run's limits current (`applied`) so code that never sees the services (IML
functions, regular expressions) reads them with `current()`; outside a run the defaults
apply.

Defaults, and why:
- `max_value_bytes` 100 MB: Make's maximum file size on its Core plan, so anything Make
  would carry fits, while 20 nested `replace(...; "$&$&")` stop long before gigabytes.
  Text is measured in characters, binary data in bytes, arrays and collections shallowly
  (8 bytes per item plus their direct texts), which is what a function allocates anew.
- `max_run_seconds` 2400: Make's 40-minute limit for one execution. Time paused at a
  debugger breakpoint does not count.
- `module_timeout_seconds` 360: above every module's own limit (HTTP's `timeout` and the
  Sleep module both stop at 300 s), so their own messages come first; this one only stops
  a call that would otherwise never return.
- `regex_timeout_seconds` 5: one match, replace or split; JavaScript has none, but a
  linear pattern over a 100 MB text finishes well within it.
`None` switches a time limit off.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from engine.errors import IMLError

MB = 1024 * 1024
MIN_VALUE_BYTES = 1024  # values this small are never measured (fast paths rely on it)


@dataclass(frozen=True, slots=True)
class RunLimits:
    max_value_bytes: int = 100 * MB
    max_run_seconds: float | None = 2400.0
    module_timeout_seconds: float | None = 360.0
    regex_timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.max_value_bytes < MIN_VALUE_BYTES:
            raise ValueError(f"max_value_bytes must be at least {MIN_VALUE_BYTES}")
        if self.regex_timeout_seconds <= 0:
            raise ValueError("regex_timeout_seconds must be positive")


DEFAULT_LIMITS = RunLimits()
_CURRENT: ContextVar[RunLimits] = ContextVar("scenarist_run_limits", default=DEFAULT_LIMITS)


def current() -> RunLimits:
    """The limits of the run being evaluated (the defaults outside a run)."""
    return _CURRENT.get()


@contextmanager
def applied(limits: RunLimits) -> Iterator[None]:
    """Make `limits` current for the code inside (and the tasks it starts)."""
    token = _CURRENT.set(limits)
    try:
        yield
    finally:
        _CURRENT.reset(token)


class ValueTooLarge(IMLError):
    """A value over `max_value_bytes`; an IMLError so it gets its module, field and column
    (and becomes a DataError of the module)."""


def describe_bytes(size: int) -> str:
    if size >= MB and size % MB == 0:
        return f"{size // MB} MB"
    if size >= MB:
        return f"{size / MB:.1f} MB"
    return f"{size} bytes"


def describe_seconds(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} s"


def too_large(what: str, limit: int | None = None) -> ValueTooLarge:
    limit = current().max_value_bytes if limit is None else limit
    return ValueTooLarge(
        f"{what} exceeds the {describe_bytes(limit)} limit for a single value"
    )


def out_of_memory(what: str) -> ValueTooLarge:
    limit = current().max_value_bytes
    return ValueTooLarge(
        f"out of memory evaluating {what} (a single value may take up to "
        f"{describe_bytes(limit)})"
    )


def value_size(value: Any) -> int:
    """What a value weighs for the limit: characters, bytes, or a container shallowly."""
    kind = type(value)
    if kind is str or kind is bytes or kind is bytearray:
        return len(value)
    if kind is list:
        return 8 * len(value) + sum(
            len(v) for v in value if type(v) is str or type(v) is bytes
        )
    if kind is dict:
        return 8 * len(value) + sum(len(k) for k in value if type(k) is str) + sum(
            len(v) for v in value.values() if type(v) is str or type(v) is bytes
        )
    return 0


def check_size(size: int, what: str) -> None:
    """Raise ValueTooLarge when `size` (from value_size or a precomputed length) is over."""
    if size > MIN_VALUE_BYTES:
        limit = current().max_value_bytes
        if size > limit:
            raise too_large(what, limit)


def check_value(value: Any, what: str) -> Any:
    """`value` itself, or ValueTooLarge naming `what` ("function 'base64'")."""
    kind = type(value)
    if kind is str or kind is bytes:
        if len(value) > MIN_VALUE_BYTES:
            check_size(len(value), what)
    elif kind is list or kind is dict or kind is bytearray:
        check_size(value_size(value), what)
    return value
