"""Run once for a webhook-started scenario: wait for a real request on a local URL (shown,
copyable) or run with a pasted / remembered sample payload.

The listener is a minimal HTTP/1.1 server on 127.0.0.1 (asyncio streams, one request per
connection). It answers the caller with the scenario's Webhook response when the run sets
one (else Make's "Accepted"), so a client sees what Make would send it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.debugger.side_store import SideStore

MAX_BODY = 5 * 1024 * 1024
RESPOND_WITHIN_S = 40.0  # the caller gets "Accepted" if the run takes longer
HEAD_TIMEOUT_S = 10.0
_REQUEST_KEYS = {"body", "headers", "method", "query", "options"}
_REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found",
            411: "Length Required", 413: "Payload Too Large", 500: "Internal Server Error"}
LAST_PAYLOAD = "last_payload"


def request_from_text(text: str) -> dict[str, Any]:
    """A pasted sample: a request `{"body", "headers", ...}` as `--input` takes, or just the
    JSON body. Raises ValueError when it is not JSON."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if isinstance(data, dict) and "body" in data and set(data) <= _REQUEST_KEYS:
        return data
    return {"body": data, "headers": {"content-type": "application/json"}, "method": "POST",
            "query": {}}


class WebhookListener:
    """Takes the next HTTP request sent to http://127.0.0.1:PORT/ as a webhook request."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self._server: asyncio.Server | None = None
        self._request: asyncio.Future[dict[str, Any]] | None = None
        self._response: asyncio.Future[dict[str, Any] | None] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> str:
        loop = asyncio.get_running_loop()
        self._request = loop.create_future()
        self._response = loop.create_future()
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.url

    async def next_request(self) -> dict[str, Any]:
        assert self._request is not None, "start() first"
        return await asyncio.shield(self._request)

    def respond(self, response: dict[str, Any] | None) -> None:
        """Answer the waiting caller (the run's Webhook response, or None: Accepted)."""
        if self._response is not None and not self._response.done():
            self._response.set_result(response)

    async def close(self) -> None:
        self.respond(None)
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None
        if self._request is not None and not self._request.done():
            self._request.cancel()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, body, headers = await self._serve(reader)
            reason = _REASONS.get(status, "OK")
            head = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}",
                    "Connection: close"]
            head += [f"{k}: {v}" for k, v in headers.items()]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                TimeoutError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader
                     ) -> tuple[int, bytes, dict[str, str]]:
        text_plain = {"Content-Type": "text/plain; charset=utf-8"}
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT_S)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) < 2:
            return 400, b"Bad request", text_plain
        method, target = parts[0].upper(), parts[1]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return 411, b"Send a Content-Length", text_plain
        length = _content_length(headers.get("content-length"))
        if length is None:
            return 400, b"Bad Content-Length", text_plain
        if length > MAX_BODY:
            return 413, b"Payload too large", text_plain
        raw = await reader.readexactly(length) if length else b""
        split = urlsplit(target)
        query = {k: v[0] if len(v) == 1 else v
                 for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        request = {"method": method, "headers": headers, "query": query,
                   "body": raw.decode("utf-8", errors="replace")}
        if self._request is None or self._request.done():
            return 200, b"Accepted", text_plain  # the run already has its request
        self._request.set_result(request)
        response = None
        if self._response is not None:
            with contextlib.suppress(TimeoutError):
                response = await asyncio.wait_for(asyncio.shield(self._response),
                                                  RESPOND_WITHIN_S)
        return _answer(response)


def _content_length(value: str | None) -> int | None:
    """The body's length; None when the header is not a plain non-negative number (`abc`,
    `-5`, `+3`, `1_000`, which int() would take)."""
    if not value:
        return 0
    return int(value) if value.isascii() and value.isdigit() else None


def _answer(response: dict[str, Any] | None) -> tuple[int, bytes, dict[str, str]]:
    if not response:
        return 200, b"Accepted", {"Content-Type": "text/plain; charset=utf-8"}
    status = int(response.get("status") or 200)
    body = response.get("body")
    headers = {str(k): str(v) for k, v in (response.get("headers") or {}).items()}
    if isinstance(body, (dict, list)):
        data = orjson.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, (bytes, bytearray)):
        data = bytes(body)
    else:
        data = ("" if body is None else str(body)).encode()
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
    return status, data, headers


class WebhookWaitDialog(QDialog):
    """Waits for a request on the local URL, or runs with the pasted sample payload."""

    def __init__(self, side: SideStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run once: waiting for a webhook request")
        self.side = side
        self.listener = WebhookListener()
        self._chosen: asyncio.Future[dict[str, Any] | None] | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Send a request to this URL (the scenario runs with it):"))
        row = QHBoxLayout()
        self.url = QLineEdit()
        self.url.setReadOnly(True)
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self.copy_url)
        row.addWidget(self.url, 1)
        row.addWidget(self.copy_button)
        layout.addLayout(row)
        self.status = QLabel("Starting the local listener…")
        layout.addWidget(self.status)
        layout.addWidget(QLabel('…or paste a sample payload (the JSON body, or a request '
                                '{"body": …, "headers": {…}}):'))
        self.payload = QPlainTextEdit()
        self.payload.setPlaceholderText('{"email": "ada@example.com", "score": 80}')
        last = side.get(LAST_PAYLOAD)
        if isinstance(last, str):
            self.payload.setPlainText(last)
        layout.addWidget(self.payload, 1)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #c0392b;")
        layout.addWidget(self.problem)
        buttons = QHBoxLayout()
        self.run_button = QPushButton("Run with this payload")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.use_payload)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        buttons.addStretch(1)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.resize(560, 380)
        self.rejected.connect(lambda: self._choose(None))

    def copy_url(self) -> None:
        QGuiApplication.clipboard().setText(self.url.text())

    def use_payload(self) -> None:
        text = self.payload.toPlainText()
        try:
            request = request_from_text(text)
        except ValueError as exc:
            self.problem.setText(str(exc))
            return
        self.side.put(LAST_PAYLOAD, text)
        self._choose(request)
        self.accept()

    def _choose(self, request: dict[str, Any] | None) -> None:
        if self._chosen is not None and not self._chosen.done():
            self._chosen.set_result(request)

    async def wait(self) -> dict[str, Any] | None:
        """Show the dialog until a request arrives, a payload is chosen, or Cancel (None).
        The listener stays open so the caller can `respond()`; the caller closes it."""
        loop = asyncio.get_running_loop()
        self._chosen = loop.create_future()
        url = await self.listener.start()
        self.url.setText(url)
        self.status.setText("Waiting for a request…")
        self.open()
        arrived = asyncio.ensure_future(self.listener.next_request())
        done, _ = await asyncio.wait({arrived, self._chosen},
                                     return_when=asyncio.FIRST_COMPLETED)
        if arrived in done and not arrived.cancelled():
            request: dict[str, Any] | None = arrived.result()
            if self.isVisible():
                self.accept()
        else:
            arrived.cancel()
            request = self._chosen.result()
        return request
