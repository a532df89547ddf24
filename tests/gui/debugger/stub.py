"""A real HTTP stub on 127.0.0.1 for the debugger tests: answers JSON from a table, records
every request, and can drop the connection without answering (a flaky API)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            stub.requests.append((self.command, path, body))
            answer = stub.answers.get(f"{self.command} {path}", {"error": "no stub"})
            if answer == "drop":
                self.close_connection = True  # hang up without a response
                return
            data = json.dumps(answer).encode()
            self.send_response(200 if f"{self.command} {path}" in stub.answers else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
