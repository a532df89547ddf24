"""Notion's `notionPageBody(parameters)`: the body of POST /v1/pages for Make's Create a
Page: the parent page, the title, the content blocks (`notionBlocks`' rules, repeated here:
each function file stands alone), an emoji icon and an external cover."""

from __future__ import annotations

from typing import Any

TEXT_LIMIT = 2000


def _text(value: Any) -> list[dict[str, Any]]:
    text = "" if value is None else str(value)
    return [{"type": "text", "text": {"content": text[i:i + TEXT_LIMIT]}}
            for i in range(0, len(text), TEXT_LIMIT)] or [{"type": "text",
                                                          "text": {"content": ""}}]


def notionPageBody(parameters: Any, children: Any = None) -> dict[str, Any]:
    p = parameters if isinstance(parameters, dict) else {}
    body: dict[str, Any] = {"parent": {"page_id": p.get("page")},
                            "properties": {"title": {"title": _text(p.get("content"))}}}
    if children:
        body["children"] = children
    if p.get("emoji"):
        body["icon"] = {"type": "emoji", "emoji": str(p["emoji"])}
    if p.get("cover"):
        body["cover"] = {"type": "external", "external": {"url": str(p["cover"])}}
    return body
