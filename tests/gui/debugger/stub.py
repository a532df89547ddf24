"""A real HTTP stub on 127.0.0.1 for the debugger tests: answers JSON from a table, records
every request, and can drop the connection without answering (a flaky API)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.http_stub import Answer, Recorded, serve


@dataclass
class Stub:
    answers: dict[str, Any] = field(default_factory=dict)  # "POST /path" -> JSON | "drop"
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def http_stub(answers: dict[str, Any] | None = None) -> Iterator[Stub]:
    stub = Stub(dict(answers or {}))

    def respond(request: Recorded) -> Answer | None:
        try:
            body: Any = json.loads(request.body) if request.body else None
        except ValueError:
            body = request.body.decode(errors="replace")
        stub.requests.append((request.method, request.path, body))
        key = f"{request.method} {request.path}"
        answer = stub.answers.get(key, {"error": "no stub"})
        if answer == "drop":
            return None  # hang up without a response
        return Answer.of(200 if key in stub.answers else 404, answer)

    with serve(respond) as port:
        stub.port = port
        yield stub
