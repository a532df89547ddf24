"""Notion's `notionBlocks(objects)`: the Content Objects of Make's Notion modules as block
objects for Notion's API.

Make's form keeps a block's rich text under `text` (the API's name before 2022); the API
takes `rich_text`, at most 2000 characters per text object: longer text is split, keeping
its annotations. Media blocks (image, video, file, pdf, embed) take a URL."""

from __future__ import annotations

from typing import Any

TEXT_LIMIT = 2000
TEXT_BLOCKS = {"paragraph", "heading_1", "heading_2", "heading_3", "bulleted_list_item",
               "numbered_list_item", "toggle", "to_do", "quote", "callout"}
MEDIA_BLOCKS = {"image", "video", "file", "pdf", "audio"}


def _pieces(item: dict[str, Any]) -> list[dict[str, Any]]:
    text = dict(item.get("text") or {})
    content = str(text.get("content") or "")
    annotations = {k: v for k, v in (item.get("annotations") or {}).items()
                   if v not in (None, "")}
    out = []
    for start in range(0, max(len(content), 1), TEXT_LIMIT):
        piece: dict[str, Any] = {"type": "text", "text": {
            "content": content[start:start + TEXT_LIMIT]}}
        link = text.get("link")
        if isinstance(link, dict) and link.get("url"):
            piece["text"]["link"] = {"url": link["url"]}
        elif isinstance(link, str) and link:
            piece["text"]["link"] = {"url": link}
        if annotations:
            piece["annotations"] = annotations
        out.append(piece)
    return out


def _rich(items: Any) -> list[dict[str, Any]]:
    if isinstance(items, str):
        items = [{"type": "text", "text": {"content": items}}]
    out: list[dict[str, Any]] = []
    for item in items or []:
        if isinstance(item, dict) and item.get("type", "text") == "text":
            out.extend(_pieces(item))
        elif isinstance(item, dict):
            out.append(item)
    return out


def _url(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        return value.get("url") or (value.get("external") or {}).get("url")
    return None


def notionBlocks(objects: Any) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for item in objects or []:
        if not isinstance(item, dict) or not item.get("type"):
            continue
        kind = item["type"]
        inner = item.get(kind) or {}
        if kind in TEXT_BLOCKS:
            body: dict[str, Any] = {"rich_text": _rich(inner.get("rich_text",
                                                                inner.get("text")))}
            if kind == "to_do":
                body["checked"] = inner.get("checked") in (True, "true")
            if inner.get("color"):
                body["color"] = inner["color"]
            blocks.append({"object": "block", "type": kind, kind: body})
        elif kind in MEDIA_BLOCKS or kind in ("embed", "bookmark"):
            url = _url(inner) or _url(item.get("url"))
            body = {"url": url} if kind in ("embed", "bookmark") else {
                "type": "external", "external": {"url": url}}
            blocks.append({"object": "block", "type": kind, kind: body})
        else:  # divider, breadcrumb, table_of_contents: no content
            blocks.append({"object": "block", "type": kind, kind: {}})
    return blocks
