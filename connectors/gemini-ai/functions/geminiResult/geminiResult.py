"""Gemini's `geminiResult(body)`: Make's `result` of Create a Completion, the text of the
first candidate's parts (thoughts left out). When that text is a JSON object or array (a
fenced ```json block too) it is parsed, so a scenario maps `{{4.result.Currency}}` as the
corpus' invoice scenarios do. [unverified: Make's parsing rule is inferred from those
exports, not documented]"""

from __future__ import annotations

import json
import re
from typing import Any

FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


def geminiResult(body: Any) -> Any:
    candidates = body.get("candidates") if isinstance(body, dict) else None
    if not candidates:
        return None
    parts = (candidates[0].get("content") or {}).get("parts") or []
    text = "".join(str(p.get("text", "")) for p in parts
                   if isinstance(p, dict) and not p.get("thought"))
    fenced = FENCE.match(text)
    candidate = fenced.group(1) if fenced else text.strip()
    if candidate[:1] in ("{", "["):
        try:
            return json.loads(candidate)
        except ValueError:
            pass
    return text
