"""OpenAI's `openaiResponseBody(parameters, conversation)`: the body of POST /v1/responses
from the fields of Make's Create a Model Response module (the Responses API).

The prompt is text (Prompt Type "text"), or input items as the API takes them ("items").
Numbers may come as text; "Other" shapes of Make's form (metadata as key/value pairs,
`format.type`, a function tool's parameters as JSON text) become what the API expects."""

from __future__ import annotations

import json
from typing import Any


def _number(value: Any) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return value
    number = float(str(value).strip())
    return int(number) if number.is_integer() else number


def _tool(tool: Any) -> Any:
    if not isinstance(tool, dict):
        return tool
    tool = {k: v for k, v in tool.items() if v not in (None, "")}
    if isinstance(tool.get("parameters"), str):
        tool["parameters"] = json.loads(tool["parameters"])
    return tool


def openaiResponseBody(parameters: Any, conversation: Any = None) -> dict[str, Any]:
    p = parameters if isinstance(parameters, dict) else {}
    kind = p.get("inputContentType") or "text"
    body: dict[str, Any] = {"model": p.get("model")}
    if kind == "items":
        items = p.get("input")
        body["input"] = json.loads(items) if isinstance(items, str) else items
    elif kind == "text":
        body["input"] = "" if p.get("input") is None else str(p["input"])
    else:
        raise ValueError(f"Prompt Type {kind!r} is not supported yet (use text or items)")
    for name in ("instructions", "previous_response_id", "truncation", "tool_choice"):
        if p.get(name) not in (None, ""):
            body[name] = p[name]
    for name in ("temperature", "top_p", "max_output_tokens"):
        value = _number(p.get(name))
        if value is not None:
            body[name] = value
    for name in ("store", "background", "parallel_tool_calls"):
        if isinstance(p.get(name), bool):
            body[name] = p[name]
    reasoning = {k: v for k, v in (p.get("reasoning") or {}).items() if v not in (None, "")}
    if reasoning:
        body["reasoning"] = reasoning
    text_format = {k: v for k, v in (p.get("format") or {}).items() if v not in (None, "")}
    if text_format.get("type"):
        if isinstance(text_format.get("schema"), str):
            text_format["schema"] = json.loads(text_format["schema"])
        body["text"] = {"format": text_format}
    if p.get("include"):
        body["include"] = list(p["include"])
    metadata = {str(m["key"]): str(m.get("value") or "") for m in p.get("metadata") or []
                if isinstance(m, dict) and m.get("key")}
    if metadata:
        body["metadata"] = metadata
    tools = [_tool(t) for t in p.get("tools") or []]
    if tools:
        body["tools"] = tools
    if conversation:
        body["conversation"] = conversation
        body.pop("previous_response_id", None)
    return body
