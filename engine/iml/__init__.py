"""IML, Make's mapping language: `{{...}}` templates compiled once to closures.

Public API:
- `compile_template(text)` -> `Evaluator`: a callable taking a `Scope`, returning the value
  (a string that is exactly one `{{...}}` keeps the value's native type).
- `compile_mapper(value)` -> `Evaluator` over a whole mapper structure (dicts, lists, strings).
- `Scope`: what expressions read.
Errors are `engine.errors.IMLError` with a 1-based column.
"""

from __future__ import annotations

from engine.iml.scope import Scope

__all__ = ["Scope", "compile_template", "compile_mapper", "Evaluator"]

from engine.iml.compiler import Evaluator, compile_mapper, compile_template  # noqa: E402
