"""Real HTTP servers on 127.0.0.1 for tests.

`serve(respond)` runs a threaded server whose every request goes to
`respond(Recorded) -> Answer | None` (None: hang up without answering, as a flaky API
does); `recording(respond)` does the same and keeps every request in a `Stub`. The stubs
and fakes the tests use are small tables or functions on top of them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import httpx


@dataclass
class Recorded:
    method: str
    path: str  # without the query string
    headers: dict[str, str]  # names lower-cased
    body: bytes
    query_string: str = ""  # as sent, after the "?"
    query: dict[str, str] = field(default_factory=dict)  # parsed; a repeated name: its last

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)  # sent after the content headers

    @classmethod
    def of(cls, status: int, payload: Any, content_type: str | None = None,
           headers: dict[str, str] | None = None) -> Answer:
        """JSON data, bytes sent as a file, or (with a content type) text."""
        if isinstance(payload, bytes):
            body, default = payload, "application/octet-stream"
        elif isinstance(payload, str) and content_type:
            body, default = payload.encode(), content_type
        else:
            body, default = json.dumps(payload).encode(), "application/json"
        return cls(status, body, content_type or default, dict(headers or {}))


@contextmanager
def serve(respond: Callable[[Recorded], Answer | None], *, keep_alive: bool = False,
          poll_interval: float = 0.5, name: str | None = None) -> Iterator[int]:
    """Serve on a free port (yielded) until the block ends. `keep_alive`: HTTP/1.1, each
    answer leaving in one write (no delayed-ACK stalls)."""

    class Handler(BaseHTTPRequestHandler):
        if keep_alive:
            protocol_version = "HTTP/1.1"
            wbufsize = -1

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            path, _, raw = self.path.partition("?")
            query = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            answer = respond(Recorded(self.command, path, headers, body, raw, query))
            if answer is None:
                self.close_connection = True  # nothing sent: a dropped connection
                return
            self.send_response(answer.status)
            self.send_header("content-type", answer.content_type)
            self.send_header("content-length", str(len(answer.body)))
            for header, value in answer.headers.items():
                self.send_header(header, value)
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": poll_interval},
                              name=name, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


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
def recording(respond: Callable[[Recorded], Answer | None],
              stub: Stub | None = None) -> Iterator[Stub]:
    """`serve(respond)`, every request kept in `stub.requests` before it is answered."""
    stub = stub if stub is not None else Stub()

    def record(request: Recorded) -> Answer | None:
        stub.requests.append(request)
        return respond(request)

    with serve(record) as port:
        stub.port = port
        yield stub


@contextmanager
def http_stub(answers: dict[str, tuple[int, Any]] | None = None) -> Iterator[Stub]:
    stub = Stub(dict(answers or {}))

    def respond(request: Recorded) -> Answer:
        key = f"{request.method} {request.path}"
        return Answer.of(*stub.answers.get(key, (404, {"error": "no stub"})))

    with recording(respond, stub) as recorded:
        yield recorded


class _Served(Protocol):
    port: int

    def respond(self, request: Recorded) -> Answer | None: ...


ServedFake = TypeVar("ServedFake", bound=_Served)


@contextmanager
def served(fake: ServedFake) -> Iterator[ServedFake]:
    """A fake service answering on a free port (its `port`) until the block ends."""
    with serve(fake.respond) as port:
        fake.port = port
        yield fake


def consent_in_browser(authorize_url: str, grant: Callable[[dict[str, str]], str]) -> None:
    """What the user's browser does for an OAuth authorization: it opens the service's
    consent page, the user allows at once, and the service redirects to the app's
    redirect_uri with a new code and the state. `grant(query)` is the service keeping the
    authorize URL's query and choosing the code, before the redirect (which exchanges it)."""
    query = dict(parse_qsl(urlsplit(authorize_url).query))
    httpx.get(authorize_url, timeout=10)
    code = grant(query)
    back = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
    assert httpx.get(back, timeout=10).status_code == 200
