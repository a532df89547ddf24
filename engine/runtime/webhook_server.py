"""The webhook server: `POST|GET|PUT|PATCH|DELETE /hook/<token>` on 127.0.0.1:8765 (aiohttp).

Each request to a registered hook passes its checks (IP allowlist 403, API key 401, rate
limit 429, body size 413, data structure 400, queue size 400), is stored in the durable queue
(engine.runtime.webhook_queue) and is answered only once its row is committed: 200
"Accepted", or, when the hook's scenario has a Webhook response module, the scenario's
answer as the runtime passes it to `respond` (up to `respond_timeout`, Make's 180 s, then
"Accepted"). `on_request(queued)` tells the runtime a request waits; it fires once the row
is committed, even if the caller has gone. A hook that is determining its data structure
takes the next request's as its own (not validating that one) and passes it to
`on_determined(token, fields)` for the runtime to keep. Binding beyond loopback is the
caller's choice.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import orjson
from aiohttp import web

from engine.runtime.hook_structure import request_structure
from engine.runtime.webhook_hooks import HookOptions
from engine.runtime.webhook_limits import RateLimiter, address_allowed, api_key_valid
from engine.runtime.webhook_parsing import ParseError, multi_dict, parse_body, validation_errors
from engine.runtime.webhook_queue import QueuedRequest, QueueFull, WebhookQueue

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "RESPOND_TIMEOUT_S", "WebhookServer"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
RESPOND_TIMEOUT_S = 180.0
METHODS = ("POST", "GET", "PUT", "PATCH", "DELETE")

NO_SCENARIO = "There is no scenario listening for this webhook."
ACCEPTED = "Accepted"
_TEXT = "text/plain"

log = logging.getLogger(__name__)


def _text(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, content_type=_TEXT)


class _Hook:
    """A registered hook with its running state (the rate limiter's window)."""

    __slots__ = ("options", "limiter", "data_options")

    def __init__(self, options: HookOptions, clock: Callable[[], float]) -> None:
        self.options = options
        self.limiter = None if options.rate_limit is None else RateLimiter(
            options.rate_limit[0], options.rate_limit[1], clock)
        self.data_options = options.data_options


class WebhookServer:
    """Serves the registered hooks into a `WebhookQueue`."""

    def __init__(
        self,
        queue: WebhookQueue,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        on_request: Callable[[QueuedRequest], object] | None = None,
        on_determined: Callable[[str, list[dict[str, Any]]], object] | None = None,
        respond_timeout: float = RESPOND_TIMEOUT_S,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.queue = queue
        self.host, self.port = host, port
        self.on_request = on_request
        self.on_determined = on_determined
        self.respond_timeout = respond_timeout
        self._clock = clock or time.monotonic  # the rate limits' clock
        self._hooks: dict[str, _Hook] = {}
        self._determined: set[str] = set()  # tokens whose determine request came
        self._waiting: dict[int, asyncio.Future[dict[str, Any] | None]] = {}
        self._runner: web.AppRunner | None = None

    # --- hooks ---------------------------------------------------------------------------

    def register(self, options: HookOptions) -> str:
        """Serve a hook (replacing one with the same token); its URL."""
        if options.determine and options.token in self._determined:
            # Read before the structure it determined was kept: not asked again.
            return self.url(options.token)
        self._determined.discard(options.token)
        self._hooks[options.token] = _Hook(options, self._clock)
        return self.url(options.token)

    def unregister(self, token: str) -> None:
        self._hooks.pop(token, None)

    def hooks(self) -> list[HookOptions]:
        return [hook.options for hook in self._hooks.values()]

    def url(self, token: str) -> str:
        return f"http://{self.host}:{self.port}/hook/{token}"

    # --- answers from the runtime ----------------------------------------------------------

    def respond(self, request_id: int, status: int = 200, headers: dict[str, str] | None = None,
                body: Any = None) -> bool:
        """Answer the caller waiting on a request; False when none waits (it timed out, the
        hook does not respond, or it was answered already)."""
        return self.respond_with(request_id, {"status": status, "headers": headers or {},
                                              "body": body})

    def respond_with(self, request_id: int, response: dict[str, Any] | None) -> bool:
        """Answer with a run's `webhook_response` (gateway.py); None: "Accepted"."""
        waiter = self._waiting.get(request_id)
        if waiter is None or waiter.done():
            return False
        waiter.set_result(response)
        return True

    # --- serving -------------------------------------------------------------------------

    def application(self) -> web.Application:
        app = web.Application(client_max_size=2**63)  # each hook's own limit applies
        for method in METHODS:
            app.router.add_route(method, "/hook/{token}", self._handle)
        return app

    async def start(self, *, freeze_gc: bool = True) -> None:
        """Listen (port 0: a free one, then in `port`).

        `freeze_gc`: move the objects alive now (modules, registries: hundreds of thousands)
        out of the cyclic collector's reach (`gc.freeze`), so a full collection during intake
        takes a few ms instead of ~90 ms, which was the whole p99 of the benchmark.
        """
        if freeze_gc:
            gc.collect()
            gc.freeze()
        runner = web.AppRunner(self.application(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        server = site._server
        if self.port == 0 and isinstance(server, asyncio.Server) and server.sockets:
            self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening; callers still waiting for a response get "Accepted"."""
        for waiter in self._waiting.values():
            if not waiter.done():
                waiter.set_result(None)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        hook = self._hooks.get(request.match_info["token"])
        if hook is None:
            return _text(404, NO_SCENARIO)
        options = hook.options
        if options.networks and not address_allowed(request.remote, options.networks):
            return _text(403, "This address is not allowed to call the webhook.")
        if options.api_keys and not api_key_valid(request.headers.get("x-make-apikey"),
                                                  options.api_keys):
            return _text(401, "Invalid API key.")
        if hook.limiter is not None and not hook.limiter.take():
            return _text(429, "Too many requests.")
        raw = await _read_body(request, options.max_body)
        if raw is None:
            return _text(413, "Payload too large.")
        try:
            body, binary = parse_body(raw, request.headers.get("content-type", ""),
                                      stringify=options.stringify)
        except ParseError as exc:
            return _text(400, str(exc))
        query = multi_dict(request.rel_url.query.items()) if request.query_string else {}
        if options.determine:  # "Redetermine data structure": this request makes it
            fields = request_structure(body, query)
            hook.options = options = replace(options, determine=False, data_structure=fields,
                                             strict=False)
            self._determined.add(options.token)
            if self.on_determined is not None:
                self._keep_determined(self.on_determined, options.token, fields)
        elif options.data_structure:
            errors = validation_errors(body, query, options.data_structure,
                                       strict=options.strict)
            if errors:
                return _text(400, f"Validation failed for {len(errors)} parameter(s). "
                             + " ".join(errors))
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        try:
            queued, committed = self.queue.submit(
                options.token, options.scenario, request.method, headers, query, body,
                binary=binary, options=hook.data_options, respond=options.responds,
                queue_limit=options.queue_limit)
        except QueueFull:
            return _text(400, "Queue is full.")
        waiter: asyncio.Future[dict[str, Any] | None] | None = None
        if options.responds:
            waiter = self._waiting[queued.id] = asyncio.get_running_loop().create_future()
        committed.add_done_callback(self._notify)
        try:
            try:
                await asyncio.shield(committed)
            except Exception:
                log.exception("webhook request %s could not be stored", queued.id)
                return _text(500, "The request could not be stored; send it again.")
            if waiter is None:
                return _text(200, ACCEPTED)
            with contextlib.suppress(TimeoutError):
                return _answer(await asyncio.wait_for(waiter, self.respond_timeout))
            return _text(200, ACCEPTED)
        finally:
            if waiter is not None:
                self._waiting.pop(queued.id, None)

    @staticmethod
    def _keep_determined(keep: Callable[[str, list[dict[str, Any]]], object], token: str,
                         fields: list[dict[str, Any]]) -> None:
        try:
            keep(token, fields)
        except Exception:
            log.exception("keeping the data structure a request determined failed")

    def _notify(self, committed: asyncio.Future[QueuedRequest]) -> None:
        if self.on_request is None or committed.cancelled() or committed.exception():
            return
        try:
            self.on_request(committed.result())
        except Exception:
            log.exception("the webhook on_request callback failed")


async def _read_body(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None once it exceeds `limit` bytes (read no further)."""
    length = request.content_length
    if length is not None and length > limit:
        return None
    if not request.body_exists:
        return b""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.readany():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _answer(response: dict[str, Any] | None) -> web.Response:
    """A run's Webhook response as HTTP (None: Make's default "Accepted")."""
    if not response:
        return _text(200, ACCEPTED)
    status = int(response.get("status") or 200)
    headers = {str(k): str(v) for k, v in (response.get("headers") or {}).items()}
    body = response.get("body")
    if isinstance(body, (dict, list)):
        data = orjson.dumps(body)
        default_type = "application/json"
    elif isinstance(body, (bytes, bytearray)):
        data, default_type = bytes(body), "application/octet-stream"
    else:
        data = ("" if body is None else str(body)).encode()
        default_type = "text/plain; charset=utf-8"
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = default_type
    return web.Response(status=status, body=data, headers=headers)
