"""OpenAI's `openaiChatBody(parameters)`: the body of a chat completion (POST
/v1/chat/completions) or, with Select Method "prompt", of a legacy completion (POST
/v1/completions), from the fields of Make's Create a Completion module.

Make's form has its own shapes, which the API does not take as they are: messages carry
`imageInputType`/`imageUrl`/`imageFile`/`imageDetail` (a user message with an image becomes
content parts), numbers come as text ("1", "0"), `max_tokens` 0 means no limit,
`n_completions` is `n`, `response_format` is a type name, stop sequences and logit biases are
arrays, and "Other Input Parameters" add any key."""

from __future__ import annotations

import base64
import json
import mimetypes
from typing import Any

NUMBERS = ("temperature", "top_p", "frequency_penalty", "presence_penalty")


def _number(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    number = float(str(value).strip().replace(",", "."))
    return int(number) if number.is_integer() else number


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _image(message: dict[str, Any]) -> dict[str, Any] | None:
    kind = message.get("imageInputType")
    detail = message.get("imageDetail") or "auto"
    if kind == "url" and message.get("imageUrl"):
        url = _text(message["imageUrl"])
    elif kind == "file" and isinstance(message.get("imageFile"), dict):
        image = message["imageFile"]
        data = image.get("imageData")
        raw = data if isinstance(data, bytes) else _text(data).encode()
        kind_of = mimetypes.guess_type(_text(image.get("imageFilename")))[0] or "image/png"
        url = f"data:{kind_of};base64,{base64.b64encode(raw).decode('ascii')}"
    else:
        return None
    return {"type": "image_url", "image_url": {"url": url, "detail": detail}}


def _message(message: Any) -> dict[str, Any] | None:
    if not isinstance(message, dict) or not message.get("role"):
        return None
    role = message["role"]
    out: dict[str, Any] = {"role": role}
    content = message.get("content")
    if role == "user":
        image = _image(message)
        if image is not None:
            parts: list[dict[str, Any]] = []
            if content not in (None, ""):
                parts.append({"type": "text", "text": _text(content)})
            out["content"] = [*parts, image]
            return out
    if content not in (None, "") or role != "assistant":
        out["content"] = content if isinstance(content, list) else _text(content)
    if role == "assistant" and message.get("tool_calls"):
        out["tool_calls"] = [{"type": "function", **{k: v for k, v in call.items()
                                                     if k != "type"}}
                             for call in message["tool_calls"] if isinstance(call, dict)]
    if role == "tool":
        out["tool_call_id"] = _text(message.get("tool_call_id"))
    if message.get("name"):
        out["name"] = message["name"]
    return out


def _extra(parameters: list[Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in parameters or []:
        if not isinstance(item, dict) or not item.get("key"):
            continue
        value = item.get("value")
        if item.get("type") == "number":
            value = _number(value)
        elif item.get("type") == "boolean" and isinstance(value, str):
            value = value.strip().lower() == "true"
        elif item.get("type") == "any" and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        out[str(item["key"])] = value
    return out


def openaiChatBody(parameters: Any) -> dict[str, Any]:
    p = parameters if isinstance(parameters, dict) else {}
    body: dict[str, Any] = {"model": p.get("model")}
    if p.get("select") == "prompt":
        body["prompt"] = _text(p.get("prompt"))
        limit = _number(p.get("max_tokens"))
        if limit:
            body["max_tokens"] = limit
    else:
        messages = [_message(m) for m in p.get("messages") or []]
        body["messages"] = [m for m in messages if m is not None]
        limit = _number(p.get("max_tokens"))
        if limit:
            body["max_completion_tokens"] = limit
    for name in NUMBERS:
        value = _number(p.get(name))
        if value is not None:
            body[name] = value
    count = _number(p.get("n_completions"))
    if count is not None:
        body["n"] = count
    seed = _number(p.get("seed"))
    if seed is not None:
        body["seed"] = seed
    stop = [s for s in p.get("stop") or [] if s not in (None, "")]
    if stop:
        body["stop"] = stop
    bias = {_text(b.get("token")): _number(b.get("probability"))
            for b in p.get("logit_bias") or [] if isinstance(b, dict) and b.get("token")}
    if bias:
        body["logit_bias"] = bias
    if p.get("tool_choice"):
        body["tool_choice"] = p["tool_choice"]
    if p.get("response_format") and p.get("select") != "prompt":
        body["response_format"] = {"type": p["response_format"]}
    if p.get("prediction"):
        body["prediction"] = {"type": "content", "content": _text(p["prediction"])}
    body.update(_extra(p.get("additionalParameters")))
    return {k: v for k, v in body.items() if v is not None}
