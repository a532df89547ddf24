"""Crash-safe autosave: unsaved scenarios are copied to `<workspace>/autosave/` every 30 s.

Each copy is one atomic write of `{"scenarist/autosave": {path, name, saved_at},
"blueprint": {...}}`, so a crash mid-write never leaves a half file. A copy is removed once
its scenario is saved or its changes are discarded; copies left behind by a crash, newer than
their scenario's file, are offered for restore on the next start.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer

from app.gui.document import ScenarioDocument, write_atomic

INTERVAL_MS = 30_000
_KEY = "scenarist/autosave"
_SUFFIX = ".autosave.json"


@dataclass(frozen=True)
class Autosave:
    file: Path  # the autosave copy
    original: Path | None  # the scenario file it belongs to
    name: str
    saved_at: float
    blueprint: dict[str, Any]


class Autosaver(QObject):
    def __init__(
        self,
        workspace: Path,
        documents: Callable[[], Iterable[ScenarioDocument]],
        interval_ms: int = INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.folder = workspace / "autosave"
        self.trash = workspace / "trash"
        self.documents = documents
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self._written: dict[int, Path] = {}  # id(document) -> its autosave copy
        self._untitled = 0

    def start(self) -> None:
        self.timer.start()

    def file_for(self, document: ScenarioDocument) -> Path:
        if document.path is not None:
            key = hashlib.sha1(str(Path(document.path).resolve()).encode()).hexdigest()[:16]
        else:
            previous = self._written.get(id(document))
            if previous is not None:
                return previous
            self._untitled += 1
            key = f"untitled-{int(time.time())}-{self._untitled}"
        return self.folder / f"{key}{_SUFFIX}"

    def save_now(self) -> list[Path]:
        """Write a copy of every dirty document (clean ones have nothing to lose)."""
        written = []
        for document in self.documents():
            if not document.dirty:
                continue
            target = self.file_for(document)
            previous = self._written.get(id(document))
            if previous is not None and previous != target:  # saved under a new path since
                previous.unlink(missing_ok=True)
            payload = {
                _KEY: {
                    "path": str(document.path) if document.path else None,
                    "name": document.name,
                    "saved_at": time.time(),
                },
                "blueprint": document.blueprint.to_json_obj(),
            }
            # The copies stay private, as the scenario files' own permissions can't be known.
            write_atomic(target, json.dumps(payload, ensure_ascii=False).encode(),
                         new_mode=0o600)
            self._written[id(document)] = target
            written.append(target)
        return written

    def forget(self, document: ScenarioDocument) -> None:
        """The document was saved or its changes discarded: its copy is no longer needed."""
        previous = self._written.pop(id(document), None)
        if previous is not None:
            previous.unlink(missing_ok=True)
        if document.path is not None:
            self.file_for(document).unlink(missing_ok=True)

    def pending(self) -> list[Autosave]:
        """Copies left by an earlier session that hold changes newer than their file."""
        found = []
        mine = set(self._written.values())
        for file in sorted(self.folder.glob(f"*{_SUFFIX}")):
            if file in mine:
                continue
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
                meta = data[_KEY]
                blueprint = data["blueprint"]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            original = Path(meta["path"]) if meta.get("path") else None
            if original is not None and original.exists():
                if original.stat().st_mtime >= file.stat().st_mtime:
                    continue  # the file was saved after this copy
            found.append(
                Autosave(file, original, meta.get("name") or "Scenario",
                         float(meta.get("saved_at") or 0), blueprint)
            )
        return found

    def set_aside(self, autosave: Autosave) -> None:
        """The user declined a restore: keep the copy in the trash rather than delete it."""
        self.trash.mkdir(parents=True, exist_ok=True)
        shutil.move(str(autosave.file), str(self.trash / autosave.file.name))

    def adopt(self, autosave: Autosave, document: ScenarioDocument) -> None:
        """A restored document continues to autosave into the same copy."""
        self._written[id(document)] = autosave.file
