"""A local fake of the Telegram Bot API (https://api.telegram.org/bot<token>/METHOD) for the
Telegram connector's tests: real HTTP on 127.0.0.1, state in memory.

Written from the Bot API reference (core.telegram.org/bots/api): every method is
`/bot<token>/<method>`, parameters come as a query string, a urlencoded or multipart form or a
JSON body; objects inside a form (reply_markup, reply_parameters, link_preview_options) are
JSON-serialized. Answers are `{"ok": true, "result": ...}` or `{"ok": false, "error_code": N,
"description": "..."}` with N as the HTTP status; a flood limit is 429 with
`parameters.retry_after`. A wrong token is 401 "Unauthorized", an unknown method 404 "Not
Found". setWebhook wants an HTTPS URL; Telegram then POSTs each Update there as JSON.

Modelled, not confirmed: the exact wording of the 400 descriptions below (they follow the
messages real bots log), and that `date` is the fake's clock.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from tests.support.http_stub import Answer, Recorded, serve

DEFAULT_TOKEN = "7012345678:AAFakeTokenForTests_0123456789abcdef"
PARSE_MODES = ("Markdown", "MarkdownV2", "HTML")


class BotError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": False, "error_code": self.status,
                               "description": self.description}
        if self.retry_after is not None:
            out["parameters"] = {"retry_after": self.retry_after}
        return out


def _bad(description: str) -> BotError:
    return BotError(400, f"Bad Request: {description}")


@dataclass
class Call:
    method: str  # the HTTP method
    bot_method: str  # sendMessage, setWebhook, ...
    params: dict[str, Any]  # as sent (form values are text)
    content_type: str
    headers: dict[str, str]


@dataclass
class FakeTelegram:
    token: str = DEFAULT_TOKEN
    port: int = 0
    clock: Callable[[], int] = field(default=lambda: int(time.time()))
    calls: list[Call] = field(default_factory=list)
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)  # by id (text)
    messages: list[dict[str, Any]] = field(default_factory=list)
    webhook_url: str = ""
    flood_wait: int | None = None
    bot: dict[str, Any] = field(default_factory=lambda: {
        "id": 7012345678, "is_bot": True, "first_name": "Orders", "username": "orders_bot",
        "can_join_groups": True, "can_read_all_group_messages": False,
        "supports_inline_queries": False})

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._update_id = 912337000

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- for tests ---------------------------------------------------------------------

    def add_chat(self, chat_id: int, kind: str = "private", **more: Any) -> dict[str, Any]:
        chat = {"id": chat_id, "type": kind, **more}
        self.chats[str(chat_id)] = chat
        if more.get("username"):
            self.chats["@" + more["username"]] = chat
        return chat

    def sent(self, bot_method: str = "sendMessage") -> list[Call]:
        return [c for c in self.calls if c.bot_method == bot_method]

    def update(self, chat: dict[str, Any], text: str, user: dict[str, Any] | None = None
               ) -> dict[str, Any]:
        """An Update as Telegram posts it to the webhook: a user's text message."""
        self._update_id += 1
        user = user or {"id": chat["id"], "is_bot": False, "first_name": "Ada",
                        "username": "ada", "language_code": "en"}
        message = {"message_id": len(self.messages) + 1, "from": user, "chat": chat,
                   "date": self.clock(), "text": text}
        self.messages.append(message)
        return {"update_id": self._update_id, "message": message}

    def deliver(self, update: dict[str, Any]) -> httpx.Response:
        """What Telegram does with an update while a webhook is set: POST it there."""
        assert self.webhook_url, "no webhook is set"
        return httpx.post(self.webhook_url, json=update, timeout=10)

    # -- the API -----------------------------------------------------------------------

    def respond(self, request: Recorded) -> Answer:
        with self._lock:
            try:
                result = self._handle(request)
                return Answer.of(200, {"ok": True, "result": result})
            except BotError as exc:
                headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
                return Answer.of(exc.status, exc.body(), headers=headers)

    def _handle(self, request: Recorded) -> Any:
        parts = request.path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            raise BotError(404, "Not Found")
        token, bot_method = parts[0][3:], parts[1]
        params = self._params(request)
        content_type = request.headers.get("content-type", "").split(";")[0]
        self.calls.append(Call(request.method, bot_method, params, content_type,
                               request.headers))
        if token != self.token:
            raise BotError(401, "Unauthorized")
        if self.flood_wait is not None:
            raise BotError(429, f"Too Many Requests: retry after {self.flood_wait}",
                           self.flood_wait)
        handler = getattr(self, f"_m_{bot_method}", None)
        if handler is None:
            raise BotError(404, "Not Found")
        return handler(params)

    @staticmethod
    def _params(request: Recorded) -> dict[str, Any]:
        params: dict[str, Any] = dict(parse_qsl(request.query_string))
        kind = request.headers.get("content-type", "")
        if request.body and "json" in kind:
            params.update(json.loads(request.body))
        elif request.body and "x-www-form-urlencoded" in kind:
            params.update(parse_qsl(request.body.decode()))
        return params

    @staticmethod
    def _object(params: dict[str, Any], name: str, what: str) -> Any:
        value = params.get(name)
        if value is None or isinstance(value, dict):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise _bad(f"can't parse {what} JSON object") from None

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise _bad("chat_id is empty")
        chat = self.chats.get(str(chat_id))
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return self.bot

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        text = params.get("text")
        if not text:
            raise _bad("message text is empty")
        mode = params.get("parse_mode")
        if mode not in (None, *PARSE_MODES):
            raise _bad(f"unsupported parse_mode \"{mode}\"")
        markup = self._object(params, "reply_markup", "reply keyboard markup")
        reply = self._object(params, "reply_parameters", "reply parameters")
        preview = self._object(params, "link_preview_options", "link preview options")
        message: dict[str, Any] = {
            "message_id": len(self.messages) + 1,
            "from": {k: self.bot[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": chat, "date": self.clock(), "text": text}
        if params.get("message_thread_id") not in (None, ""):
            message["message_thread_id"] = int(params["message_thread_id"])
        if reply is not None:
            original = next((m for m in self.messages
                             if m["message_id"] == int(reply.get("message_id", 0))
                             and m["chat"]["id"] == chat["id"]), None)
            if original is None:
                raise _bad("message to be replied not found")
            message["reply_to_message"] = original
        if markup is not None:
            if not isinstance(markup, dict):
                raise _bad("can't parse reply keyboard markup JSON object")
            if "inline_keyboard" in markup:
                message["reply_markup"] = markup
        if preview is not None and not isinstance(preview, dict):
            raise _bad("can't parse link preview options JSON object")
        self.messages.append(message)
        return message

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url") or ""
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = ""
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": self.webhook_url, "has_custom_certificate": False,
                "pending_update_count": 0}

    def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        self._chat(params)
        if params.get("action") not in ("typing", "upload_photo", "record_voice",
                                        "upload_document", "find_location"):
            raise _bad("wrong parameter action in request")
        return True


@contextmanager
def serve_fake_telegram(token: str = DEFAULT_TOKEN) -> Iterator[FakeTelegram]:
    fake = FakeTelegram(token=token)
    with serve(fake.respond, keep_alive=True, poll_interval=0.05, name="fake-telegram") as port:
        fake.port = port
        yield fake


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with serve_fake_telegram() as fake:
        yield fake
