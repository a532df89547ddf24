"""An app's own IML functions written in Python: a Scenarist extension of Make's custom
functions (which are JavaScript, engine.apps.functions).

A `function` component whose `code` file ends in `.py` is Python: the file defines a
function of the component's name, called with the IML arguments as the engine holds them
(text, numbers, booleans, None, lists, dicts, datetimes, bytes). It runs in-process, with
no Node.js needed, so an app shipped with Scenarist can reshape what IML alone cannot
(one value per item of a collection, by the type of each item). The file is compiled at the
first call, not when the app loads. Like a JavaScript function run by Node, it is code the
user trusts by installing the app; Make itself cannot run it, so an app meant for upload to
Make keeps its functions in JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from engine.errors import IMLError

if TYPE_CHECKING:
    from engine.apps.iml import CustomFunctions

PYTHON_SUFFIX = ".py"


@lru_cache(maxsize=256)
def _compiled(name: str, source: str, filename: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"__name__": f"scenarist_app_function_{name}"}
    try:
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - the app's own code
    except Exception as exc:
        raise IMLError(f"function {name!r} cannot load: {type(exc).__name__}: {exc}") from None
    found = namespace.get(name)
    if not callable(found):
        raise IMLError(f"function {name!r}: {filename} defines no function {name}()")
    return found  # type: ignore[no-any-return]


class PyFunctions:
    """The Python functions of one app: `names`, and `call(name, args)` for the compiler."""

    def __init__(self, sources: dict[str, str], app: str = "app") -> None:
        self.sources = dict(sources)
        self.names = frozenset(sources)
        self.app = app

    def call(self, name: str, args: list[Any]) -> Any:
        function = _compiled(name, self.sources[name], f"<{self.app} function {name}>")
        try:
            return function(*args)
        except IMLError:
            raise
        except Exception as exc:
            raise IMLError(f"function {name!r} failed: {type(exc).__name__}: {exc}") from None


class CombinedFunctions:
    """Python and JavaScript functions of one app behind one `CustomFunctions`."""

    def __init__(self, *parts: CustomFunctions) -> None:
        self.parts = parts
        self.names = frozenset().union(*(p.names for p in parts))

    def call(self, name: str, args: list[Any]) -> Any:
        for part in self.parts:
            if name in part.names:
                return part.call(name, args)
        raise IMLError(f"unknown function {name!r}")
