"""`indexed(bundles)`: a search's bundles with Make's `__IMTINDEX__` (1-based) and
`__IMTLENGTH__` (how many the search returned)."""

from __future__ import annotations

from typing import Any


def indexed(bundles: Any) -> list[dict[str, Any]]:
    bundles = [b for b in bundles or [] if isinstance(b, dict)]
    total = len(bundles)
    return [{**b, "__IMTINDEX__": i, "__IMTLENGTH__": total}
            for i, b in enumerate(bundles, start=1)]
