"""`geminiUploadName(parameters)`: the display name of an upload to the Files API.
Uploading into a File Search store (Use File Search Store) is not supported yet, and says
so rather than uploading elsewhere."""

from __future__ import annotations

from typing import Any


def geminiUploadName(parameters: Any) -> str:
    if parameters.get("useFileSearchStore") is True:
        raise ValueError("uploading to a File Search store is not supported yet: switch Use "
                         "File Search Store off to upload to the Files API")
    return str(parameters.get("file_name") or "file")
