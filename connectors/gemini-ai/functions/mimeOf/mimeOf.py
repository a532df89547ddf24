"""`mimeOf(name)`: the media type a file name says (application/octet-stream when it says
none), for the Files API's upload."""

from __future__ import annotations

import mimetypes
from typing import Any


def mimeOf(name: Any) -> str:
    return mimetypes.guess_type(str(name or ""))[0] or "application/octet-stream"
