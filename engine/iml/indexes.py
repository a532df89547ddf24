"""Make's 1-based array indexes, shared by references (`{{1.items[2]}}`) and `get()`."""

from __future__ import annotations

import math
from typing import Any

from engine.values import to_number


def pick_index(value: Any, index: Any) -> Any:
    """[1] is the first item, [-1] the last; [0], out of range and non-arrays give null."""
    if not isinstance(value, list):
        return None
    if type(index) is not int:
        number = to_number(index)
        if number is None or not math.isfinite(number) or number != int(number):
            return None
        index = int(number)
    if index > 0:
        return value[index - 1] if index <= len(value) else None
    if index < 0:
        return value[index] if -index <= len(value) else None
    return None
