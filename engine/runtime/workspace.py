"""The object that owns a workspace: its folder, its two databases, its lock, its recovery.

- `state`: state.db's shared engine (`engine.store.state_db.state_engine`, opened once per
  folder and cached there, so every `Workspace` on a folder shares it);
- `history`: a history.db engine for readers, opened on first use and cached on this object
  (`None` while the file doesn't exist: reading never creates it); writers have their own
  (`engine.history.HistoryWriter`);
- the owner lock (DESIGN §6: one runtime owns a workspace at a time, the window or `serve`):
  `<folder>/runtime.lock` says who owns it (pid, kind, start time); a second owner is refused
  with the first one's description, and a lock whose process is gone is taken over;
- `recover()`: runs that died with their process repaired (`engine.crash.recover_interrupted`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from engine.errors import ScenaristError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from engine.crash import Recovered

LOCK_NAME = "runtime.lock"
OWNER_KINDS = ("window", "serve")


class WorkspaceBusy(ScenaristError):
    """Another runtime owns the workspace."""

    def __init__(self, folder: Path, owner: Owner) -> None:
        super().__init__(f"workspace {folder} is in use by {owner.describe()}")
        self.folder = folder
        self.owner = owner


@dataclass(frozen=True)
class Owner:
    """What the lock file says about the runtime that owns the workspace."""

    pid: int
    kind: str  # "window" | "serve"
    started_at: str  # ISO 8601, UTC
    process_started: str | None = None  # to tell a reused pid apart (engine.crash)
    port: int | None = None  # where its webhook server listens, once it does

    def describe(self) -> str:
        what = {"window": "the Scenarist window", "serve": "scenarist serve"}.get(
            self.kind, self.kind)
        return f"{what} (pid {self.pid}, since {self.started_at})"

    def alive(self) -> bool:
        from engine.crash import _alive

        return _alive(self.pid, self.process_started)


class Workspace:
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder).expanduser().resolve()
        self._history: Engine | None = None
        self._state: Engine | None = None
        self._owned: Owner | None = None

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike[str] | None = None, *, create: bool = True
                ) -> Workspace:
        """`--data-dir`, else `$SCENARIST_HOME`, else the user data dir (engine.store.workspace)."""
        from engine.store.workspace import resolve_workspace

        return cls(resolve_workspace(data_dir, create=create))

    @classmethod
    def of(cls, workspace: Workspace | str | os.PathLike[str]) -> Workspace:
        return workspace if isinstance(workspace, Workspace) else cls(workspace)

    def __fspath__(self) -> str:
        return str(self.folder)

    def __repr__(self) -> str:
        return f"Workspace({str(self.folder)!r})"

    # ------------------------------------------------------------- databases

    @property
    def state(self) -> Engine:
        """state.db's engine, schema migrated, shared by the whole process (looked up once
        per Workspace: the lookup resolves the folder's path, a few system calls)."""
        if self._state is None:
            from engine.store.state_db import state_engine

            self._state = state_engine(self.folder)
        return self._state

    def has_state(self) -> bool:
        from engine.store.peek import STATE_DB_NAME  # no SQLAlchemy to ask this

        return (self.folder / STATE_DB_NAME).exists()

    @property
    def history(self) -> Engine | None:
        """A history.db engine for reading, or None while there is no history.db."""
        if self._history is None:
            from engine.store.history_db import history_db_path, open_history_engine

            if not history_db_path(self.folder).exists():
                return None
            self._history = open_history_engine(self.folder)
        return self._history

    def has_history(self) -> bool:
        from engine.store.history_db import history_db_path

        return history_db_path(self.folder).exists()

    def close(self) -> None:
        """Dispose of the history engine this object opened (state.db's is shared)."""
        if self._history is not None:
            self._history.dispose()
            self._history = None

    # -------------------------------------------------------------- recovery

    def recover(self) -> list[Recovered]:
        """Repair every run whose process died (cheap when none did)."""
        from engine.crash import recover_interrupted

        return recover_interrupted(self.folder)

    # ------------------------------------------------------------------ lock

    @property
    def lock_path(self) -> Path:
        return self.folder / LOCK_NAME

    def owner(self) -> Owner | None:
        """The live runtime that owns the workspace, if any."""
        owner = _read_lock(self.lock_path)
        return owner if owner is not None and owner.alive() else None

    def acquire(self, kind: str) -> Owner:
        """Become the workspace's single owner; WorkspaceBusy names the current one."""
        if kind not in OWNER_KINDS:
            raise ValueError(f"owner kind {kind!r}: expected one of {', '.join(OWNER_KINDS)}")
        if self._owned is not None:
            return self._owned
        from engine.crash import this_process_started

        me = Owner(os.getpid(), kind, datetime.now(UTC).isoformat(),
                   this_process_started())
        self.folder.mkdir(parents=True, exist_ok=True)
        for _attempt in range(2):
            try:
                fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                current = _read_lock(self.lock_path)
                if current is not None and current.alive():
                    raise WorkspaceBusy(self.folder, current) from None
                self.lock_path.unlink(missing_ok=True)  # its owner is gone: take it over
                continue
            with os.fdopen(fd, "wb") as out:
                out.write(orjson.dumps(me.__dict__))
            self._owned = me
            return me
        current = _read_lock(self.lock_path)
        raise WorkspaceBusy(self.folder, current or me)

    def announce_port(self, port: int) -> None:
        """Say in the lock where this owner's webhook server listens (for `scenarios list`
        and the CLI's webhook URLs)."""
        if self._owned is None:
            raise RuntimeError("only the workspace's owner announces its port")
        from dataclasses import replace

        self._owned = replace(self._owned, port=port)
        tmp = self.lock_path.with_name(f".{LOCK_NAME}.{os.getpid()}")
        tmp.write_bytes(orjson.dumps(self._owned.__dict__))
        os.replace(tmp, self.lock_path)

    def release(self) -> None:
        """Give the workspace up (only if this object owns it)."""
        if self._owned is None:
            return
        current = _read_lock(self.lock_path)
        if current is not None and current.pid == self._owned.pid \
                and current.started_at == self._owned.started_at:
            self.lock_path.unlink(missing_ok=True)
        self._owned = None


def _read_lock(path: Path) -> Owner | None:
    try:
        data: Any = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        port = data.get("port")
        return Owner(int(data["pid"]), str(data.get("kind", "")), str(data.get("started_at", "")),
                     data.get("process_started"), int(port) if port is not None else None)
    except (KeyError, TypeError, ValueError):
        return None
