"""A local fake of Discord's REST API (https://discord.com/api/v10) for the Discord connector's
tests: real HTTP on 127.0.0.1, state in memory.

Written from Discord's developer documentation (discord.com/developers/docs): bots send
`Authorization: Bot <token>`; `POST /channels/{id}/messages` takes JSON `content` (at most 2000
characters), `tts`, `embeds`, `sticker_ids`, `components`, `message_reference`, and needs at
least one of content, embeds, sticker_ids, components; a DM channel comes from
`POST /users/@me/channels {"recipient_id"}`; `GET /users/@me/guilds`,
`GET /guilds/{id}/channels`; webhooks execute at `POST /webhooks/{id}/{token}` (no
Authorization; `?wait=true` answers the message, else 204) and `GET` answers the webhook.
Errors are `{"message", "code"}` (10003 Unknown Channel, 50006 Cannot send an empty message,
50035 Invalid Form Body with `errors`, 0 for "401: Unauthorized"); a rate limit is 429 with
`{"message": "You are being rate limited.", "retry_after": seconds, "global": false}` and
Retry-After / X-RateLimit-* headers. Ids are snowflakes sent as strings.

Modelled, not confirmed: the `errors` detail of 50035 and the snowflake values.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.http_stub import Answer, Recorded, serve

DEFAULT_TOKEN = "MTI4MDY1MTEwMDAwMTExMjIyMg.GhFake.test-discord-bot-token"
TEXT_TYPES = (0, 5, 15)  # text, announcement, forum


class DiscordError(Exception):
    def __init__(self, status: int, message: str, code: int = 0,
                 extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None
                 ) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
        self.extra, self.headers = extra or {}, headers or {}

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "code": self.code, **self.extra}


def _form(field_name: str, code: str, message: str) -> DiscordError:
    return DiscordError(400, "Invalid Form Body", 50035, {"errors": {field_name: {
        "_errors": [{"code": code, "message": message}]}}})


@dataclass
class FakeDiscord:
    token: str = DEFAULT_TOKEN
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    guilds: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)  # by id
    retry_after: float | None = None
    bot: dict[str, Any] = field(default_factory=lambda: {
        "id": "1280651100001112222", "username": "Gas Bot", "global_name": None,
        "discriminator": "0", "avatar": None, "bot": True})

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._snowflake = 1325411722460090368

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        """The base URL override: what stands for https://discord.com/api."""
        return f"{self.url}/api"

    def _next(self) -> str:
        self._snowflake += 4194304
        return str(self._snowflake)

    # -- for tests ---------------------------------------------------------------------

    def add_guild(self, name: str) -> dict[str, Any]:
        guild = {"id": self._next(), "name": name, "icon": None, "owner": False,
                 "permissions": "2248473465835073", "features": []}
        self.guilds[guild["id"]] = guild
        return guild

    def add_channel(self, name: str, guild: dict[str, Any] | None = None, kind: int = 0,
                    channel_id: str | None = None) -> dict[str, Any]:
        channel = {"id": channel_id or self._next(), "type": kind, "name": name,
                   "guild_id": guild["id"] if guild else None, "position": len(self.channels)}
        self.channels[channel["id"]] = channel
        return channel

    def add_webhook(self, channel: dict[str, Any], name: str = "Alerts") -> str:
        hook = {"id": self._next(), "type": 1, "name": name, "channel_id": channel["id"],
                "guild_id": channel["guild_id"], "token": "wh-" + self._next()}
        self.webhooks[hook["id"]] = hook
        return f"https://discord.com/api/webhooks/{hook['id']}/{hook['token']}"

    def posted(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/messages")
                or "/webhooks/" in r.path and r.method == "POST"]

    # -- the API -----------------------------------------------------------------------

    def respond(self, request: Recorded) -> Answer:
        with self._lock:
            self.requests.append(request)
            try:
                status, payload = self._handle(request)
            except DiscordError as exc:
                return Answer.of(exc.status, exc.body(), headers=exc.headers)
            if status == 204:
                return Answer(204, b"", "application/json")
            return Answer.of(status, payload)

    def _handle(self, request: Recorded) -> tuple[int, Any]:
        path = request.path
        if not path.startswith("/api/"):
            raise DiscordError(404, "404: Not Found")
        path = path[len("/api"):]
        body = json.loads(request.body) if request.body else {}
        if path.startswith("/webhooks/"):
            return self._webhook(request.method, path, request.query, body)
        if not path.startswith("/v10/"):
            raise DiscordError(404, "404: Not Found")
        path = path[len("/v10"):]
        if request.headers.get("authorization") != f"Bot {self.token}":
            raise DiscordError(401, "401: Unauthorized")
        if self.retry_after is not None:
            raise DiscordError(429, "You are being rate limited.", 0, {
                "retry_after": self.retry_after, "global": False},
                {"Retry-After": str(int(self.retry_after + 0.999)),
                 "X-RateLimit-Remaining": "0", "X-RateLimit-Scope": "user"})
        parts = path.strip("/").split("/")
        method = request.method
        if method == "GET" and parts == ["users", "@me"]:
            return 200, self.bot
        if method == "GET" and parts == ["users", "@me", "guilds"]:
            return 200, list(self.guilds.values())
        if method == "POST" and parts == ["users", "@me", "channels"]:
            recipient = str(body.get("recipient_id") or "")
            if not recipient.isdigit():
                raise _form("recipient_id", "NUMBER_TYPE_COERCE",
                            f"Value \"{recipient}\" is not snowflake.")
            dm = next((c for c in self.channels.values() if c.get("recipient") == recipient),
                      None) or {**self.add_channel("", kind=1), "recipient": recipient}
            self.channels[dm["id"]] = dm
            return 200, {"id": dm["id"], "type": 1, "last_message_id": None,
                         "recipients": [{"id": recipient, "username": "ada"}]}
        if method == "GET" and len(parts) == 3 and parts[0] == "guilds" and parts[2] == "channels":
            if parts[1] not in self.guilds:
                raise DiscordError(404, "Unknown Guild", 10004)
            return 200, [c for c in self.channels.values() if c["guild_id"] == parts[1]]
        if len(parts) == 3 and parts[0] == "channels" and parts[2] == "messages":
            channel = self.channels.get(parts[1])
            if channel is None:
                raise DiscordError(404, "Unknown Channel", 10003)
            if method == "POST":
                return 200, self._create(channel, body, self.bot)
            return 200, [m for m in reversed(self.messages) if m["channel_id"] == channel["id"]]
        raise DiscordError(404, "404: Not Found")

    def _webhook(self, method: str, path: str, query: dict[str, str],
                 body: dict[str, Any]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        hook = self.webhooks.get(parts[1]) if len(parts) == 3 else None
        if hook is None or hook["token"] != parts[2]:
            raise DiscordError(401, "Invalid Webhook Token", 50027)
        if method == "GET":
            return 200, hook
        channel = self.channels[hook["channel_id"]]
        author = {"id": hook["id"], "username": hook["name"], "bot": True,
                  "discriminator": "0000", "avatar": None, "global_name": None}
        message = self._create(channel, body, author, webhook_id=hook["id"])
        return (200, message) if query.get("wait") == "true" else (204, None)

    def _create(self, channel: dict[str, Any], body: dict[str, Any], author: dict[str, Any],
                webhook_id: str | None = None) -> dict[str, Any]:
        content = body.get("content") or ""
        if not (content or body.get("embeds") or body.get("sticker_ids")
                or body.get("components")):
            raise DiscordError(400, "Cannot send an empty message", 50006)
        if len(content) > 2000:
            raise _form("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        reference = body.get("message_reference")
        if reference is not None:
            if not any(m["id"] == str(reference.get("message_id")) for m in self.messages):
                raise _form("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                            "Unknown message")
        message = {
            "id": self._next(), "type": 19 if reference else 0, "channel_id": channel["id"],
            "content": content, "author": author, "attachments": [],
            "embeds": body.get("embeds") or [], "mentions": [], "mention_roles": [],
            "pinned": False, "mention_everyone": False, "tts": bool(body.get("tts")),
            "timestamp": "2026-01-01T10:00:00.000000+00:00", "edited_timestamp": None,
            "flags": 0, "components": body.get("components") or []}
        if reference is not None:
            message["message_reference"] = {"channel_id": channel["id"], **reference}
        if webhook_id:
            message["webhook_id"] = webhook_id
        self.messages.append(message)
        return message


@contextmanager
def serve_fake_discord(token: str = DEFAULT_TOKEN) -> Iterator[FakeDiscord]:
    fake = FakeDiscord(token=token)
    with serve(fake.respond, keep_alive=True, poll_interval=0.05, name="fake-discord") as port:
        fake.port = port
        yield fake


@pytest.fixture
def fake_discord() -> Iterator[FakeDiscord]:
    with serve_fake_discord() as fake:
        yield fake
