"""HTTP modules against real HTTP servers the tests start on 127.0.0.1."""

from __future__ import annotations

import gzip
import inspect
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from engine.builtins import http
from engine.context import RunServices
from engine.errors import ModuleError
from engine.spec import ModuleCall

# --- a recording stub server -----------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    client_port: int


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    drop: bool = False
    delay_s: float = 0.0


class Stub:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.routes: dict[tuple[str, str], Callable[[Recorded], Reply]] = {}
        self.port = 0

    def route(self, method: str, path: str, reply: Reply | Callable[[Recorded], Reply]) -> None:
        self.routes[(method, path)] = reply if callable(reply) else (lambda _r: reply)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def json_reply(value: Any, status: int = 200, **kw: Any) -> Reply:
    headers = [("Content-Type", "application/json; charset=utf-8"), *kw.pop("headers", [])]
    return Reply(status=status, body=json.dumps(value).encode(), headers=headers, **kw)


def _handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            recorded = Recorded(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                client_port=self.client_address[1],
            )
            stub.requests.append(recorded)
            make = stub.routes.get((self.command, parts.path))
            reply = make(recorded) if make else Reply(status=404, body=b"no route")
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    return Handler


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = Stub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
async def run() -> Any:
    services = RunServices()
    yield services
    await services.aclose()


async def call(impl: Any, run: RunServices, mapper: dict[str, Any],
               parameters: dict[str, Any] | None = None, module_id: int = 2) -> list[dict]:
    result = impl(ModuleCall(module_id, parameters or {}, mapper, run, SimpleNamespace()))  # type: ignore[arg-type]
    return await result if inspect.isawaitable(result) else result


def v3(url: str, **fields: Any) -> dict[str, Any]:
    """A v3 mapper as real exports write it."""
    base = {"ca": "", "qs": [], "url": url, "gzip": True, "method": "get", "headers": [],
            "timeout": "", "useMtls": False, "authPass": "", "authUser": "", "bodyType": "",
            "serializeUrl": False, "shareCookies": False, "parseResponse": False,
            "followRedirect": True, "useQuerystring": False, "followAllRedirects": False,
            "rejectUnauthorized": True}
    return {**base, **fields}


def v4(url: str, **fields: Any) -> dict[str, Any]:
    base = {"url": url, "method": "get", "headers": [], "queryParameters": [],
            "parseResponse": True}
    return {**base, **fields}


# --- v3 Make a request -----------------------------------------------------------------------


async def test_v3_raw_json_body_is_sent_byte_for_byte(stub: Stub, run: RunServices) -> None:
    stub.route("POST", "/orders", json_reply({"id": 7}, status=201,
                                             headers=[("Set-Cookie", "s=1; Path=/"),
                                                      ("X-Trace", "abc")]))
    body = '{"id": "o1",  "note": "spaced\\u00e9"}'
    out = await call(http.action_send_data, run, v3(
        stub.url("/orders"), method="post", bodyType="raw", contentType="application/json",
        data=body, parseResponse=True,
        qs=[{"name": "page", "value": "2"}, {"name": "tag", "value": "a b"}],
        headers=[{"name": "X-Api-Version", "value": "3"}],
    ))
    sent = stub.requests[0]
    assert sent.body == body.encode()
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["x-api-version"] == "3"
    assert sent.query == {"page": ["2"], "tag": ["a b"]}
    [bundle] = out
    assert bundle["statusCode"] == 201
    assert bundle["data"] == {"id": 7}
    assert {"name": "x-trace", "value": "abc"} in bundle["headers"]
    assert bundle["cookieHeaders"] == ["s=1; Path=/"]


async def test_query_items_are_added_to_the_urls_own_query(stub: Stub, run: RunServices
                                                           ) -> None:
    stub.route("GET", "/q", Reply(body=b"ok"))
    await call(http.action_send_data, run, v3(
        stub.url("/q?a=1&b=2"), qs=[{"name": "b", "value": "3"}, {"name": "c", "value": "x y"}]))
    assert stub.requests[0].query == {"a": ["1"], "b": ["2", "3"], "c": ["x y"]}


def test_with_query_keeps_fragments_and_separators() -> None:
    from engine.http_client import with_query

    assert with_query("http://h/p", [("a", "x y")]) == "http://h/p?a=x%20y"
    assert with_query("http://h/p?", [("a", "1")]) == "http://h/p?a=1"
    assert with_query("http://h/p?z=0#top", [("a", "1")]) == "http://h/p?z=0&a=1#top"
    assert with_query("http://h/p", []) == "http://h/p"


async def test_v3_without_parse_response_gives_the_text(stub: Stub, run: RunServices) -> None:
    stub.route("GET", "/j", json_reply({"a": 1}))
    [bundle] = await call(http.action_send_data, run, v3(stub.url("/j")))
    assert bundle["data"] == '{"a": 1}'


async def test_v3_binary_response_is_bytes(stub: Stub, run: RunServices) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    stub.route("GET", "/img", Reply(body=png, headers=[("Content-Type", "image/png")]))
    [bundle] = await call(http.action_send_data, run, v3(stub.url("/img"), parseResponse=True))
    assert bundle["data"] == png


async def test_v3_http_errors_only_fail_with_handle_errors(stub: Stub, run: RunServices) -> None:
    stub.route("GET", "/missing", json_reply({"error": "nope"}, status=404))
    [bundle] = await call(http.action_send_data, run, v3(stub.url("/missing"), parseResponse=True),
                          {"handleErrors": False})
    assert bundle["statusCode"] == 404 and bundle["data"] == {"error": "nope"}
    with pytest.raises(ModuleError) as caught:
        await call(http.action_send_data, run, v3(stub.url("/missing")), {"handleErrors": True})
    assert caught.value.name == "RuntimeError"
    assert "404" in caught.value.message and "nope" in caught.value.message
    assert caught.value.detail["statusCode"] == 404


async def test_v3_urlencoded_form(stub: Stub, run: RunServices) -> None:
    stub.route("POST", "/form", Reply(body=b"ok", headers=[("Content-Type", "text/plain")]))
    await call(http.action_send_data, run, v3(
        stub.url("/form"), method="post", bodyType="x_www_form_urlencoded",
        formFields=[{"key": "name", "value": "Ada L"}, {"key": "n", "value": 3}],
    ))
    sent = stub.requests[0]
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent.body.decode()) == {"name": ["Ada L"], "n": ["3"]}


async def test_v3_multipart_with_a_file(stub: Stub, run: RunServices) -> None:
    stub.route("POST", "/upload", Reply(body=b"ok"))
    await call(http.action_send_data, run, v3(
        stub.url("/upload"), method="post", bodyType="multipart_form_data",
        formFields=[{"key": "title", "value": "report"},
                    {"key": "file", "type": "file", "fileName": "r.bin", "value": b"\x00\x01"}],
    ))
    sent = stub.requests[0]
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="title"\r\n\r\nreport' in sent.body
    assert b'filename="r.bin"' in sent.body and b"\x00\x01" in sent.body


async def test_v3_basic_auth_fields(stub: Stub, run: RunServices) -> None:
    stub.route("GET", "/private", Reply(body=b"ok"))
    await call(http.action_send_data, run, v3(stub.url("/private"), authUser="ada",
                                              authPass="s3cret"))
    assert stub.requests[0].headers["authorization"] == "Basic YWRhOnMzY3JldA=="


async def test_default_headers_are_makes_not_httpx(stub: Stub, run: RunServices) -> None:
    stub.route("GET", "/h", Reply(body=b"ok"))
    await call(http.action_send_data, run, v3(stub.url("/h"), gzip=False))
    await call(http.action_send_data, run, v3(
        stub.url("/h"), headers=[{"name": "User-Agent", "value": "mine/1"},
                                 {"name": "Accept", "value": "text/csv"}]))
    first, second = stub.requests
    assert first.headers["user-agent"].startswith("Scenarist/")
    assert "accept" not in first.headers  # Make's HTTP app sends no Accept header
    assert "accept-encoding" not in first.headers  # gzip off
    assert second.headers["user-agent"] == "mine/1"
    assert second.headers["accept"] == "text/csv"


async def test_gzip_responses_are_decompressed(stub: Stub, run: RunServices) -> None:
    stub.route("GET", "/gz", Reply(body=gzip.compress(b'{"z": true}'),
                                   headers=[("Content-Type", "application/json"),
                                            ("Content-Encoding", "gzip")]))
    [bundle] = await call(http.action_send_data, run, v3(stub.url("/gz"), parseResponse=True))
    assert stub.requests[0].headers["accept-encoding"].startswith("gzip")
    assert bundle["data"] == {"z": True}


async def test_redirects_followed_unless_turned_off(stub: Stub, run: RunServices) -> None:
    stub.route("GET", "/old", Reply(status=302, headers=[("Location", "/new")]))
    stub.route("GET", "/new", Reply(body=b"moved here", headers=[("Content-Type", "text/plain")]))
    [followed] = await call(http.action_send_data, run, v3(stub.url("/old")))
    [kept] = await call(http.action_send_data, run, v3(stub.url("/old"), followRedirect=False))
    assert followed["statusCode"] == 200 and followed["data"] == "moved here"
    assert kept["statusCode"] == 302


async def test_shared_cookies_only_between_sharing_modules(stub: Stub, run: RunServices) -> None:
    stub.route("GET", "/login", Reply(headers=[("Set-Cookie", "sid=42; Path=/")]))
    stub.route("GET", "/me", Reply(body=b"ok"))
    await call(http.action_send_data, run, v3(stub.url("/login"), shareCookies=True))
    await call(http.action_send_data, run, v3(stub.url("/me"), shareCookies=True))
    await call(http.action_send_data, run, v3(stub.url("/me"), shareCookies=False))
    assert stub.requests[1].headers.get("cookie") == "sid=42"
    assert "cookie" not in stub.requests[2].headers


async def test_credential_modules_run_without_credentials(stub: Stub, run: RunServices) -> None:
    stub.route("GET", "/k", Reply(body=b"ok"))
    api_key_auth = next(s for s in http.MODULES if s.id == "http:ActionSendDataAPIKeyAuth")
    [bundle] = await call(api_key_auth.implementation, run, v3(stub.url("/k")),
                          {"auth": 1234, "handleErrors": False})
    assert bundle["statusCode"] == 200
    assert "authorization" not in stub.requests[0].headers
    # They declare their connection kind, so the executor warns about the missing keychain.
    kinds = {spec.id: spec.connection for spec in http.MODULES}
    assert kinds["http:ActionSendDataAPIKeyAuth"] == "apikeyauth"
    assert kinds["http:ActionSendDataBasicAuth"] == "basicauth"


# --- connection failures -----------------------------------------------------------------


async def test_connection_refused_is_a_connection_error(run: RunServices) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ModuleError) as caught:
        await call(http.make_request, run, v4(f"http://127.0.0.1:{port}/x", method="post"))
    assert caught.value.name == "ConnectionError"
    assert f"POST http://127.0.0.1:{port}/x" in caught.value.message


async def test_dropped_connection_then_next_request_works(stub: Stub, run: RunServices) -> None:
    stub.route("GET", "/ok", json_reply({"n": 1}))
    stub.route("POST", "/orders", Reply(drop=True))
    await call(http.make_request, run, v4(stub.url("/ok")))
    with pytest.raises(ModuleError) as caught:
        await call(http.make_request, run, v4(
            stub.url("/orders"), method="post", contentType="json", inputMethod="jsonString",
            jsonStringBodyContent='{"a": 1}'))
    error = caught.value
    assert error.name == "ConnectionError"
    assert error.message == f"POST {stub.url('/orders')}: connection closed without a response"
    [after] = await call(http.make_request, run, v4(stub.url("/ok")))
    assert after["data"] == {"n": 1}
    assert [r.path for r in stub.requests] == ["/ok", "/orders", "/ok"]  # no silent retry


async def test_timeout_is_a_module_timeout_error(stub: Stub, run: RunServices) -> None:
    stub.route("GET", "/slow", Reply(body=b"late", delay_s=1.5))
    with pytest.raises(ModuleError) as caught:
        await call(http.make_request, run, v4(stub.url("/slow"), timeout="1"))
    assert caught.value.name == "ModuleTimeoutError"


async def test_one_client_per_run_keeps_connections_alive(stub: Stub, run: RunServices) -> None:
    stub.route("GET", "/a", Reply(body=b"ok"))
    for _ in range(3):
        await call(http.make_request, run, v4(stub.url("/a")))
    assert len({r.client_port for r in stub.requests}) == 1
    await run.aclose()  # closes the client; a later call opens a new one
    await call(http.make_request, run, v4(stub.url("/a")))
    assert len({r.client_port for r in stub.requests}) == 2


async def test_empty_url_is_a_data_error(run: RunServices) -> None:
    with pytest.raises(ModuleError) as caught:
        await call(http.make_request, run, v4(""))
    assert caught.value.name == "DataError"


# --- v4 Make a request -----------------------------------------------------------------------


async def test_v4_json_string_is_sent_as_is(stub: Stub, run: RunServices) -> None:
    stub.route("POST", "/leads", json_reply({"id": "lead-1"}, status=201,
                                            headers=[("Set-Cookie", "a=1"),
                                                     ("Set-Cookie", "b=2")]))
    text = '{"email": "ada@example.com", "amount": 25}'
    [bundle] = await call(http.make_request, run, v4(
        stub.url("/leads"), method="post", contentType="json", inputMethod="jsonString",
        jsonStringBodyContent=text, queryParameters=[{"name": "src", "value": "hook"}]))
    sent = stub.requests[0]
    assert sent.body == text.encode()
    assert sent.headers["content-type"] == "application/json"
    assert sent.query == {"src": ["hook"]}
    assert bundle["statusCode"] == 201
    assert bundle["data"] == {"id": "lead-1"}
    assert bundle["headers"]["content-type"] == "application/json; charset=utf-8"
    assert bundle["headers"]["set-cookie"] == ["a=1", "b=2"]


async def test_v4_user_content_type_header_wins(stub: Stub, run: RunServices) -> None:
    stub.route("POST", "/x", Reply(body=b"ok"))
    await call(http.make_request, run, v4(
        stub.url("/x"), method="post", contentType="json", inputMethod="jsonString",
        jsonStringBodyContent="{}",
        headers=[{"name": "content-type", "value": "application/vnd.api+json"}]))
    raw = stub.requests[0].headers
    assert raw["content-type"] == "application/vnd.api+json"


async def test_v4_get_sends_no_body_and_no_content_type(stub: Stub, run: RunServices) -> None:
    stub.route("GET", "/status", json_reply({"status": "ok"}))
    [bundle] = await call(http.make_request, run, v4(stub.url("/status")))
    assert stub.requests[0].body == b"" and "content-type" not in stub.requests[0].headers
    assert bundle == {"data": {"status": "ok"}, "statusCode": 200, "headers": bundle["headers"]}


async def test_v4_data_structure_body_is_json(stub: Stub, run: RunServices) -> None:
    stub.route("POST", "/ds", Reply(body=b"ok"))
    await call(http.make_request, run, v4(
        stub.url("/ds"), method="post", contentType="json", inputMethod="dataStructure",
        bodyDataStructure={"name": "Ada", "tags": ["a"], "n": 1}))
    assert json.loads(stub.requests[0].body) == {"name": "Ada", "tags": ["a"], "n": 1}


async def test_v4_stop_on_http_error(stub: Stub, run: RunServices) -> None:
    stub.route("POST", "/fail", json_reply({"error": "boom"}, status=500))
    mapper = v4(stub.url("/fail"), method="post")
    [bundle] = await call(http.make_request, run, mapper)
    assert bundle["statusCode"] == 500 and bundle["data"] == {"error": "boom"}
    with pytest.raises(ModuleError) as caught:
        await call(http.make_request, run, {**mapper, "stopOnHttpError": True})
    assert "500" in caught.value.message


async def test_v4_bad_json_with_json_content_type_is_a_data_error(
    stub: Stub, run: RunServices
) -> None:
    stub.route("GET", "/broken", Reply(body=b"{not json",
                                       headers=[("Content-Type", "application/json")]))
    with pytest.raises(ModuleError) as caught:
        await call(http.make_request, run, v4(stub.url("/broken")))
    assert caught.value.name == "DataError"
    [text] = await call(http.make_request, run, v4(stub.url("/broken"), parseResponse=False))
    assert text["data"] == "{not json"


async def test_v4_auth_types_warn_once_without_credentials(stub: Stub, run: RunServices
                                                           ) -> None:
    stub.route("GET", "/a", Reply(body=b"ok"))
    for _ in range(2):
        await call(http.make_request, run, v4(stub.url("/a")),
                   {"authenticationType": "apiKey", "apiKeyKeychain": 99})
    assert len(run.warnings) == 1 and "99" in run.warnings[0]
    assert len(stub.requests) == 2


# --- Get a file ------------------------------------------------------------------------------


async def test_get_file_names_from_disposition_or_url(stub: Stub, run: RunServices) -> None:
    pdf = b"%PDF-1.4 \x00\xff"
    stub.route("GET", "/dl/123", Reply(body=pdf, headers=[
        ("Content-Type", "application/pdf"),
        ("Content-Disposition", "attachment; filename=\"invoice 7.pdf\"")]))
    stub.route("GET", "/files/r%C3%A9sum%C3%A9.txt", Reply(body=b"hi",
                                                           headers=[("Content-Type",
                                                                     "text/plain")]))
    get = {"method": "get", "serializeUrl": False, "shareCookies": False}
    [named] = await call(http.action_get_file, run, {**get, "url": stub.url("/dl/123")})
    [from_url] = await call(http.action_get_file, run,
                            {**get, "url": stub.url("/files/r%C3%A9sum%C3%A9.txt")})
    assert named["data"] == pdf and named["fileName"] == "invoice 7.pdf"
    assert named["fileSize"] == len(pdf)
    assert from_url["fileName"] == "résumé.txt" and from_url["data"] == b"hi"


def test_declarations_use_makes_field_names() -> None:
    specs = {spec.id: spec for spec in http.MODULES}
    assert {f.name for f in specs["http:ActionSendData"].mapper} >= {
        "url", "method", "headers", "qs", "bodyType", "contentType", "data", "parseResponse"}
    assert {f.name for f in specs["http:MakeRequest"].mapper} >= {
        "queryParameters", "jsonStringBodyContent", "stopOnHttpError", "allowRedirects"}
    assert specs["http:ActionSendDataOAuth"].connection == "oauth2"
