"""`notionTimestampFilter(stamp, after)`: a database query's filter on an item's
`created_time` or `last_edited_time` being after a moment (a polling trigger's last date)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def notionTimestampFilter(stamp: Any, after: Any) -> dict[str, Any]:
    moment = after.isoformat() if isinstance(after, datetime) else str(after)
    return {"timestamp": stamp, stamp: {"after": moment}}
