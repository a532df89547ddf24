"""Execute a communication spec: Make's request/response directives for one component.

A spec (or an array of specs run in order, sharing `temp`) says how to build the request
(`url`, `method`, `headers`, `qs`, `body`, `type`, `timeout`, `condition`, `temp`) and how to
read the response (`response.type / valid / error / iterate / output / wrapper / limit /
trigger / data / metadata / uid / temp`), with `pagination` for more pages. Everything
inherits the app's `base`. HTTP goes through the run's client (engine.http_client).

IML roots, as Make's app code has them: `parameters`, `connection`, `common`, `data`,
`temp`, `webhook`; after a response `body`, `headers`, `statusCode`; `item` while iterating;
`pagination.page` (1-based) in pagination directives; `output` in the wrapper.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode

import orjson

from engine.apps.iml import CustomFunctions, compile_app_value
from engine.errors import IMLError, ModuleError
from engine.http_client import DEFAULT_TIMEOUT_S, FilePart, HttpResponse, clamp_timeout, http_client
from engine.iml import Scope
from engine.values import to_bool, to_json_value, to_number, to_text

if TYPE_CHECKING:
    from engine.apps.declaration import Base
    from engine.context import RunServices

MAX_PAGES = 1000
ERROR_TYPES = frozenset({
    "RuntimeError", "DataError", "RateLimitError", "OutOfSpaceError", "ConnectionError",
    "InvalidConfigurationError", "InvalidAccessTokenError", "IncompleteDataError",
    "DuplicateDataError", "UnexpectedError", "MaxResultsExceededError",
})
REQUEST_KEYS = frozenset({
    "url", "encodeUrl", "method", "headers", "qs", "body", "type", "timeout", "temp",
    "condition", "gzip", "followRedirects", "followAllRedirects", "log", "pagination",
    "response",
})
UNSUPPORTED_REQUEST_KEYS = frozenset({"ca", "aws", "oauth", "repeat", "endpoint", "input"})
RESPONSE_KEYS = frozenset({
    "type", "valid", "error", "limit", "iterate", "temp", "output", "wrapper", "trigger",
    "data", "metadata", "uid", "expires", "respond", "verification",
})


@dataclass
class Context:
    """What one component's communication runs with."""

    run: RunServices
    base: Base
    parameters: dict[str, Any] = field(default_factory=dict)
    connection: dict[str, Any] = field(default_factory=dict)
    common: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    temp: dict[str, Any] = field(default_factory=dict)
    webhook: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # more roots (trigger, ...)
    base_url_override: str | None = None
    functions: CustomFunctions | None = None
    use_base: bool = True
    default_limit: int | None = None
    # Polling triggers: only outputs this accepts count (new items); a rejected one on an
    # ordered-descending list ends paging (everything after it is older).
    accept: Callable[[Emitted], bool] | None = None
    stop_on_rejected: bool = False

    def roots(self, **more: Any) -> dict[str, Any]:
        roots: dict[str, Any] = {
            "parameters": self.parameters, "connection": self.connection,
            "common": self.common, "data": self.data, "temp": self.temp,
            "environment": {}, **self.extra,
        }
        if self.webhook is not None:
            roots["webhook"] = self.webhook
        roots.update(more)
        return roots

    def scope(self, **more: Any) -> Scope:
        return Scope(self.roots(**more), now=self.run.now, timezone=self.run.timezone,
                     execution_id=self.run.execution_id, random=self.run.random,
                     uuid=self.run.uuid)

    def evaluate(self, value: Any, **more: Any) -> Any:
        if value is None:
            return None
        return compile_app_value(value, self.functions)(self.scope(**more))


@dataclass
class Emitted:
    """One output, with the trigger's id and date of the item it came from."""

    output: Any
    id: Any = None
    date: Any = None


@dataclass
class Result:
    outputs: list[Emitted] = field(default_factory=list)
    data: dict[str, Any] | None = None  # response.data (connections, attach)
    metadata: Any = None
    uid: Any = None
    expires: Any = None
    more: bool = False  # stopped at the limit while more pages were there
    last: Response | None = None

    @property
    def values(self) -> list[Any]:
        return [e.output for e in self.outputs]


@dataclass
class Response:
    status: int
    headers: dict[str, Any]
    body: Any

    def roots(self) -> dict[str, Any]:
        return {"statusCode": self.status, "headers": self.headers, "body": self.body}


# --- building a request ----------------------------------------------------------------------


def _merged(base: Mapping[str, Any] | None, own: Mapping[str, Any] | None) -> dict[str, Any]:
    """Headers/qs: the base's overridden by the component's (names case-insensitive for
    headers is the caller's concern)."""
    out: dict[str, Any] = dict(base or {})
    for key, value in (own or {}).items():
        for existing in [k for k in out if k.lower() == key.lower() and k != key]:
            del out[existing]
        out[key] = value
    return out


def _pairs(values: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not isinstance(values, dict):
        return out
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, list):
            out.extend((str(key), _scalar(v)) for v in value if v is not None)
        else:
            out.append((str(key), _scalar(value)))
    return out


def _scalar(value: Any) -> str:
    if isinstance(value, dict):
        return orjson.dumps(to_json_value(value)).decode()
    return to_text(value)


def _pruned(value: Any) -> Any:
    """A body with undefined (None) object members left out, as Make sends it."""
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _encode_url(url: str) -> str:
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def _join(base_url: str | None, url: str) -> str:
    if url.startswith("/"):
        if not base_url:
            raise ModuleError(f"The URL {url!r} is relative, and the app has no base URL.",
                              name="InvalidConfigurationError")
        return base_url.rstrip("/") + url
    return url


def _body(body: Any, body_type: str, headers: list[tuple[str, str]]
          ) -> tuple[bytes | None, list[tuple[str, FilePart]] | None]:
    def set_type(value: str) -> None:
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", value))

    if body is None:
        return None, None
    kind = body_type.lower()
    if kind == "json":
        set_type("application/json")
        return orjson.dumps(to_json_value(_pruned(body))), None
    if kind == "urlencoded":
        set_type("application/x-www-form-urlencoded")
        return urlencode(_pairs(body)).encode("ascii"), None
    if kind in ("multipart/form-data", "multipart"):
        return None, _multipart(body)
    if isinstance(body, (bytes, bytearray)):
        return bytes(body), None
    if isinstance(body, (dict, list)):
        return orjson.dumps(to_json_value(body)), None
    return to_text(body).encode("utf-8"), None


def _multipart(body: Any) -> list[tuple[str, FilePart]]:
    parts: list[tuple[str, FilePart]] = []
    for name, value in (body.items() if isinstance(body, dict) else ()):
        if value is None:
            continue
        if isinstance(value, dict) and "value" in value:  # {value, options: {filename, ..}}
            options = value.get("options") or {}
            data = value["value"]
            content = data if isinstance(data, bytes) else to_text(data).encode("utf-8")
            parts.append((name, (to_text(options.get("filename")) or "file", content,
                                 options.get("contentType") or None)))
        elif isinstance(value, (bytes, bytearray)):
            parts.append((name, ("file", bytes(value), None)))
        else:
            parts.append((name, (None, _scalar(value).encode("utf-8"), None)))
    return parts


# --- reading a response ----------------------------------------------------------------------


def _by_status(value: Any, status: int) -> Any:
    """`type`/`error` keyed by `"*"`, `"NNN"` or `"NNN-MMM"`: the smallest match wins."""
    if not isinstance(value, dict) or not any(_is_status_key(k) for k in value):
        return value
    best: tuple[int, Any] | None = None
    for key, item in value.items():
        if not _is_status_key(key):
            continue
        if key == "*":
            width = 1000
        elif "-" in key:
            low, high = (int(p) for p in key.split("-", 1))
            if not low <= status <= high:
                continue
            width = high - low
        elif int(key) == status:
            width = 0
        else:
            continue
        if best is None or width < best[0]:
            best = (width, item)
    return None if best is None else best[1]


def _is_status_key(key: str) -> bool:
    return key == "*" or key.replace("-", "").isdigit()


def _parse(response: HttpResponse, kind: str) -> Any:
    content = response.content
    kind = (kind or "automatic").lower()
    if kind == "binary":
        return content
    if kind == "automatic":
        ctype = response.content_type
        if ctype == "application/json" or ctype.endswith(("+json", "/json")):
            kind = "json"
        elif ctype == "application/x-www-form-urlencoded":
            kind = "urlencoded"
        elif ctype.startswith("text/") or ctype.endswith(("xml", "javascript")):
            kind = "text"
        elif not ctype:
            kind = "json" if content[:1] in (b"{", b"[") else "text"
        else:
            return content
    text = content.decode(response.charset or "utf-8", errors="replace")
    if kind == "json":
        if not text.strip():
            return None
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise ModuleError(f"The response is not valid JSON: {exc}", name="DataError",
                              detail={"statusCode": response.status}) from exc
    if kind == "urlencoded":
        return dict(parse_qsl(text, keep_blank_values=True))
    return text  # text, string, raw; xml is read as text (see check_app)


def _error(ctx: Context, spec: Any, response: Response, roots: dict[str, Any],
           default_message: str) -> ModuleError:
    message, kind = default_message, "RuntimeError"
    chosen = spec
    if isinstance(spec, dict):
        specific = spec.get(str(response.status))
        if specific is None:
            specific = _by_status({k: v for k, v in spec.items() if _is_status_key(k)},
                                  response.status)
        message_spec = spec.get("message")
        kind = _error_type(ctx, spec.get("type"), roots) or kind
        if isinstance(specific, dict):
            message_spec = specific.get("message", message_spec)
            kind = _error_type(ctx, specific.get("type"), roots) or kind
        elif isinstance(specific, str):
            message_spec = specific
        chosen = message_spec
    if chosen is not None:
        try:
            evaluated = to_text(ctx.evaluate(chosen, **roots)).strip()
        except IMLError:
            evaluated = ""
        message = evaluated or message
    if kind not in ERROR_TYPES:
        kind = "RuntimeError"
    detail = {"statusCode": response.status, "body": to_json_value(response.body)}
    return ModuleError(message, name=kind, detail=detail)


def _error_type(ctx: Context, value: Any, roots: dict[str, Any]) -> str:
    """An error's type: a name, or IML choosing one from the response (a service that
    answers every error with 200 and a code in the body, as Slack does)."""
    if isinstance(value, str) and "{{" in value:
        try:
            value = ctx.evaluate(value, **roots)
        except IMLError:
            return ""
    return to_text(value).strip()


def _default_message(response: Response) -> str:
    excerpt = response.body if isinstance(response.body, str) else (
        "" if isinstance(response.body, bytes) else to_text(response.body))
    return f"[{response.status}] {excerpt[:300]}".strip()


def _limit(value: Any) -> int | None:
    number = to_number(value)
    if number is None or number < 0:
        return None
    return int(number)


# --- running -------------------------------------------------------------------------------


def _response_spec(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    own = spec.get("response") or {}
    if not ctx.use_base:
        return dict(own)
    merged = dict(ctx.base.response)
    merged.update(own)
    if isinstance(ctx.base.response.get("error"), dict) and isinstance(own.get("error"), dict):
        merged["error"] = {**ctx.base.response["error"], **own["error"]}
    return merged


async def execute(spec: Any, ctx: Context) -> Result:
    """Run a communication (one spec or an array of them); the last one's result counts."""
    specs = spec if isinstance(spec, list) else [spec]
    result = Result()
    for one in specs:
        if not isinstance(one, dict):
            raise ModuleError("A communication must be an object.",
                              name="InvalidConfigurationError")
        result = await _execute_one(one, ctx)
    return result


async def _execute_one(spec: dict[str, Any], ctx: Context) -> Result:
    if "temp" in spec:
        temp = ctx.evaluate(spec["temp"])
        if isinstance(temp, dict):
            ctx.temp.update(temp)
    condition = spec.get("condition")
    if condition is not None:
        cond = condition.get("condition") if isinstance(condition, dict) else condition
        if not to_bool(ctx.evaluate(cond)):
            default = condition.get("default") if isinstance(condition, dict) else None
            outputs = [] if default is None else [Emitted(ctx.evaluate(default))]
            return Result(outputs=outputs)
    response_spec = _response_spec(ctx, spec)
    if spec.get("url") is None:  # static mode: only the output
        return _static(ctx, response_spec)
    limit = _limit(ctx.evaluate(response_spec.get("limit"))) if (
        "limit" in response_spec) else ctx.default_limit
    request = _Request.build(ctx, spec)
    first_request = request
    result = Result()
    pagination = spec.get("pagination")
    for page in range(1, MAX_PAGES + 1):
        response = _response(ctx, response_spec, await request.send(ctx))
        result.last = response
        roots = response.roots()
        result_page = _read(ctx, response_spec, response, roots)
        result.data, result.metadata = result_page.data, result_page.metadata
        result.uid, result.expires = result_page.uid, result_page.expires
        rejected = False
        for emitted in result_page.outputs:
            if ctx.accept is not None and not ctx.accept(emitted):
                rejected = True
                continue
            if limit is not None and len(result.outputs) >= limit:
                result.more = True
                break
            result.outputs.append(emitted)
        if not isinstance(pagination, dict) or result.more or not result_page.outputs:
            break
        if rejected and ctx.stop_on_rejected:
            break
        if limit is not None and len(result.outputs) >= limit:
            break
        page_roots = {**roots, "pagination": {"page": page + 1}}
        if "condition" in pagination and not to_bool(
                ctx.evaluate(pagination["condition"], **page_roots)):
            break
        request = first_request.next_page(ctx, pagination, page_roots)
    if "wrapper" in response_spec:
        wrapped = ctx.evaluate(response_spec["wrapper"], output=result.values,
                               **(result.last.roots() if result.last else {}))
        items = wrapped if isinstance(wrapped, list) else [wrapped]
        result.outputs = [Emitted(v) for v in items]
    return result


def browser_url(spec: dict[str, Any], ctx: Context, **extra_qs: str) -> str:
    """The address a spec names, with its query string, for the user's browser rather than
    for a request (an OAuth connection's `authorize` step)."""
    request = _Request.build(ctx, spec)
    pairs = _pairs(request.qs)
    pairs += [(k, v) for k, v in extra_qs.items() if k not in request.qs]
    url = _encode_url(request.url) if request.encode else request.url
    if not pairs:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(pairs)}"


def _response(ctx: Context, response_spec: dict[str, Any], raw: HttpResponse) -> Response:
    kind = response_spec.get("type")
    if isinstance(kind, dict) and any(_is_status_key(k) for k in kind):
        kind = _by_status(kind, raw.status)
    kind = to_text(ctx.evaluate(kind, statusCode=raw.status)) if kind is not None else ""
    return Response(raw.status, raw.header_collection(), _parse(raw, kind or "automatic"))


def _static(ctx: Context, response_spec: dict[str, Any]) -> Result:
    if "output" not in response_spec:
        return Result()
    return Result(outputs=[Emitted(ctx.evaluate(response_spec["output"]))])


def _read(ctx: Context, response_spec: dict[str, Any], response: Response,
          roots: dict[str, Any]) -> Result:
    if "temp" in response_spec:
        temp = ctx.evaluate(response_spec["temp"], **roots)
        if isinstance(temp, dict):
            ctx.temp.update(temp)
    valid = True
    valid_spec = response_spec.get("valid")
    error_spec = response_spec.get("error")
    if valid_spec is not None:
        cond = valid_spec.get("condition") if isinstance(valid_spec, dict) else valid_spec
        valid = to_bool(ctx.evaluate(cond, **roots))
        if not valid and isinstance(valid_spec, dict) and "message" in valid_spec:
            error_spec = {"message": valid_spec["message"], "type": valid_spec.get("type")}
    if response.status >= 400 or not valid:
        raise _error(ctx, error_spec, response, roots, _default_message(response))
    result = Result()
    for key in ("data", "metadata", "uid", "expires"):
        if key in response_spec:
            setattr(result, key, ctx.evaluate(response_spec[key], **roots))
    trigger = response_spec.get("trigger")
    output_spec = response_spec.get("output")
    if "iterate" in response_spec:
        iterate = response_spec["iterate"]
        condition = None
        if isinstance(iterate, dict):
            condition = iterate.get("condition")
            iterate = iterate.get("container")
        container = ctx.evaluate(iterate, **roots)
        items = container if isinstance(container, list) else (
            [] if container is None else [container])
        for item in items:
            item_roots = {**roots, "item": item}
            if condition is not None and not to_bool(ctx.evaluate(condition, **item_roots)):
                continue
            output = item if output_spec is None else ctx.evaluate(output_spec, **item_roots)
            result.outputs.append(_emitted(ctx, output, trigger, item_roots))
    else:
        output = response.body if output_spec is None else ctx.evaluate(output_spec, **roots)
        if output_spec is not None or response.body is not None:
            result.outputs.append(_emitted(ctx, output, trigger, roots))
    return result


def _emitted(ctx: Context, output: Any, trigger: Any, roots: dict[str, Any]) -> Emitted:
    if not isinstance(trigger, dict):
        return Emitted(output)
    return Emitted(output, ctx.evaluate(trigger.get("id"), **roots),
                   ctx.evaluate(trigger.get("date"), **roots))


@dataclass
class _Request:
    url: str
    method: str
    headers: dict[str, Any]
    qs: dict[str, Any]
    body: Any
    body_type: str
    timeout: float
    follow: bool
    encode: bool
    sanitize: list[str]

    @classmethod
    def build(cls, ctx: Context, spec: dict[str, Any]) -> _Request:
        base = ctx.base
        use_base = ctx.use_base
        base_url = None
        if use_base:
            base_url = ctx.base_url_override or to_text(ctx.evaluate(base.baseUrl)) or None
        url = to_text(ctx.evaluate(spec.get("url"))).strip()
        if ctx.base_url_override and not url.startswith("/"):
            url = _overridden(ctx, url)
        headers = _merged(ctx.evaluate(base.headers) if use_base else {},
                          ctx.evaluate(spec.get("headers")) or {})
        qs = _merged(ctx.evaluate(base.qs) if use_base else {},
                     ctx.evaluate(spec.get("qs")) or {})
        body = ctx.evaluate(spec["body"]) if "body" in spec else (
            ctx.evaluate(base.body) if use_base else None)
        body_type = to_text(ctx.evaluate(spec.get("type"))) or "json"
        timeout_ms = spec.get("timeout", base.timeout if use_base else None)
        timeout = DEFAULT_TIMEOUT_S
        if timeout_ms not in (None, ""):
            number = to_number(ctx.evaluate(timeout_ms))
            timeout = clamp_timeout(number / 1000 if number else None)
        log = spec.get("log") or (base.log if use_base else {}) or {}
        sanitize = [str(p) for p in (log.get("sanitize") or []) if isinstance(p, str)]
        if use_base and base.log.get("sanitize"):
            sanitize += [str(p) for p in base.log["sanitize"]]
        return cls(
            url=_join(base_url, url), method=to_text(ctx.evaluate(spec.get("method"))).upper()
            or "GET", headers=headers, qs=qs if isinstance(qs, dict) else {}, body=body,
            body_type=body_type, timeout=timeout,
            follow=to_bool(spec.get("followRedirects", True)),
            encode=to_bool(spec.get("encodeUrl", True)), sanitize=sanitize,
        )

    def next_page(self, ctx: Context, pagination: dict[str, Any],
                  roots: dict[str, Any]) -> _Request:
        merge = to_bool(pagination.get("mergeWithParent", True))
        evaluated = {key: ctx.evaluate(pagination[key], **roots)
                     for key in ("url", "method", "headers", "qs", "body") if key in pagination}
        url = self.url
        if "url" in evaluated:
            url = to_text(evaluated["url"]).strip()
            base_url = ctx.base_url_override or to_text(ctx.evaluate(ctx.base.baseUrl))
            url = _join(base_url, url)
        headers = dict(self.headers) if merge else {}
        headers = _merged(headers, evaluated.get("headers") or {})
        qs = dict(self.qs) if merge else {}
        qs = _merged(qs, evaluated.get("qs") or {})
        return _Request(
            url=url, method=to_text(evaluated.get("method")).upper() or self.method,
            headers=headers, qs=qs, body=evaluated.get("body", self.body if merge else None),
            body_type=self.body_type, timeout=self.timeout, follow=self.follow,
            encode=self.encode, sanitize=self.sanitize,
        )

    async def send(self, ctx: Context) -> HttpResponse:
        header_pairs = _pairs(self.headers)
        for path in self.sanitize:
            if path.lower().startswith("request.headers."):
                wanted = path.split(".", 2)[2].lower()
                for key, value in header_pairs:
                    if key.lower() != wanted or not value:
                        continue
                    scheme, _, token = value.partition(" ")
                    for secret in (value, token) if token else (value,):
                        if secret not in ctx.run.secrets:
                            ctx.run.secrets.append(secret)
        content, files = (None, None)
        if self.method not in ("GET", "HEAD"):
            content, files = _body(self.body, self.body_type, header_pairs)
        url = _encode_url(self.url) if self.encode else self.url
        answer = await http_client(ctx.run).request(
            self.method, url, headers=header_pairs, params=_pairs(self.qs), content=content,
            files=files, timeout=self.timeout, follow_redirects=self.follow,
        )
        return answer


def _overridden(ctx: Context, url: str) -> str:
    """An absolute URL on the app's own base URL (or one of the service's other roots the
    base names in `serviceUrls`), moved to the connection's override."""
    if not ctx.base_url_override:
        return url
    roots = [to_text(ctx.evaluate(ctx.base.baseUrl)), *ctx.base.serviceUrls]
    for root in (r.rstrip("/") for r in roots if r):
        if url == root or url.startswith(root + "/") or url.startswith(root + "?"):
            return ctx.base_url_override.rstrip("/") + url[len(root):]
    return url
