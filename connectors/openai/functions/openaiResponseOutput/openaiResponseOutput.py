"""OpenAI's `openaiResponseOutput(body, conversation)`: Make's output of Create a Model
Response: the response object, with `result` (the text of its output messages, joined),
`conversationId` and `raw_result` (the response's `output` items as they came)."""

from __future__ import annotations

from typing import Any


def openaiResponseOutput(body: Any, conversation: Any = None) -> dict[str, Any]:
    body = body if isinstance(body, dict) else {}
    texts = [part.get("text", "")
             for item in body.get("output") or [] if item.get("type") == "message"
             for part in item.get("content") or [] if part.get("type") == "output_text"]
    conversation_id = conversation or (body.get("conversation") or {}).get("id")
    return {"result": "".join(texts), "conversationId": conversation_id,
            "raw_result": body.get("output"), **body}
