"""Files on this computer (`local-files:`): only inside granted folders; get, list, write,
move, delete; the folder watcher's cursor across runs."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine.builtins import local_files
from engine.builtins.local_files import GRANTED_RESOURCE
from engine.context import RunServices
from engine.effects import EffectLog
from engine.errors import ModuleError
from engine.iml.scope import Scope
from engine.spec import ModuleCall

SPECS = {spec.id: spec for spec in local_files.MODULES}
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def services(*granted: Path, data_dir: Path | None = None, **kw: Any) -> RunServices:
    run = RunServices(data_dir=data_dir, now=lambda: NOW, scenario_name="files", **kw)
    if granted or data_dir is None:
        run.resource(GRANTED_RESOURCE, lambda: tuple(Path(os.path.realpath(g))
                                                     for g in granted))
    return run


async def run_module(name: str, run: RunServices, mapper: dict[str, Any] | None = None,
                     parameters: dict[str, Any] | None = None, module_id: int = 1) -> list:
    call = ModuleCall(module_id, parameters or {}, mapper or {}, run, Scope())
    return await SPECS[f"local-files:{name}"].implementation(call)


@pytest.fixture
def box(tmp_path: Path) -> Path:
    folder = tmp_path / "box"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("alpha")
    (folder / "b.csv").write_text("x,y\n1,2")
    (folder / "sub" / "c.txt").write_text("gamma")
    (folder / ".hidden").write_text("no")
    return folder


async def test_get_a_file_gives_a_binary_item(box: Path) -> None:
    [item] = await run_module("GetFile", services(box), {"path": str(box / "b.csv")})
    assert {k: item[k] for k in ("fileName", "data", "fileSize", "mimeType", "path",
                                 "folder")} == {
        "fileName": "b.csv", "data": b"x,y\n1,2", "fileSize": 7, "mimeType": "text/csv",
        "path": str(box / "b.csv"), "folder": str(box)}
    assert isinstance(item["modifiedAt"], datetime)


@pytest.mark.parametrize("where", ["outside", "dotdot", "symlink", "relative"])
async def test_paths_outside_the_granted_folders_are_refused(box: Path, tmp_path: Path,
                                                             where: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret")
    (box / "link.txt").symlink_to(secret)
    path = {"outside": str(secret), "dotdot": f"{box}/../secret.txt",
            "symlink": str(box / "link.txt"), "relative": "box/a.txt"}[where]
    with pytest.raises(ModuleError) as caught:
        await run_module("GetFile", services(box), {"path": path})
    assert caught.value.name == "DataError"
    message = caught.value.message
    if where == "relative":
        assert "not an absolute path" in message
    else:
        assert str(secret) in message and str(box) in message
        assert "scenarist settings set granted_folders" in message


async def test_without_a_grant_nothing_is_allowed(box: Path) -> None:
    with pytest.raises(ModuleError, match="granted: none yet"):
        await run_module("GetFile", services(), {"path": str(box / "a.txt")})


async def test_granted_folders_come_from_the_workspace_setting(box: Path, tmp_path: Path
                                                               ) -> None:
    from engine.runtime.settings import save_setting
    from engine.store.state_db import state_engine

    workspace = tmp_path / "ws"
    save_setting(state_engine(workspace), "granted_folders", [str(box)])
    [item] = await run_module("GetFile", services(data_dir=workspace),
                              {"path": str(box / "a.txt")})
    assert item["data"] == b"alpha"


async def test_list_a_folder(box: Path) -> None:
    run = services(box)
    names = [b["fileName"] for b in await run_module("ListFolder", run, {"folder": str(box)})]
    assert names == ["a.txt", "b.csv"]
    deep = await run_module("ListFolder", run, {"folder": str(box)},
                            {"recursive": True, "pattern": "*.txt", "includeData": True})
    assert [(b["fileName"], b["data"]) for b in deep] == [("a.txt", b"alpha"),
                                                          ("c.txt", b"gamma")]
    with_folders = await run_module("ListFolder", run, {"folder": str(box)},
                                    {"includeFolders": True})
    assert [(b["fileName"], b["type"]) for b in with_folders] == [
        ("a.txt", "file"), ("b.csv", "file"), ("sub", "folder")]


async def test_write_a_file_from_a_binary_item_or_text(box: Path) -> None:
    run = services(box)
    [out] = await run_module("WriteFile", run, {
        "folder": str(box / "new" / "deeper"),
        "data": {"fileName": "report.pdf", "data": b"%PDF"}})
    assert (box / "new" / "deeper" / "report.pdf").read_bytes() == b"%PDF"
    assert out["fileName"] == "report.pdf" and out["fileSize"] == 4 and "data" not in out
    with pytest.raises(ModuleError, match="already exists"):
        await run_module("WriteFile", run, {"folder": str(box), "fileName": "a.txt",
                                            "data": "new"})
    assert (box / "a.txt").read_text() == "alpha"
    [kept] = await run_module("WriteFile", run, {"folder": str(box), "fileName": "a.txt",
                                                 "data": "new", "ifExists": "rename"})
    assert kept["fileName"] == "a (2).txt" and (box / "a (2).txt").read_text() == "new"
    await run_module("WriteFile", run, {"folder": str(box), "fileName": "a.txt",
                                        "data": "newer", "ifExists": "overwrite"})
    assert (box / "a.txt").read_text() == "newer"
    assert not [p for p in box.iterdir() if p.name.endswith(".part")]


async def test_a_file_written_outside_is_refused_and_nothing_is_written(box: Path,
                                                                        tmp_path: Path
                                                                        ) -> None:
    for mapper in ({"folder": str(tmp_path / "elsewhere"), "fileName": "x.txt"},
                   {"folder": str(box), "fileName": "../x.txt"}):
        with pytest.raises(ModuleError):
            await run_module("WriteFile", services(box), {**mapper, "data": "x"})
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "x.txt").exists()


async def test_move_rename_copy_and_delete(box: Path) -> None:
    run = services(box)
    [moved] = await run_module("MoveFile", run, {"path": str(box / "a.txt"),
                                                 "folder": str(box / "sub")})
    assert moved["path"] == str(box / "sub" / "a.txt") and not (box / "a.txt").exists()
    [renamed] = await run_module("MoveFile", run, {"path": moved["path"], "fileName": "z.txt"})
    assert renamed["path"] == str(box / "sub" / "z.txt")
    await run_module("MoveFile", run, {"path": renamed["path"], "folder": str(box),
                                       "copy": True})
    assert (box / "z.txt").read_text() == (box / "sub" / "z.txt").read_text() == "alpha"
    with pytest.raises(ModuleError, match="already exists"):
        await run_module("MoveFile", run, {"path": str(box / "z.txt"),
                                           "folder": str(box / "sub")})
    [gone] = await run_module("DeleteFile", run, {"path": str(box / "z.txt")})
    assert gone == {"path": str(box / "z.txt"), "deleted": True}
    with pytest.raises(ModuleError, match="does not exist"):
        await run_module("DeleteFile", run, {"path": str(box / "z.txt")})
    assert (await run_module("DeleteFile", run, {"path": str(box / "z.txt"),
                                                 "ignoreMissing": True}))[0]["deleted"] is False
    with pytest.raises(ModuleError, match="is a folder"):
        await run_module("DeleteFile", run, {"path": str(box / "sub")})


def _age(path: Path, seconds: int) -> None:
    stamp = NOW.timestamp() - seconds
    os.utime(path, (stamp, stamp))


async def test_watch_emits_new_and_changed_files_once_oldest_first(box: Path,
                                                                   tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    for name, age in (("a.txt", 30), ("b.csv", 20), ("sub/c.txt", 10)):
        _age(box / name, age)
    params = {"folder": str(box), "recursive": True, "limit": 2}

    async def poll() -> tuple[list[str], bool]:
        run = services(box, data_dir=workspace)
        out = await run_module("WatchFolder", run, parameters=params)
        return [b["fileName"] for b in out], run.more

    assert await poll() == (["a.txt", "b.csv"], True)  # the oldest two; more waiting
    assert await poll() == (["c.txt"], False)
    assert await poll() == ([], False)
    (box / "a.txt").write_text("changed")
    (box / "d.txt").write_text("new")
    _age(box / "a.txt", 5)
    _age(box / "d.txt", 5)
    assert await poll() == (["a.txt", "d.txt"], False)
    (box / "e.txt").write_text("too fresh")  # changed less than a second ago: next time
    os.utime(box / "e.txt", (NOW.timestamp(), NOW.timestamp()))
    assert await poll() == ([], False)


async def test_watch_from_now_on_skips_what_is_already_there(box: Path, tmp_path: Path
                                                             ) -> None:
    for name in ("a.txt", "b.csv"):
        _age(box / name, 60)
    run = services(box, data_dir=tmp_path / "ws")
    run.start_from = {"mode": "now"}
    assert await run_module("WatchFolder", run, parameters={"folder": str(box)}) == []
    (box / "new.txt").write_text("n")
    _age(box / "new.txt", 30)
    later = services(box, data_dir=tmp_path / "ws")
    out = await run_module("WatchFolder", later, parameters={"folder": str(box),
                                                             "includeData": False})
    assert [b["fileName"] for b in out] == ["new.txt"] and "data" not in out[0]


async def test_a_deterministic_replay_reads_and_writes_nothing(box: Path) -> None:
    live = services(box, effects=EffectLog())
    [written] = await run_module("WriteFile", live, {"folder": str(box), "fileName": "r.txt",
                                                     "data": "one"})
    [read] = await run_module("GetFile", live, {"path": str(box / "a.txt")})
    (box / "r.txt").unlink()
    (box / "a.txt").write_text("changed since")
    replay = services(box, effects=EffectLog(live.effects.entries))  # type: ignore[union-attr]
    assert await run_module("WriteFile", replay, {"folder": str(box), "fileName": "r.txt",
                                                  "data": "one"}) == [written]
    assert await run_module("GetFile", replay, {"path": str(box / "a.txt")}) == [read]
    assert not (box / "r.txt").exists()
