"""Webhooks app: custom webhook and mailhook triggers, and the webhook response.

The incoming request is `call.run.webhook_request`:
`{"body": ..., "headers": {...}, "method": "POST", "query": {...}}` (only `body` required;
`body` may already be JSON data, or text/bytes read by its content type). Optional
`"options": {"headers": true, "method": true}` carries the hook's data options (Make keeps them
on the hook, which we do not have yet); the module's `parameters.headers` / `parameters.method`
are honoured the same way.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import orjson

from engine.errors import ModuleError
from engine.spec import FieldSpec, ModuleCall, ModuleTable, OutputContext, field_specs
from engine.values import to_bool, to_number, to_text

MODULES = ModuleTable()

_HOOK_PARAMETERS = [
    # Not required here: each scenario gets its own hook when it is switched ON (a Make
    # export's hook id is kept and remembered), and Run once listens on a local URL.
    FieldSpec(name="hook", type="hook", label="Webhook",
              help="Scenarist gives the scenario its own webhook URL when it is switched ON; "
                   "Run once listens on a local one."),
    FieldSpec(name="maxResults", type="uinteger", label="Maximum number of results", default=1),
]
# Make keeps these on the hook ("Get request headers", "Get request HTTP method"); the
# module's own parameters, or the hook's options (`scenarist hooks set`), turn them on.
_DATA_OPTIONS = [
    FieldSpec(name="headers", type="boolean", label="Get request headers", advanced=True,
              help="Adds the request's headers to the output, as `__IMTHEADERS__`."),
    FieldSpec(name="method", type="boolean", label="Get request HTTP method", advanced=True,
              help="Adds the request's method to the output, as `__IMTMETHOD__`."),
]
_HEADERS_OUT = FieldSpec(name="__IMTHEADERS__", type="array", label="Headers",
                         spec=[FieldSpec(name="name", label="Name"),
                               FieldSpec(name="value", label="Value")])
_METHOD_OUT = FieldSpec(name="__IMTMETHOD__", label="Method")


# --- reading the request -------------------------------------------------------------------


def _header(headers: Any, name: str) -> str:
    if isinstance(headers, dict):
        for key, value in headers.items():
            if str(key).lower() == name:
                return to_text(value)
    return ""


def _parse_text_body(body: str | bytes | bytearray, content_type: str) -> Any:
    """A raw body as data: JSON and urlencoded forms are parsed, anything else is text."""
    text = body if isinstance(body, str) else bytes(body).decode("utf-8", errors="replace")
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return {"value": text}
    if media == "application/x-www-form-urlencoded":
        parsed = parse_qs(text, keep_blank_values=True)
        return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}
    return {"value": text}


def request_bundles(request: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One bundle for a collection body, one per element for an array body.

    Query-string fields are merged in (body fields win), as Make's webhooks accept data in
    the query string, a form or a JSON body alike.
    """
    if request is None:
        return []
    body = request.get("body")
    if isinstance(body, (str, bytes, bytearray)):
        body = _parse_text_body(body, _header(request.get("headers"), "content-type"))
    query = request.get("query") or {}
    if not isinstance(query, dict):
        query = {}
    items = body if isinstance(body, list) else [body]
    bundles: list[dict[str, Any]] = []
    for item in items:
        if item is None:
            fields: dict[str, Any] = {}
        elif isinstance(item, dict):
            fields = item
        else:
            fields = {"value": item}
        bundles.append({**query, **fields})
    return bundles


def _option(call: ModuleCall, request: dict[str, Any], name: str) -> bool:
    options = request.get("options") or {}
    return to_bool(call.parameters.get(name)) or (
        isinstance(options, dict) and to_bool(options.get(name))
    )


def _with_request_meta(call: ModuleCall, request: dict[str, Any], bundles: list[dict[str, Any]]
                       ) -> list[dict[str, Any]]:
    extra: dict[str, Any] = {}
    if _option(call, request, "headers"):
        headers = request.get("headers") or {}
        extra["__IMTHEADERS__"] = [
            {"name": str(k).lower(), "value": to_text(v)} for k, v in headers.items()
        ]
    if _option(call, request, "method"):
        extra["__IMTMETHOD__"] = to_text(request.get("method") or "POST").upper()
    if not extra:
        return bundles
    return [{**bundle, **extra} for bundle in bundles]


def webhook_outputs(parameters: dict[str, Any], _mapper: dict[str, Any],
                    context: OutputContext) -> list[FieldSpec]:
    """The request's data as the hook passes it (its data structure's fields, a raw `value`
    with JSON pass-through, else what Make last determined), then headers and method only
    when the hook is set to add them: a plain webhook outputs neither."""
    hook = context.hook()
    if to_bool(hook.get("stringify")):
        fields = [FieldSpec(name="value", type="buffer", label="Value")]
    else:
        structure = context.structure(hook.get("data_structure")) \
            if hook.get("data_structure") else None
        fields = [f for f in field_specs(structure if structure is not None
                                         else context.exported)
                  if not f.name.startswith("__IMT")]
    if to_bool(parameters.get("headers")) or to_bool(hook.get("headers")):
        fields.append(_HEADERS_OUT)
    if to_bool(parameters.get("method")) or to_bool(hook.get("method")):
        fields.append(_METHOD_OUT)
    return fields


@MODULES.module(
    "gateway:CustomWebHook",
    label="Custom webhook",
    kind="instant_trigger",
    description="Starts the scenario with the data of an incoming HTTP request.",
    parameters=[*_HOOK_PARAMETERS, *_DATA_OPTIONS],
    interface=[_HEADERS_OUT, _METHOD_OUT],
    outputs=webhook_outputs,
)
def custom_webhook(call: ModuleCall) -> list[dict[str, Any]]:
    request = call.run.webhook_request
    if request is None:
        return []
    return _with_request_meta(call, request, request_bundles(request))


@MODULES.module(
    "gateway:CustomMailHook",
    label="Custom mailhook",
    kind="instant_trigger",
    description="Starts the scenario with an incoming e-mail.",
    parameters=_HOOK_PARAMETERS,
    interface=[
        FieldSpec(name="subject", label="Subject"),
        FieldSpec(name="text", label="Text"),
        FieldSpec(name="html", label="HTML"),
        FieldSpec(name="from", type="collection", label="Sender",
                  spec=[FieldSpec(name="name"), FieldSpec(name="address", type="email")]),
        FieldSpec(name="to", type="array", label="Recipients"),
        FieldSpec(name="date", type="date", label="Date"),
        FieldSpec(name="headers", type="collection", label="Headers"),
        FieldSpec(name="attachments", type="array", label="Attachments"),
    ],
)
def custom_mailhook(call: ModuleCall) -> list[dict[str, Any]]:
    return request_bundles(call.run.webhook_request)


# --- answering -----------------------------------------------------------------------------


def _status(value: Any) -> int:
    if value is None or value == "":
        return 200
    number = to_number(value)
    if number is None or number != int(number) or not 100 <= int(number) <= 599:
        raise ModuleError(
            f"Invalid webhook response status {to_text(value)!r}: use a number from 100 to 599.",
            name="DataError",
        )
    return int(number)


def _response_headers(items: Any) -> dict[str, str]:
    if isinstance(items, dict):
        return {str(k): to_text(v) for k, v in items.items()}
    headers: dict[str, str] = {}
    for item in items or []:
        if not isinstance(item, dict):
            continue
        name = item.get("key", item.get("name"))
        if name is None or name == "":
            continue
        headers[to_text(name)] = to_text(item.get("value"))
    return headers


@MODULES.module(
    "gateway:WebhookRespond",
    label="Webhook response",
    kind="responder",
    mapper=[
        FieldSpec(name="status", type="uinteger", label="Status", default=200, required=True),
        FieldSpec(name="body", type="any", label="Body"),
        FieldSpec(
            name="headers",
            type="array",
            label="Custom headers",
            spec=[FieldSpec(name="key", label="Key"), FieldSpec(name="value", label="Value")],
            advanced=True,
            sensitive="named",
        ),
    ],
)
def webhook_respond(call: ModuleCall) -> list[dict[str, Any]]:
    response = {
        "status": _status(call.mapper.get("status")),
        "headers": _response_headers(call.mapper.get("headers")),
        "body": "" if call.mapper.get("body") is None else call.mapper.get("body"),
    }
    if call.run.webhook_response is not None:
        # The caller already has its answer; a second response cannot reach it.
        call.run.warn(f"module {call.module_id}: the webhook was already answered; "
                      "this response is ignored")
    else:
        call.run.webhook_response = response
    return [{}]
