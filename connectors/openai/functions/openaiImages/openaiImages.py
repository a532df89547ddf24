"""OpenAI's `openaiImages(body, wanted)`: Make's output of Generate an Image: `created`, and
`data` with each image's `url` (Response Format "URL") or its file (`fileName`, `fileData`,
from the API's base64 `b64_json`, for "Image File"), plus the first file as `resImgName` and
`resImgData`. File names are `image-<n>.png` (Make's own naming is not documented)."""

from __future__ import annotations

import base64
from typing import Any


def openaiImages(body: Any, wanted: Any = "url") -> dict[str, Any]:
    body = body if isinstance(body, dict) else {}
    out: dict[str, Any] = {"created": body.get("created"), "data": []}
    for index, image in enumerate(body.get("data") or [], start=1):
        item: dict[str, Any] = {}
        if image.get("url"):
            item["url"] = image["url"]
        if image.get("b64_json"):
            item["fileName"] = f"image-{index}.png"
            item["fileData"] = base64.b64decode(image["b64_json"])
        if image.get("revised_prompt"):
            item["revised_prompt"] = image["revised_prompt"]
        out["data"].append(item)
    files = [i for i in out["data"] if "fileData" in i]
    if files:
        out["resImgName"] = files[0]["fileName"]
        out["resImgData"] = files[0]["fileData"]
    return out
