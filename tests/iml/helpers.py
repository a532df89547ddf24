"""Shared helpers for the IML tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine.iml import Scope, compile_template

FIXED_NOW = datetime(2024, 3, 15, 14, 30, 0, tzinfo=UTC)


def scope(roots: dict[Any, Any] | None = None, **kwargs: Any) -> Scope:
    kwargs.setdefault("now", lambda: FIXED_NOW)
    kwargs.setdefault("execution_id", "exec-123")
    return Scope(roots or {}, **kwargs)


def ev(text: str, roots: dict[Any, Any] | None = None, **kwargs: Any) -> Any:
    """Compile and evaluate one mapper string."""
    return compile_template(text)(scope(roots, **kwargs))
