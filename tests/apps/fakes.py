"""Local fakes of the services the corpus apps talk to, on 127.0.0.1.

A fake is a function `(Request) -> (status, body[, content type])`: JSON data, bytes, or
text. Every request is recorded with its method, path, query, headers and body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.apps import load_makecomapp
from engine.apps.declaration import App
from engine.context import RunServices
from engine.iml import Scope
from engine.spec import ModuleCall, ModuleSpec
from tests.support.http_stub import Answer, Recorded, Stub, recording

# shared/ lies beside the checkout (here and in CI)
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "custom-apps"


Request = Recorded  # .query: the parsed query string, a repeated name giving its last value
Reply = tuple[int, Any] | tuple[int, Any, str]


@contextmanager
def fake_service(handler: Callable[[Request], Reply]) -> Iterator[Stub]:
    with recording(lambda request: Answer.of(*handler(request))) as fake:
        yield fake


def corpus_app(name: str) -> App:
    return load_makecomapp(CORPUS / name)


async def call_module(spec: ModuleSpec, run: RunServices, *, parameters: dict[str, Any]
                      | None = None, mapper: dict[str, Any] | None = None,
                      module_id: int = 1) -> list[dict[str, Any]]:
    call = ModuleCall(module_id, dict(parameters or {}), dict(mapper or {}), run, Scope())
    result: list[dict[str, Any]] = await spec.implementation(call)
    return result
