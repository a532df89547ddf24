"""Crash safety: a run that died with its process (kill -9, power loss) is found and repaired.

Every run writes a small guard file `<workspace>/running/<execution id>.json` (its pid, the
process's start time, the scenario's blueprint and the trigger's input) and removes it when it
finishes. At the start of `scenarist run` or any runtime, `recover_interrupted` looks for guard
files whose process is gone: for each, the data store writes of the unfinished cycle are undone
from the write journal, the history entry left "running" becomes "interrupted", and the run is
offered as an incomplete execution that retries from the first module with the same input.

The guard holds no secret: the blueprint's credentials (and any in the trigger's input) are
references into the secret store (engine.secret_refs.stash), removed with the guard; recovery
puts them back and stores the incomplete execution with references of its own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger("scenarist.crash")

RUNNING_DIR = "running"
ASIDE_PREFIX = ".tmp-"  # a guard being written: .tmp-<pid>-<execution id>.json
INTERRUPTED_ERROR = {
    "name": "ExecutionInterruptedError",
    "message": "the process running this execution stopped before it finished",
}


def _proc_stat(pid: int) -> list[str] | None:
    """Linux's /proc/PID/stat fields after the command name (state first), if readable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()


def _process_started(pid: int) -> str | None:
    """The process's start time (field 22), to tell a reused pid apart."""
    fields = _proc_stat(pid)
    return fields[19] if fields is not None and len(fields) > 19 else None


_this_process: tuple[int, str | None] | None = None


def this_process_started() -> str | None:
    """This process's start time, read once (every run's guard names it; reading /proc for
    each was a sixth of a background runtime's time per run)."""
    global _this_process
    pid = os.getpid()
    if _this_process is None or _this_process[0] != pid:  # after a fork: the child's
        _this_process = (pid, _process_started(pid))
    return _this_process[1]


def _alive(pid: int, started: str | None) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    fields = _proc_stat(pid)
    if fields is None:
        return not Path("/proc").is_dir()  # no /proc (macOS): the pid exists, trust it
    if fields[0] in ("Z", "X"):
        return False  # a zombie: dead, not yet reaped by its parent
    return started is None or len(fields) <= 19 or fields[19] == started


# Blueprint JSON sources with no credential field in them (kept alive here, so an id is
# never another's): their guards write them as they are, without walking them again.
_WITHOUT_CREDENTIALS: dict[int, Any] = {}
_SOURCES_KEPT = 64


class RunGuard:
    """The guard file of one run: written at its start, removed at its end.

    The trigger's input (a webhook's 100,000-item body) is written as tagged JSON text in one
    orjson call (engine.store.tagged_json) and spliced into the file as it is; only text that
    holds a secret is walked to reference it."""

    def __init__(self, workspace: Path, execution_id: str, *, scenario: str,
                 blueprint_json: Any, trigger_input: Any = None,
                 secrets: Iterable[str] = ()) -> None:
        from engine.secret_refs import Stash
        from engine.secrets import secret_store
        from engine.sensitive import secrets_of_source
        from engine.store.tagged_json import dumps_tagged

        self.path = Path(workspace) / RUNNING_DIR / f"{execution_id}.json"
        wanted = secrets_of_source(blueprint_json, secrets).searchable()
        self._stash = Stash()
        if _WITHOUT_CREDENTIALS.get(id(blueprint_json)) is not blueprint_json:
            referenced = self._stash.blueprint(blueprint_json)
            if not self._stash.values:  # a runtime guards this source's runs again and again
                if len(_WITHOUT_CREDENTIALS) >= _SOURCES_KEPT:
                    _WITHOUT_CREDENTIALS.clear()
                _WITHOUT_CREDENTIALS[id(blueprint_json)] = blueprint_json
            blueprint_json = referenced
        blueprint_json = self._stash.value(blueprint_json, wanted)
        trigger = None
        if trigger_input is not None:
            trigger = orjson.Fragment(self._stash.encoded(dumps_tagged(trigger_input), wanted))
        # the secret store (the OS keyring) only when there is a secret to keep
        self._store = secret_store(workspace) if self._stash.values else None
        if self._store is not None:
            self._stash.save(self._store)
        self._content = {
            "pid": os.getpid(), "process_started": this_process_started(),
            "execution_id": execution_id, "scenario": scenario,
            "started_at": datetime.now(UTC).isoformat(), "blueprint": blueprint_json,
            "trigger": trigger,
        }

    def start(self) -> None:
        # Written aside and renamed into place: a guard is whole or absent (the execution id
        # makes the aside name unique, with no random name to find as mkstemp does; the pid
        # in it lets recovery remove the aside of a process killed before the rename).
        tmp = self.path.with_name(f"{ASIDE_PREFIX}{os.getpid()}-{self.path.name}")
        try:
            out = open(tmp, "wb")  # noqa: SIM115 - closed below, before the rename
        except FileNotFoundError:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            out = open(tmp, "wb")  # noqa: SIM115
        try:
            with out:
                out.write(orjson.dumps(self._content))
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def finish(self) -> None:
        self.path.unlink(missing_ok=True)
        if self._store is not None:
            self._store.delete(self._stash.id)




def _decode(value: Any) -> Any:
    if value is None:
        return None
    from engine.store.tagged_json import decode_value

    return decode_value(value)


@dataclass
class Recovered:
    execution_id: str
    scenario: str
    undone_writes: int
    incomplete_id: str | None
    finished: bool = False  # the run had finished; only its guard was left behind


def dead_runs(workspace: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Guard files whose process is gone (cheap: one directory listing when none)."""
    folder = Path(workspace) / RUNNING_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith(ASIDE_PREFIX):
            _remove_dead_aside(path)
            continue
        try:
            content = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue  # being written right now, or already gone
        if not _alive(int(content.get("pid", 0)), content.get("process_started")):
            found.append((path, content))
    return found


def _remove_dead_aside(path: Path) -> None:
    """A guard's aside left by a process killed before renaming it into place: that run had
    not started (the guard comes before its first module), so nothing is left to recover."""
    pid, _, rest = path.name[len(ASIDE_PREFIX):].partition("-")
    if not (pid.isdigit() and rest) or _alive(int(pid), None):
        return  # being written by a live process (or not an aside of ours)
    path.unlink(missing_ok=True)


def recover_interrupted(workspace: Path) -> list[Recovered]:
    """Repair every run whose process died; returns what was done."""
    runs = dead_runs(workspace)
    return [_recover(Path(workspace), path, content) for path, content in runs]


def store_interrupted(workspace: Path, guard_path: Path) -> Recovered | None:
    """A run of this process that was stopped before it finished (a runtime shutting down):
    kept as an incomplete execution now, exactly as a crash would be at the next start."""
    try:
        content = orjson.loads(guard_path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return _recover(Path(workspace), guard_path, content)


def _recover(workspace: Path, path: Path, content: dict[str, Any]) -> Recovered:
    from engine.secret_refs import forget, restore, stashed_values
    from engine.secrets import secret_store
    from engine.store.datastore import undo_journal
    from engine.store.incomplete import add_incomplete
    from engine.store.state_db import state_engine

    execution_id = str(content["execution_id"])
    scenario = str(content.get("scenario", ""))
    store = secret_store(workspace)
    stashed = [content.get("blueprint") or {}, content.get("trigger")]
    engine = state_engine(workspace)
    if _finished(workspace, engine, execution_id):  # died after the run, before the guard
        discard_guard(workspace, path, content)
        return Recovered(execution_id, scenario, 0, None, finished=True)
    # Secrets back from the guard's references; add_incomplete makes references of its own.
    blueprint, trigger = restore(stashed, stashed_values(stashed, store))
    undone = undo_journal(engine, execution_id)
    _mark_history_interrupted(workspace, execution_id)
    incomplete_id = None
    flow = blueprint.get("flow") or []
    if flow:
        incomplete_id = add_incomplete(
            engine, scenario=scenario, blueprint_json=blueprint, execution_id=execution_id,
            module_id=int(flow[0]["id"]), bundles={}, trigger=_decode(trigger),
            error=dict(INTERRUPTED_ERROR), reason="interrupted", store=store,
        )
    path.unlink(missing_ok=True)
    forget(stashed, store)
    log.warning("execution %s of %r was interrupted: %d data store writes undone",
                execution_id, scenario, undone)
    return Recovered(execution_id, scenario, undone, incomplete_id)


def discard_guard(workspace: Path, path: Path, content: dict[str, Any]) -> None:
    """Forget a guard whose run is known to have finished (its secrets' references too)."""
    from engine.secret_refs import forget
    from engine.secrets import secret_store

    path.unlink(missing_ok=True)
    forget([content.get("blueprint") or {}, content.get("trigger")], secret_store(workspace))


def _finished(workspace: Path, state: Any, execution_id: str) -> bool:
    """Did the run finish (history has its end, or its incomplete executions are stored)?"""
    from sqlalchemy import func, select

    from engine.store.incomplete import IncompleteExecutionRow

    table = IncompleteExecutionRow.__table__  # type: ignore[attr-defined]
    with state.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(table).where(
            table.c.execution_id == execution_id)).scalar()
    if stored:
        return True
    return history_status(workspace, execution_id) not in (None, "running")


def history_status(workspace: Path, execution_id: str) -> str | None:
    from engine.store.history_db import history_exists

    if not history_exists(workspace):
        return None
    from sqlalchemy import select

    from engine.store.history_db import Execution, open_history_engine

    engine = open_history_engine(workspace)
    table = Execution.__table__  # type: ignore[attr-defined]
    try:
        with engine.connect() as conn:
            status = conn.execute(select(table.c.status).where(
                table.c.id == execution_id)).scalar()
    except Exception:  # history must never stop recovery
        log.exception("could not read execution %s in history", execution_id)
        return None
    finally:
        engine.dispose()
    return None if status is None else str(status)


def _mark_history_interrupted(workspace: Path, execution_id: str) -> None:
    from engine.store.history_db import history_exists

    if not history_exists(workspace):
        return
    from sqlalchemy import update

    from engine.history.payloads import PayloadCodec
    from engine.store.history_db import Execution, blobs_dir, open_history_engine

    engine = open_history_engine(workspace)
    table = Execution.__table__  # type: ignore[attr-defined]
    try:
        with engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.id == execution_id, table.c.status == "running")
                .values(status="interrupted", finished_at=datetime.now(UTC),
                        error=PayloadCodec(blobs_dir(workspace)).encode(INTERRUPTED_ERROR))
            )
    except Exception:  # history must never stop recovery
        log.exception("could not mark execution %s interrupted in history", execution_id)
    finally:
        engine.dispose()


def describe(recovered: Recovered) -> str:
    """One line for the person at the terminal."""
    offered = (f"; retry it with: scenarist incomplete retry {recovered.incomplete_id[:12]}"
               if recovered.incomplete_id else "")
    return (f"execution {recovered.execution_id[:12]} of {recovered.scenario!r} was interrupted"
            f" (its process died): {recovered.undone_writes} data store write(s) of its"
            f" unfinished cycle undone{offered}")
