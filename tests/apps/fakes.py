"""Local fakes of the services the corpus apps talk to, on 127.0.0.1.

A fake is a function `(Request) -> (status, body[, content type])`: JSON data, bytes, or
text. Every request is recorded with its method, path, query, headers and body.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from engine.apps import load_makecomapp
from engine.apps.declaration import App
from engine.executor.services import RunServices
from engine.iml import Scope
from engine.spec import ModuleCall, ModuleSpec

CORPUS = Path("/work/shared/corpus/custom-apps")
if not CORPUS.is_dir():  # CI lays shared/ beside the clone
    CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "custom-apps"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Answer = tuple[int, Any] | tuple[int, Any, str]


@dataclass
class Fake:
    handler: Callable[[Request], Answer]
    requests: list[Request] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def fake_service(handler: Callable[[Request], Answer]) -> Iterator[Fake]:
    fake = Fake(handler)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            request = Request(self.command, parts.path, query,
                              {k.lower(): v for k, v in self.headers.items()}, body)
            fake.requests.append(request)
            answer = fake.handler(request)
            status, payload = answer[0], answer[1]
            ctype = answer[2] if len(answer) > 2 else None  # type: ignore[misc]
            if isinstance(payload, bytes):
                data, ctype = payload, ctype or "application/octet-stream"
            elif isinstance(payload, str) and ctype:
                data = payload.encode()
            else:
                data, ctype = json.dumps(payload).encode(), ctype or "application/json"
            self.send_response(status)
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.port = server.server_address[1]
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def corpus_app(name: str) -> App:
    return load_makecomapp(CORPUS / name)


async def call_module(spec: ModuleSpec, run: RunServices, *, parameters: dict[str, Any]
                      | None = None, mapper: dict[str, Any] | None = None,
                      module_id: int = 1) -> list[dict[str, Any]]:
    call = ModuleCall(module_id, dict(parameters or {}), dict(mapper or {}), run, Scope())
    result: list[dict[str, Any]] = await spec.implementation(call)
    return result
