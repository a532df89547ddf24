"""What the window remembers of a workspace between starts: the open tabs (and which was in
front) and the recently opened files, in `<workspace>/session.json`.

A missing or unreadable file is an empty session: nothing here is worth an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import orjson

from app.gui.document import write_atomic

SESSION_FILE = "session.json"
MAX_RECENT = 10


@dataclass
class Session:
    open: list[Path] = field(default_factory=list)
    current: Path | None = None
    recent: list[Path] = field(default_factory=list)

    def opened(self, path: Path) -> None:
        """`path` was opened or saved: first in the recent files."""
        path = Path(path).resolve()
        self.recent = [path, *(p for p in self.recent if p != path)][:MAX_RECENT]

    def existing_recent(self) -> list[Path]:
        return [p for p in self.recent if p.is_file()]


def load_session(workspace: Path) -> Session:
    try:
        data = orjson.loads((Path(workspace) / SESSION_FILE).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return Session()
    if not isinstance(data, dict):
        return Session()

    def paths(key: str) -> list[Path]:
        value = data.get(key)
        return [Path(p) for p in value if isinstance(p, str)] if isinstance(value, list) else []

    current = data.get("current")
    return Session(paths("open"), Path(current) if isinstance(current, str) else None,
                   paths("recent"))


def save_session(workspace: Path, session: Session) -> None:
    data = {"open": [str(p) for p in session.open],
            "current": str(session.current) if session.current else None,
            "recent": [str(p) for p in session.recent]}
    try:
        write_atomic(Path(workspace) / SESSION_FILE, orjson.dumps(data, option=orjson.OPT_INDENT_2))
    except OSError:
        pass  # a read-only workspace: the next start simply opens no tabs
