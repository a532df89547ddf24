"""OpenAI's `openaiResult(body, parse)`: Make's `result` of Create a Completion, the first
choice's message content (or text, for a legacy completion), parsed as JSON when the module
asks for it ("Parse JSON Response")."""

from __future__ import annotations

import json
from typing import Any


def openaiResult(body: Any, parse: Any = False) -> Any:
    choices = body.get("choices") if isinstance(body, dict) else None
    if not choices:
        return None
    first = choices[0] if isinstance(choices[0], dict) else {}
    message = first.get("message")
    result = message.get("content") if isinstance(message, dict) else first.get("text")
    if parse in (True, "true") and isinstance(result, str):
        try:
            return json.loads(result)
        except ValueError:
            return result
    return result
