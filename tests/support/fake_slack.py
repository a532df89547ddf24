"""A local fake of Slack's Web API (https://slack.com/api/METHOD) and OAuth v2 for the Slack
connector's tests: real HTTP on 127.0.0.1, state in memory.

Written from api.slack.com: tokens come as `Authorization: Bearer xox...`; methods take a
query string, a urlencoded form or JSON; every answer is HTTP 200 `{"ok": true, ...}` or
`{"ok": false, "error": "code"}` (missing_scope adds `needed`/`provided`), except a rate
limit: HTTP 429 with Retry-After and `{"ok": false, "error": "ratelimited"}`. Methods used:
chat.postMessage (channel, text/blocks: no_text, invalid_blocks_format, channel_not_found,
is_archived),
search.messages (a user token with search:read; `messages.matches`, `messages.paging`),
conversations.history (newest first; latest/oldest/inclusive/limit), reactions.add
(already_reacted), users.info, conversations.list / users.list (cursor pages in
`response_metadata.next_cursor`), auth.test, auth.revoke. OAuth v2: the browser goes to
/oauth/v2/authorize (client_id, scope, user_scope, redirect_uri, state, PKCE code_challenge);
oauth.v2.access exchanges the code (client_id, client_secret, code, redirect_uri,
code_verifier) for a bot token (`access_token`) and, for user scopes, `authed_user.access_token`;
with token rotation it also gives refresh tokens and `expires_in`, and renews with
grant_type=refresh_token; an expired token answers `token_expired`.

Modelled, not confirmed: Slack's PKCE error code (invalid_code_verifier here), the search
query language (words, from:<@U>, in:<#C>/<@C>, @channel taken as text), and that a
refreshed user token comes back as the top-level `access_token`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.support.http_stub import Answer, Recorded, consent_in_browser, serve

BOT_SCOPES = {"chat:write", "channels:read", "channels:history", "groups:read", "im:read",
              "mpim:read", "reactions:write", "users:read"}
NEEDS = {"chat.postMessage": "chat:write", "search.messages": "search:read",
         "conversations.history": "channels:history", "reactions.add": "reactions:write",
         "users.info": "users:read", "users.list": "users:read",
         "conversations.list": "channels:read"}


class SlackError(Exception):
    def __init__(self, error: str, **more: Any) -> None:
        super().__init__(error)
        self.error, self.more = error, more


@dataclass
class Token:
    value: str
    kind: str  # "bot" or "user"
    user: str
    scopes: set[str]
    expired: bool = False


@dataclass
class FakeSlack:
    port: int = 0
    team: dict[str, str] = field(default_factory=lambda: {"id": "T012AB3C4",
                                                          "name": "Axelerant"})
    client_id: str = "1234567890.0987654321"
    client_secret: str = "slack-client-secret-7f3a"
    tokens: dict[str, Token] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> old..new
    requests: list[Recorded] = field(default_factory=list)
    # (method, params, token)
    calls: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    authorizations: list[dict[str, str]] = field(default_factory=list)
    token_forms: list[dict[str, str]] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    retry_after: int | None = None
    rotate: bool = True  # token rotation on: refresh tokens, expiring user tokens

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._ts = 1735714800
        self._codes: dict[str, dict[str, str]] = {}
        self._refresh: dict[str, Token] = {}
        self.bot_token = self.add_token("bot", "U0BOT0001", BOT_SCOPES).value

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- for tests ---------------------------------------------------------------------

    def add_token(self, kind: str, user: str, scopes: set[str]) -> Token:
        prefix = "xoxb" if kind == "bot" else "xoxp"
        token = Token(f"{prefix}-{len(self.tokens) + 1}-fake-{kind}-token", kind, user, scopes)
        self.tokens[token.value] = token
        return token

    def add_user(self, user_id: str, name: str, real_name: str) -> dict[str, Any]:
        user = {"id": user_id, "team_id": self.team["id"], "name": name, "deleted": False,
                "real_name": real_name, "tz": "Asia/Kolkata", "is_admin": False,
                "is_bot": False, "profile": {
                    "real_name": real_name, "real_name_normalized": real_name,
                    "display_name": name, "email": f"{name}@example.com",
                    "image_original": f"https://avatars.example.com/{user_id}_original.jpg",
                    "image_72": f"https://avatars.example.com/{user_id}_72.jpg"}}
        self.users[user_id] = user
        return user

    def add_channel(self, channel_id: str, name: str, kind: str = "public") -> dict[str, Any]:
        channel = {"id": channel_id, "name": name, "is_channel": kind == "public",
                   "is_group": kind == "private", "is_im": kind == "im",
                   "is_mpim": kind == "mpim", "is_private": kind != "public",
                   "is_archived": False, "user": None}
        self.channels[channel_id] = channel
        self.messages[channel_id] = []
        return channel

    def post(self, channel_id: str, user: str, text: str, **more: Any) -> dict[str, Any]:
        self._ts += 60
        message = {"type": "message", "user": user, "text": text, "ts": f"{self._ts}.000200",
                   "team": self.team["id"], **more}
        self.messages[channel_id].append(message)
        return message

    def called(self, method: str) -> list[tuple[dict[str, Any], str]]:
        return [(params, token) for m, params, token in self.calls if m == method]

    def expire(self, token: str) -> None:
        self.tokens[token].expired = True

    def browser(self, url: str) -> None:
        """The user's browser: the consent page, then the redirect with a code."""
        def grant(query: dict[str, str]) -> str:
            code = f"code-{len(self._codes)}"
            self._codes[code] = query
            return code

        consent_in_browser(url, grant)

    # -- the API -----------------------------------------------------------------------

    def respond(self, request: Recorded) -> Answer:
        with self._lock:
            self.requests.append(request)
            if request.path == "/oauth/v2/authorize":
                self.authorizations.append(dict(request.query))
                return Answer(200, b"<p>Allow Scenarist to access Axelerant?</p>",
                              "text/html")
            if not request.path.startswith("/api/"):
                return Answer.of(404, "Not Found", "text/plain")
            method = request.path[len("/api/"):]
            params: dict[str, Any] = dict(request.query)
            kind = request.headers.get("content-type", "")
            if request.body and "json" in kind:
                params.update(json.loads(request.body))
            elif request.body:
                params.update(parse_qsl(request.body.decode()))
            bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
            self.calls.append((method, params, bearer))
            if self.retry_after is not None:
                return Answer.of(429, {"ok": False, "error": "ratelimited"},
                                 headers={"Retry-After": str(self.retry_after)})
            try:
                if method == "oauth.v2.access":
                    return Answer.of(200, {"ok": True, **self._oauth(params)})
                token = self._token(bearer, method)
                handler = getattr(self, "_" + method.replace(".", "_"), None)
                if handler is None:
                    raise SlackError("unknown_method")
                return Answer.of(200, {"ok": True, **handler(params, token)})
            except SlackError as exc:
                return Answer.of(200, {"ok": False, "error": exc.error, **exc.more})

    def _token(self, bearer: str, method: str) -> Token:
        token = self.tokens.get(bearer)
        if not bearer:
            raise SlackError("not_authed")
        if token is None:
            raise SlackError("invalid_auth")
        if token.expired:
            raise SlackError("token_expired")
        needed = NEEDS.get(method)
        if method == "search.messages" and token.kind == "bot":
            raise SlackError("not_allowed_token_type")
        if needed and needed not in token.scopes:
            raise SlackError("missing_scope", needed=needed,
                             provided=",".join(sorted(token.scopes)))
        return token

    def _channel(self, ref: Any) -> dict[str, Any]:
        ref = str(ref or "").lstrip("#")
        found = self.channels.get(ref) or next(
            (c for c in self.channels.values() if c["name"] == ref), None)
        if found is None and ref in self.users:  # a user id: the DM with them
            found = next((c for c in self.channels.values() if c.get("user") == ref), None)
        if found is None:
            raise SlackError("channel_not_found")
        return found

    def _chat_postMessage(self, params: dict[str, Any], token: Token) -> dict[str, Any]:
        channel = self._channel(params.get("channel"))
        if channel["is_archived"]:
            raise SlackError("is_archived")
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except ValueError:
                raise SlackError("invalid_blocks_format") from None
        if blocks is not None and not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        if not params.get("text") and not blocks:
            raise SlackError("no_text")
        more: dict[str, Any] = {}
        if blocks:
            more["blocks"] = blocks
        if params.get("thread_ts"):
            more["thread_ts"] = params["thread_ts"]
        if token.kind == "bot":
            more["bot_id"] = "B0BOT0001"
        message = self.post(channel["id"], token.user, params.get("text") or "", **more)
        return {"channel": channel["id"], "ts": message["ts"], "message": message}

    def _search_messages(self, params: dict[str, Any], token: Token) -> dict[str, Any]:
        words, user, where = [], None, None
        for part in str(params.get("query", "")).split():
            if part.startswith("from:"):
                user = part[5:].strip("<@>")
            elif part.startswith("in:"):
                where = part[3:].strip("<#@>").lstrip("#")
            else:
                words.append(part.lower())
        matches = []
        for channel_id, messages in self.messages.items():
            channel = self.channels[channel_id]
            if where and where not in (channel_id, channel["name"]):
                continue
            for m in messages:
                if user and m["user"] != user or not all(w in m["text"].lower() for w in words):
                    continue
                matches.append({
                    "iid": f"iid-{m['ts']}", "type": "message", "ts": m["ts"],
                    "user": m["user"], "username": self.users.get(m["user"], {}).get("name"),
                    "text": m["text"], "team": self.team["id"],
                    "permalink": f"https://example.slack.com/archives/{channel_id}/"
                                 f"p{m['ts'].replace('.', '')}",
                    "channel": {k: channel[k] for k in ("id", "name", "is_channel",
                                                        "is_private", "is_im", "is_mpim")}})
        newest_first = params.get("sort") == "timestamp" and params.get("sort_dir") != "asc"
        matches.sort(key=lambda m: m["ts"], reverse=newest_first)
        count, page = int(params.get("count", 20)), int(params.get("page", 1))
        pages = max(1, -(-len(matches) // count))
        return {"query": params.get("query"), "messages": {
            "total": len(matches), "matches": matches[(page - 1) * count: page * count],
            "paging": {"count": count, "total": len(matches), "page": page, "pages": pages}}}

    def _conversations_history(self, params: dict[str, Any], token: Token) -> dict[str, Any]:
        channel = self._channel(params.get("channel"))
        inclusive = params.get("inclusive") in ("true", "1", True)
        latest, oldest = params.get("latest"), params.get("oldest")

        def within(m: dict[str, Any]) -> bool:
            ts = float(m["ts"])
            if latest and (ts > float(latest) or (ts == float(latest) and not inclusive)):
                return False
            return not (oldest and (ts < float(oldest)
                                    or (ts == float(oldest) and not inclusive)))

        found = [m for m in reversed(self.messages[channel["id"]]) if within(m)]
        limit = int(params.get("limit", 100))
        return {"messages": found[:limit], "has_more": len(found) > limit, "pin_count": 0,
                "response_metadata": {"next_cursor": ""}}

    def _reactions_add(self, params: dict[str, Any], token: Token) -> dict[str, Any]:
        channel = self._channel(params.get("channel"))
        name = str(params.get("name") or "")
        if not name or ":" in name:
            raise SlackError("invalid_name")
        message = next((m for m in self.messages[channel["id"]]
                        if m["ts"] == params.get("timestamp")), None)
        if message is None:
            raise SlackError("message_not_found")
        reactions = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if token.user in reaction["users"]:
            raise SlackError("already_reacted")
        reaction["users"].append(token.user)
        reaction["count"] += 1
        return {}

    def _users_info(self, params: dict[str, Any], token: Token) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user}

    def _page(self, key: str, rows: list[Any], params: dict[str, Any]) -> dict[str, Any]:
        start, limit = int(params.get("cursor") or 0), int(params.get("limit", 100))
        more = start + limit < len(rows)
        return {key: rows[start:start + limit],
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _conversations_list(self, params: dict[str, Any], token: Token) -> dict[str, Any]:
        wanted = str(params.get("types") or "public_channel").split(",")
        kinds = {"public_channel": "is_channel", "private_channel": "is_group",
                 "im": "is_im", "mpim": "is_mpim"}
        rows = [c for c in self.channels.values() if any(c[kinds[t]] for t in wanted)]
        return self._page("channels", rows, params)

    def _users_list(self, params: dict[str, Any], token: Token) -> dict[str, Any]:
        return self._page("members", list(self.users.values()), params)

    def _auth_test(self, params: dict[str, Any], token: Token) -> dict[str, Any]:
        name = self.users.get(token.user, {}).get("name", "gasbot")
        return {"url": "https://axelerant.slack.com/", "team": self.team["name"],
                "user": name, "team_id": self.team["id"], "user_id": token.user}

    def _auth_revoke(self, params: dict[str, Any], token: Token) -> dict[str, Any]:
        self.revoked.append(token.value)
        del self.tokens[token.value]
        return {"revoked": True}

    def _oauth(self, form: dict[str, Any]) -> dict[str, Any]:
        self.token_forms.append(dict(form))
        if form.get("client_id") != self.client_id:
            raise SlackError("invalid_client_id")
        if form.get("client_secret") != self.client_secret:
            raise SlackError("bad_client_secret")
        if form.get("grant_type") == "refresh_token":
            old = self._refresh.pop(str(form.get("refresh_token")), None)
            if old is None:
                raise SlackError("invalid_refresh_token")
            new = self.add_token(old.kind, old.user, old.scopes)
            refresh = f"xoxe-1-refresh-{len(self.tokens)}"
            self._refresh[refresh] = new
            return {"access_token": new.value, "token_type": old.kind, "expires_in": 43200,
                    "refresh_token": refresh, "team": self.team}
        asked = self._codes.pop(str(form.get("code")), None)
        if asked is None:
            raise SlackError("invalid_code")
        if form.get("redirect_uri") != asked.get("redirect_uri"):
            raise SlackError("bad_redirect_uri")
        challenge = asked.get("code_challenge")
        if challenge:
            digest = hashlib.sha256(str(form.get("code_verifier", "")).encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge:
                raise SlackError("invalid_code_verifier")
        answer: dict[str, Any] = {"app_id": "A0APP0001", "team": self.team, "enterprise": None,
                                  "is_enterprise_install": False}
        bot_scopes = {s for s in asked.get("scope", "").split(",") if s}
        if bot_scopes:
            bot = self.add_token("bot", "U0BOT0001", bot_scopes)
            answer.update(access_token=bot.value, token_type="bot", bot_user_id="U0BOT0001",
                          scope=",".join(sorted(bot_scopes)))
        user_scopes = {s for s in asked.get("user_scope", "").split(",") if s}
        authed: dict[str, Any] = {"id": "U012E5Y48BX"}
        if user_scopes:
            user = self.add_token("user", "U012E5Y48BX", user_scopes)
            authed.update(access_token=user.value, token_type="user",
                          scope=",".join(sorted(user_scopes)))
            if self.rotate:
                refresh = f"xoxe-1-refresh-{len(self.tokens)}"
                self._refresh[refresh] = user
                authed.update(refresh_token=refresh, expires_in=43200)
        answer["authed_user"] = authed
        return answer


@contextmanager
def serve_fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    with serve(fake.respond, keep_alive=True, poll_interval=0.05, name="fake-slack") as port:
        fake.port = port
        yield fake


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with serve_fake_slack() as fake:
        yield fake
