"""Real HTTP servers on 127.0.0.1 for tests.

`serve(respond)` runs a threaded server whose every request goes to
`respond(Recorded) -> Answer | None` (None: hang up without answering, as a flaky API
does); the stubs the tests use are small tables on top of it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def of(cls, status: int, payload: Any) -> Answer:
        """JSON data, or bytes sent as a file."""
        if isinstance(payload, bytes):
            return cls(status, payload, "application/octet-stream")
        return cls(status, json.dumps(payload).encode())


@contextmanager
def serve(respond: Callable[[Recorded], Answer | None]) -> Iterator[int]:
    """Serve on a free port (yielded) until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = respond(Recorded(self.command, self.path.split("?", 1)[0], headers, body))
            if answer is None:
                self.close_connection = True  # nothing sent: a dropped connection
                return
            self.send_response(answer.status)
            self.send_header("content-type", answer.content_type)
            self.send_header("content-length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Stub:
    """`answers` maps "METHOD /path" to (status, body): JSON data, or bytes sent as a file.
    Anything else is a 404. Every request is recorded."""

    answers: dict[str, tuple[int, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def http_stub(answers: dict[str, tuple[int, Any]] | None = None) -> Iterator[Stub]:
    stub = Stub(dict(answers or {}))

    def respond(request: Recorded) -> Answer:
        stub.requests.append(request)
        key = f"{request.method} {request.path}"
        return Answer.of(*stub.answers.get(key, (404, {"error": "no stub"})))

    with serve(respond) as port:
        stub.port = port
        yield stub
