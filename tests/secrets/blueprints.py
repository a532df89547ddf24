"""Blueprints with every kind of credential a user types into Make's HTTP modules, and a
stub API on 127.0.0.1 that echoes what it received (so the secrets come back in bundles)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.http_stub import Answer, Recorded, serve

URL_PASSWORD = "urlPassw0rd-Qx"
BEARER = "bearer-tok-7Hs9"
API_KEY = "xapikey-Lm3K"
QS_API_KEY = "qs-apikey-Vb2N"
QS_TOKEN = "qs-token-Rt5W"
PASSWORD = "basicPass-Jk8P"
V4_ACCESS_TOKEN = "v4-access-Yu6T"
V4_BEARER = "v4-bearer-Op1Z"
FAIL_PASSWORD = "failPass-Df4G"
FAIL_TOKEN = "fail-token-Zx7C"
RUNTIME_KEY = "runtime-key-Hn2M"  # reaches a credential header through IML only

LITERAL_SECRETS = [URL_PASSWORD, BEARER, API_KEY, QS_API_KEY, QS_TOKEN, PASSWORD,
                   V4_ACCESS_TOKEN, V4_BEARER, FAIL_PASSWORD, FAIL_TOKEN,
                   base64.b64encode(f"bob:{PASSWORD}".encode()).decode(),
                   base64.b64encode(f"carol:{FAIL_PASSWORD}".encode()).decode()]
CANARY = "canary-visible-value"


@dataclass
class EchoStub:
    """/echo answers 200 with the request's headers; /fail answers 500 (with them) while
    `failing`, then 200 only to carol's right password (so a retry proves it has it)."""

    port: int = 0
    failing: bool = True
    seen: list[Recorded] = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def echo_stub() -> Iterator[EchoStub]:
    stub = EchoStub()
    carol = "Basic " + base64.b64encode(f"carol:{FAIL_PASSWORD}".encode()).decode()

    def respond(request: Recorded) -> Answer:
        stub.seen.append(request)
        echo = {"path": request.path, "headers": request.headers, "canary": CANARY}
        if request.path == "/fail":
            if stub.failing:
                return Answer.of(500, echo)
            ok = request.headers.get("authorization") == carol
            return Answer.of(200 if ok else 401, {"ok": ok})
        return Answer.of(200, echo)

    with serve(respond) as port:
        stub.port = port
        yield stub


def _name_value(**pairs: str) -> list[dict[str, str]]:
    return [{"name": k.replace("_", "-"), "value": v} for k, v in pairs.items()]


def credentials_blueprint(host: str) -> dict[str, Any]:
    """Webhook -> v3 request (URL user:password, query api_key/token, Authorization and
    X-API-Key headers) -> v3 request with a password -> v4 request (query access_token,
    bearer header, an API key header mapped from the webhook)."""
    return {
        "name": "Credentials",
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1}},
            {"id": 2, "module": "http:ActionSendData", "parameters": {"handleErrors": True},
             "mapper": {
                 "url": f"http://alice:{URL_PASSWORD}@{host}/echo?api_key={QS_API_KEY}"
                        f"&token={QS_TOKEN}&page=1",
                 "method": "get", "parseResponse": True,
                 "headers": [{"name": "Authorization", "value": f"Bearer {BEARER}"},
                             {"name": "X-API-Key", "value": API_KEY},
                             {"name": "X-Canary", "value": CANARY}]}},
            {"id": 3, "module": "http:ActionSendData", "parameters": {"handleErrors": True},
             "mapper": {"url": f"http://{host}/echo", "method": "post", "bodyType": "raw",
                        "contentType": "application/json", "data": '{"a": 1}',
                        "parseResponse": True, "authUser": "bob", "authPass": PASSWORD}},
            {"id": 4, "module": "http:MakeRequest", "parameters": {"authenticationType": "noAuth"},
             "mapper": {"url": f"http://{host}/echo", "method": "get",
                        "headers": [{"name": "Authorization", "value": f"Bearer {V4_BEARER}"},
                                    {"name": "X-Api-Key", "value": "{{1.key}}"}],
                        "queryParameters": [{"name": "access_token",
                                             "value": V4_ACCESS_TOKEN}]}},
        ],
        "metadata": {"scenario": {}},
    }


def failing_blueprint(host: str) -> dict[str, Any]:
    """Webhook -> a request that fails (500) to a URL with credentials, handled by Break:
    an incomplete execution is stored, to be retried once the API works."""
    return {
        "name": "Failing credentials",
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1}},
            {"id": 2, "module": "http:ActionSendData", "parameters": {"handleErrors": True},
             "mapper": {
                 "url": f"http://carol:{FAIL_PASSWORD}@{host}/fail?token={FAIL_TOKEN}",
                 "method": "get", "parseResponse": True,
                 "headers": [{"name": "X-API-Key", "value": "{{1.key}}"}]},
             "onerror": [{"id": 3, "module": "builtin:Break",
                          "mapper": {"retry": False, "count": "3", "interval": "15"}}]},
        ],
        "metadata": {"scenario": {"allowStoringOfIncompleteExecutions": True}},
    }


def request() -> dict[str, Any]:
    return {"body": {"key": RUNTIME_KEY, "note": CANARY}, "headers": {}, "method": "POST",
            "query": {}}


def write(path: Any, data: Any) -> Any:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
