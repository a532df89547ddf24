"""Gemini's `geminiRequest(parameters)`: the body of `models/{model}:generateContent` from
the fields of Make's Create a Completion module.

Make's form tags each part with a `type` (text, file, functionCall, functionResponse) that
the API refuses (it rejects unknown fields), keeps arguments and responses as JSON text,
names thinking options in snake case, and has switches for the built-in tools; empty
collections (`"imageConfig": {}`) are left out."""

from __future__ import annotations

import json
from typing import Any

TOOLS = {"google_search_context": "google_search", "url_context": "url_context",
         "code_execution": "code_execution", "google_maps_context": "google_maps"}
CONFIG_NAMES = {"include_thoughts": "includeThoughts", "thinking_level": "thinkingLevel"}


def _json(value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        return json.loads(value)
    return value


def _number(value: Any) -> Any:
    if value in (None, "") or isinstance(value, (int, float)):
        return value
    number = float(str(value))
    return int(number) if number.is_integer() else number


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", {}, [])}
    if isinstance(value, list):
        return [_pruned(v) for v in value if v not in (None, "")]
    return value


def _part(part: Any) -> dict[str, Any]:
    if not isinstance(part, dict):
        return {"text": "" if part is None else str(part)}
    kind = part.get("type") or next((k for k in ("text", "file_data", "inline_data",
                                                  "functionCall", "functionResponse")
                                     if k in part), "text")
    out: dict[str, Any] = {}
    if kind == "text":
        out["text"] = "" if part.get("text") is None else str(part["text"])
    elif kind in ("file", "file_data"):
        data = part.get("file_data") or {}
        out["file_data"] = {"mime_type": data.get("mime_type"), "file_uri": data.get("file_uri")}
    elif kind == "inline_data":
        out["inline_data"] = part["inline_data"]
    elif kind == "functionCall":
        call = dict(part.get("functionCall") or {})
        call["args"] = _json(call.get("args"))
        out["functionCall"] = call
    elif kind == "functionResponse":
        response = dict(part.get("functionResponse") or {})
        response["response"] = _json(response.get("response"))
        out["functionResponse"] = response
    if part.get("thoughtSignature"):
        out["thoughtSignature"] = part["thoughtSignature"]
    return out


def geminiRequest(parameters: Any) -> dict[str, Any]:
    p = parameters if isinstance(parameters, dict) else {}
    body: dict[str, Any] = {"contents": [
        {"role": c.get("role") or "user", "parts": [_part(x) for x in c.get("parts") or []]}
        for c in p.get("contents") or [] if isinstance(c, dict)]}
    system = [{"text": str(x.get("text"))} for x in (p.get("system_instruction") or {}).get(
        "parts") or [] if isinstance(x, dict) and x.get("text") not in (None, "")]
    if system:
        body["system_instruction"] = {"parts": system}
    config = dict(p.get("generationConfig") or {})
    thinking = {CONFIG_NAMES.get(k, k): v for k, v in (config.pop("thinkingConfig", None)
                                                        or {}).items()}
    if thinking.get("thinkingBudget") not in (None, ""):
        thinking["thinkingBudget"] = _number(thinking["thinkingBudget"])
    if thinking.get("thinkingLevel"):
        thinking["thinkingLevel"] = str(thinking["thinkingLevel"]).upper()
    config["thinkingConfig"] = thinking
    for name in ("maxOutputTokens", "temperature", "topP", "topK"):
        config[name] = _number(config.get(name))
    if config.get("responseModalities"):
        config["responseModalities"] = [str(m).upper() for m in config["responseModalities"]]
    if config.get("mediaResolution"):
        config["mediaResolution"] = str(config["mediaResolution"]).upper()
    body["generationConfig"] = _pruned(config)
    body["safetySettings"] = _pruned(p.get("safetySettings"))
    tools = list(_json(p.get("tools")) or [])  # `{"google_search": {}}`: empty by design
    tools += [{name: {}} for field, name in TOOLS.items() if p.get(field) is True]
    body["tools"] = tools
    body["tool_config"] = _json(p.get("tool_config"))
    body["serviceTier"] = p.get("serviceTier")
    return {k: v for k, v in body.items() if v not in (None, "", {}, [])}
