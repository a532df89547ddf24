"""Debugging state kept beside a scenario, never in it: pinned outputs and the last sample
webhook payload. One small JSON file per scenario under `<workspace>/debugger/`, keyed by
the scenario's path (a scenario never saved keeps its state in memory only)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import orjson

from app.gui.document import write_atomic
from engine.values import to_json_value

_UNSAFE = re.compile(r"[^\w.-]+")


def side_file(workspace: Path, scenario: Path) -> Path:
    resolved = str(Path(scenario).resolve())
    digest = hashlib.sha256(resolved.encode()).hexdigest()[:10]
    stem = _UNSAFE.sub("_", Path(scenario).name.removesuffix(".json"))[:60]
    return workspace / "debugger" / f"{stem}-{digest}.json"


class SideStore:
    def __init__(self, workspace: Path | None, scenario: Path | None) -> None:
        self.path = side_file(workspace, scenario) if workspace and scenario else None
        self.data: dict[str, Any] = {}
        if self.path is not None and self.path.is_file():
            try:
                loaded = orjson.loads(self.path.read_bytes())
            except (OSError, orjson.JSONDecodeError):
                loaded = {}  # a damaged side file only loses debugging conveniences
            if isinstance(loaded, dict):
                self.data = loaded

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def put(self, key: str, value: Any) -> None:
        if value is None:
            self.data.pop(key, None)
        else:
            self.data[key] = value
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            data = orjson.dumps(to_json_value(self.data),
                                option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
            write_atomic(self.path, data, new_mode=0o600)  # sample payloads stay private
