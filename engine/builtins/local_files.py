"""Files on this computer (`local-files:`, our own app, not Make's): watch a folder for new
or changed files, get a file, list a folder, write, move or copy, delete.

Only inside the folders the user granted (the workspace's `granted_folders` runtime setting,
none by default): every path is resolved (symbolic links followed, `..` removed) and must
lie in one of them, or the module fails naming the path and how to grant a folder — and
touches nothing. Paths are absolute. Files travel as Make's binary items (`fileName`,
`data`, `fileSize`, `mimeType`) plus `path`, `folder` and `modifiedAt`; a file over the run's
value limit is not read.

The folder watcher is a polling trigger: it emits the files modified since its cursor (kept
in state.db like other app triggers', engine.store.trigger_cursors), oldest first, up to
`limit` per run (more waiting: another cycle), skipping hidden files and files changed in
the last `minAge` seconds (still being written). "Choose where to start" applies until it
has a cursor. Disk work runs off the event loop; on a deterministic replay the recorded
results come back and nothing on disk is read or changed.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.builtins.binary import as_bytes, mime_type_of
from engine.errors import ModuleError
from engine.limits import describe_bytes
from engine.spec import FieldSpec, ModuleCall, ModuleTable
from engine.values import to_bool, to_date, to_number, to_text

MODULES = ModuleTable()

APP = "local-files"
GRANTED_RESOURCE = "local-files.granted"
_EFFECT = "local-files"
_IF_EXISTS = ("overwrite", "rename", "error")


# --- granted folders --------------------------------------------------------------------------


def granted_folders(call: ModuleCall) -> tuple[Path, ...]:
    """The workspace's granted folders, resolved, read once per run (a run without a
    workspace has none, unless its caller set the resource)."""

    def load() -> tuple[Path, ...]:
        if call.run.data_dir is None:
            return ()
        from engine.runtime.settings import load_settings
        from engine.store.state_db import state_engine

        folders = load_settings(state_engine(Path(call.run.data_dir))).granted_folders
        return tuple(Path(os.path.realpath(f)) for f in folders)

    found: tuple[Path, ...] = call.run.resource(GRANTED_RESOURCE, load)
    return found


def _grant_hint() -> str:
    return (f"grant a folder with `scenarist settings set granted_folders FOLDER` "
            f"(several separated by '{os.pathsep}'; the setting replaces the list)")


def allowed(call: ModuleCall, raw: Any, field: str) -> Path:
    """`raw` as a resolved absolute path inside a granted folder, else a DataError."""
    text = to_text(raw).strip()
    if not text:
        raise ModuleError(f"{field}: no path is given.", name="DataError")
    path = Path(os.path.expanduser(text))
    if not path.is_absolute():
        raise ModuleError(f"{field}: {text} is not an absolute path (start it at the root of "
                          "the disk, e.g. /home/me/Reports or C:\\Reports).", name="DataError")
    resolved = Path(os.path.realpath(path))
    granted = granted_folders(call)
    if not _inside(resolved, granted):
        where = ", ".join(str(g) for g in granted) or "none yet"
        raise ModuleError(
            f"{field}: {resolved} is outside the folders Files on this computer may use "
            f"(granted: {where}); {_grant_hint()}.", name="DataError",
            detail={"path": str(resolved), "granted": [str(g) for g in granted]})
    return resolved


async def _io(call: ModuleCall, work: Callable[[], Any]) -> Any:
    """Disk work in a thread. Its result, or the error it ends with, is recorded for (and
    fed back by) a deterministic replay."""

    def guarded() -> dict[str, Any]:
        try:
            return {"value": work()}
        except ModuleError as exc:
            return {"error": {"name": exc.name, "message": exc.message}}

    effects = call.run.effects
    if effects is None:
        outcome = await asyncio.to_thread(guarded)
    else:
        outcome = await effects.take_async(_EFFECT, lambda: asyncio.to_thread(guarded))
    if "error" in outcome:
        raise ModuleError(outcome["error"]["message"], name=outcome["error"]["name"])
    return outcome["value"]


def _inside(path: Path, granted: tuple[Path, ...]) -> bool:
    resolved = Path(os.path.realpath(path))
    return any(resolved == g or g in resolved.parents for g in granted)


def _entry(path: Path, stat: os.stat_result, data: bytes | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"fileName": path.name}
    if data is not None:
        out["data"] = data
    out.update({"fileSize": stat.st_size, "mimeType": mime_type_of(path.name),
                "path": str(path), "folder": str(path.parent),
                "modifiedAt": datetime.fromtimestamp(stat.st_mtime, UTC)})
    return out


def _read(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise ModuleError(f"{path} does not exist.", name="DataError") from None
    except IsADirectoryError:
        raise ModuleError(f"{path} is a folder, not a file.", name="DataError") from None
    except OSError as exc:
        raise ModuleError(f"{path} cannot be read: {exc.strerror}.", name="DataError") from None
    if len(data) > limit:
        raise ModuleError(f"{path} is larger than {describe_bytes(limit)} (the run's value "
                          "limit).", name="DataError")
    return data


def _stat(path: Path) -> os.stat_result:
    try:
        return path.stat()
    except FileNotFoundError:
        raise ModuleError(f"{path} does not exist.", name="DataError") from None


def _files(folder: Path, pattern: str, recursive: bool, granted: tuple[Path, ...], *,
           folders: bool = False) -> list[tuple[Path, os.stat_result, bool]]:
    """(path, stat, is folder) of the entries below `folder` whose name matches, hidden
    ones (a leading dot) left out; symbolic links to folders are not followed, and links
    leading out of the granted folders are left out."""
    if not folder.is_dir():
        raise ModuleError(f"{folder} is not a folder.", name="DataError")
    found: list[tuple[Path, os.stat_result, bool]] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir and recursive:
                pending.append(Path(entry.path))
            if (is_dir and not folders) or not fnmatch.fnmatch(entry.name, pattern or "*"):
                continue
            if not is_dir and (not entry.is_file() or (
                    entry.is_symlink() and not _inside(Path(entry.path), granted))):
                continue
            try:
                found.append((Path(entry.path), entry.stat(), is_dir))
            except OSError:
                continue
    return found


_FILE_OUT = [
    FieldSpec(name="fileName", label="File name"),
    FieldSpec(name="data", type="buffer", label="Data"),
    FieldSpec(name="fileSize", type="uinteger", label="File size"),
    FieldSpec(name="mimeType", label="MIME type"),
    FieldSpec(name="path", label="Path"),
    FieldSpec(name="folder", label="Folder"),
    FieldSpec(name="modifiedAt", type="date", label="Modified"),
]
_PATTERN = FieldSpec(name="pattern", label="File name pattern", default="*",
                     help="e.g. *.csv; * for every file.")
_RECURSIVE = FieldSpec(name="recursive", type="boolean", label="Include subfolders",
                       default=False)
_IF_EXISTS_FIELD = FieldSpec(
    name="ifExists", type="select", label="If the file exists", default="error",
    options=[{"label": "Replace it", "value": "overwrite"},
             {"label": "Keep both (add a number to the new name)", "value": "rename"},
             {"label": "Fail", "value": "error"}])


# --- watch a folder ---------------------------------------------------------------------------


def _ns(value: Any) -> int | None:
    date = to_date(value)
    return int(date.timestamp() * 1_000_000_000) if date is not None else None


@MODULES.module(
    f"{APP}:WatchFolder",
    label="Watch files in a folder",
    kind="trigger",
    description="New or changed files in a folder on this computer, oldest first.",
    parameters=[
        FieldSpec(name="folder", type="path", label="Folder", required=True),
        _PATTERN,
        _RECURSIVE,
        FieldSpec(name="limit", type="uinteger", label="Maximum number of files", default=10),
        FieldSpec(name="includeData", type="boolean", label="Read the files' data",
                  default=True),
        FieldSpec(name="minAge", type="uinteger", label="Skip files changed in the last "
                  "(seconds)", default=1, advanced=True,
                  help="So a file still being written is taken at the next check."),
    ],
    interface=_FILE_OUT,
)
async def watch_folder(call: ModuleCall) -> list[dict[str, Any]]:
    from engine.apps.runtime import trigger_key, trigger_state

    params = call.parameters
    folder = allowed(call, params.get("folder"), "folder")
    limit = int(to_number(params.get("limit")) or 10)
    include = to_bool(params.get("includeData", True))
    min_age = to_number(params.get("minAge"))
    settle_ns = int((1 if min_age is None else min_age) * 1_000_000_000)
    now_ns = int(call.run.now().timestamp() * 1_000_000_000)
    store, key = trigger_state(call.run), trigger_key(call.run, call.module_id)
    granted = granted_folders(call)  # read here: the thread must not open the database
    max_bytes = call.run.limits.max_value_bytes
    choice = call.run.start_from or {}

    stored = store.get(key)

    def work() -> dict[str, Any]:
        mode = None if stored is not None else choice.get("mode")
        last = (stored or {}).get("lastMtimeNs")
        seen = set((stored or {}).get("seen") or [])
        if mode == "since":
            last, seen = _ns(choice.get("date")), set()
        listed = _files(folder, to_text(params.get("pattern")),
                        to_bool(params.get("recursive")), granted)
        files = sorted(((stat.st_mtime_ns, path, stat) for path, stat, _ in listed
                        if stat.st_mtime_ns <= now_ns - settle_ns),
                       key=lambda f: (f[0], str(f[1])))
        fresh = [f for f in files if last is None or f[0] > last
                 or (f[0] == last and str(f[1]) not in seen)]
        more = False
        if mode == "now":  # from now on: remember what is there, emit nothing
            emitted, remembered = [], files
        elif mode == "last":
            emitted, remembered = fresh[-int(to_number(choice.get("count")) or 1):], fresh
        else:
            more = len(fresh) > limit
            emitted = remembered = fresh[:limit]
        cursor = None
        if remembered:
            newest = remembered[-1][0]
            kept = seen if newest == last else set()
            kept.update(str(p) for ns, p, _ in remembered if ns == newest)
            cursor = {"lastMtimeNs": newest, "seen": sorted(kept)}
        elif mode == "now":
            cursor = {"lastMtimeNs": now_ns - settle_ns, "seen": []}
        bundles = [_entry(path, stat, _read(path, max_bytes) if include else None)
                   for _, path, stat in emitted]
        return {"bundles": bundles, "more": more, "cursor": cursor}

    outcome = await _io(call, work)
    effects = call.run.effects
    if outcome["cursor"] is not None and not (effects is not None and effects.replaying):
        store.set(key, outcome["cursor"])
    if outcome["more"]:
        call.run.more = True
    return list(outcome["bundles"])


# --- get, list --------------------------------------------------------------------------------


@MODULES.module(
    f"{APP}:GetFile",
    label="Get a file",
    kind="action",
    description="Reads a file on this computer.",
    mapper=[FieldSpec(name="path", type="path", label="File", required=True)],
    interface=_FILE_OUT,
)
async def get_file(call: ModuleCall) -> list[dict[str, Any]]:
    path = allowed(call, call.mapper.get("path"), "path")
    limit = call.run.limits.max_value_bytes

    def work() -> dict[str, Any]:
        data = _read(path, limit)
        return _entry(path, _stat(path), data)

    return [await _io(call, work)]


@MODULES.module(
    f"{APP}:ListFolder",
    label="List a folder",
    kind="search",
    description="One bundle per file (and, if asked, per folder) in a folder, by path.",
    parameters=[
        _PATTERN,
        _RECURSIVE,
        FieldSpec(name="includeFolders", type="boolean", label="Include folders",
                  default=False),
        FieldSpec(name="includeData", type="boolean", label="Read the files' data",
                  default=False),
        FieldSpec(name="limit", type="uinteger", label="Maximum number of results"),
    ],
    mapper=[FieldSpec(name="folder", type="path", label="Folder", required=True)],
    interface=[*_FILE_OUT, FieldSpec(name="type", label="Type (file or folder)")],
)
async def list_folder(call: ModuleCall) -> list[dict[str, Any]]:
    params = call.parameters
    folder = allowed(call, call.mapper.get("folder"), "folder")
    limit = to_number(params.get("limit"))
    include = to_bool(params.get("includeData"))
    max_bytes = call.run.limits.max_value_bytes
    granted = granted_folders(call)

    def work() -> list[dict[str, Any]]:
        entries = sorted(_files(folder, to_text(params.get("pattern")),
                                to_bool(params.get("recursive")), granted,
                                folders=to_bool(params.get("includeFolders"))),
                         key=lambda e: str(e[0]))
        if limit is not None and limit > 0:
            entries = entries[:int(limit)]
        out = []
        for path, stat, is_dir in entries:
            if is_dir:
                out.append({"fileName": path.name, "path": str(path), "folder": str(path.parent),
                            "modifiedAt": datetime.fromtimestamp(stat.st_mtime, UTC),
                            "type": "folder"})
            else:
                data = _read(path, max_bytes) if include else None
                out.append({**_entry(path, stat, data), "type": "file"})
        return out

    return list(await _io(call, work))


# --- write, move, delete ----------------------------------------------------------------------


def _free_name(target: Path) -> Path:
    k = 2
    while True:
        candidate = target.with_name(f"{target.stem} ({k}){target.suffix}")
        if not candidate.exists():
            return candidate
        k += 1


def _destination(target: Path, if_exists: str) -> Path:
    if if_exists not in _IF_EXISTS:
        raise ModuleError(f"ifExists: use one of {', '.join(_IF_EXISTS)}.", name="DataError")
    if target.is_dir():
        raise ModuleError(f"{target} is a folder.", name="DataError")
    if not target.exists() or if_exists == "overwrite":
        return target
    if if_exists == "rename":
        return _free_name(target)
    raise ModuleError(f"{target} already exists (choose to replace it or keep both).",
                      name="DataError")


def _write(target: Path, data: bytes, if_exists: str, make_folders: bool) -> Path:
    folder = target.parent
    if not folder.is_dir():
        if not make_folders:
            raise ModuleError(f"The folder {folder} does not exist.", name="DataError")
        folder.mkdir(parents=True, exist_ok=True)
    destination = _destination(target, if_exists)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".scenarist-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if if_exists == "overwrite":
            os.replace(temporary, destination)
        else:
            _place_new(temporary, destination)
    except FileExistsError:
        os.unlink(temporary)
        raise ModuleError(f"{destination} already exists.", name="DataError") from None
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return destination


def _place_new(temporary: str, destination: Path) -> None:
    """Give the written file its name unless a file of that name appeared meanwhile (a hard
    link fails then; where links are not supported, a last look before renaming)."""
    try:
        os.link(temporary, destination)
    except FileExistsError:
        raise
    except OSError:
        if destination.exists():
            raise FileExistsError(destination) from None
        os.replace(temporary, destination)
        return
    os.unlink(temporary)


@MODULES.module(
    f"{APP}:WriteFile",
    label="Write a file",
    kind="action",
    description="Saves data (a file from another module, or text) to a folder on this "
    "computer.",
    mapper=[
        FieldSpec(name="folder", type="path", label="Folder", required=True),
        FieldSpec(name="fileName", label="File name",
                  help="Empty: the name of the mapped file."),
        FieldSpec(name="data", type="buffer", label="Data", required=True),
        _IF_EXISTS_FIELD,
        FieldSpec(name="createFolders", type="boolean", label="Create missing folders",
                  default=True),
    ],
    interface=[f for f in _FILE_OUT if f.name != "data"],
)
async def write_file(call: ModuleCall) -> list[dict[str, Any]]:
    mapper = call.mapper
    data_value = mapper.get("data")
    name = to_text(mapper.get("fileName")).strip() or (
        to_text(data_value.get("fileName")).strip() if isinstance(data_value, dict) else "")
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise ModuleError(f"fileName: {name or 'nothing'} is not a file name (map a name "
                          "without folders).", name="DataError")
    folder = allowed(call, mapper.get("folder"), "folder")
    target = allowed(call, str(folder / name), "fileName")
    data = as_bytes(data_value)
    if_exists = to_text(mapper.get("ifExists")).strip() or "error"
    make_folders = to_bool(mapper.get("createFolders", True))

    def work() -> dict[str, Any]:
        written = _write(target, data, if_exists, make_folders)
        return _entry(written, written.stat())

    return [await _io(call, work)]


@MODULES.module(
    f"{APP}:MoveFile",
    label="Move or copy a file",
    kind="action",
    description="Moves (or copies) a file to another folder or name on this computer.",
    mapper=[
        FieldSpec(name="path", type="path", label="File", required=True),
        FieldSpec(name="folder", type="path", label="Destination folder",
                  help="Empty: the same folder (a rename)."),
        FieldSpec(name="fileName", label="New file name", help="Empty: the same name."),
        FieldSpec(name="copy", type="boolean", label="Copy instead of moving", default=False),
        _IF_EXISTS_FIELD,
    ],
    interface=[f for f in _FILE_OUT if f.name != "data"],
)
async def move_file(call: ModuleCall) -> list[dict[str, Any]]:
    mapper = call.mapper
    source = allowed(call, mapper.get("path"), "path")
    folder_text = to_text(mapper.get("folder")).strip()
    folder = allowed(call, folder_text, "folder") if folder_text else source.parent
    name = to_text(mapper.get("fileName")).strip() or source.name
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ModuleError(f"fileName: {name} is not a file name.", name="DataError")
    target = allowed(call, str(folder / name), "fileName")
    copy = to_bool(mapper.get("copy"))
    if_exists = to_text(mapper.get("ifExists")).strip() or "error"

    def work() -> dict[str, Any]:
        if not source.is_file():
            raise ModuleError(f"{source} is not a file.", name="DataError")
        if not target.parent.is_dir():
            raise ModuleError(f"The folder {target.parent} does not exist.", name="DataError")
        if target == source:
            return _entry(source, source.stat())
        destination = _destination(target, if_exists)
        if copy:
            shutil.copy2(source, destination)
        else:
            shutil.move(str(source), str(destination))
        return _entry(destination, destination.stat())

    return [await _io(call, work)]


@MODULES.module(
    f"{APP}:DeleteFile",
    label="Delete a file",
    kind="action",
    description="Deletes a file on this computer (not a folder).",
    mapper=[
        FieldSpec(name="path", type="path", label="File", required=True),
        FieldSpec(name="ignoreMissing", type="boolean", label="Succeed if the file is already "
                  "gone", default=False),
    ],
    interface=[FieldSpec(name="path", label="Path"),
               FieldSpec(name="deleted", type="boolean", label="Deleted")],
)
async def delete_file(call: ModuleCall) -> list[dict[str, Any]]:
    path = allowed(call, call.mapper.get("path"), "path")
    ignore_missing = to_bool(call.mapper.get("ignoreMissing"))

    def work() -> dict[str, Any]:
        if path.is_dir():
            raise ModuleError(f"{path} is a folder; this module deletes files only.",
                              name="DataError")
        try:
            path.unlink()
        except FileNotFoundError:
            if not ignore_missing:
                raise ModuleError(f"{path} does not exist.", name="DataError") from None
            return {"path": str(path), "deleted": False}
        return {"path": str(path), "deleted": True}

    return [await _io(call, work)]
