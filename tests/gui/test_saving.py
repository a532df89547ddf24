"""Saving a scenario keeps the file what it was: its permissions, and a symlink stays a link
(the file it points at is replaced, atomically)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from app.gui.document import ScenarioDocument, empty_blueprint, write_atomic


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_saving_keeps_the_file_mode(tmp_path: Path) -> None:
    target = tmp_path / "shared.blueprint.json"
    target.write_text("{}")
    target.chmod(0o644)
    ScenarioDocument(empty_blueprint("Shared"), target).save()
    assert mode(target) == 0o644
    assert b'"Shared"' in target.read_bytes()
    target.chmod(0o640)
    write_atomic(target, b"{}")
    assert mode(target) == 0o640


def test_saving_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "repo" / "flows" / "intake.blueprint.json"
    real.parent.mkdir(parents=True)
    real.write_text("{}")
    real.chmod(0o664)
    link = tmp_path / "intake.blueprint.json"
    link.symlink_to(real)
    document = ScenarioDocument(empty_blueprint("Intake"), link)
    document.save()
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert b'"Intake"' in real.read_bytes()
    assert mode(real) == 0o664
    assert document.path == link  # the tab still names the file the user opened
    leftovers = [p.name for p in (*tmp_path.iterdir(), *real.parent.iterdir())
                 if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_new_file_gets_the_usual_permissions_and_private_copies_stay_private(
    tmp_path: Path,
) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    write_atomic(tmp_path / "new.blueprint.json", b"{}")
    write_atomic(tmp_path / "copy.autosave.json", b"{}", new_mode=0o600)
    assert mode(tmp_path / "new.blueprint.json") == 0o666 & ~umask  # not mkstemp's 0600
    assert mode(tmp_path / "copy.autosave.json") == 0o600


def test_a_saved_webhook_scenario_is_marked_instant_as_make_exports_it(tmp_path: Path) -> None:
    import json

    doc = ScenarioDocument()
    hook = doc.add_module("gateway:CustomWebHook", 0, 0)
    doc.append_after(hook, "util:SetVariable2")
    saved = doc.save(tmp_path / "hook.blueprint.json")
    assert json.loads(saved.read_text())["metadata"]["instant"] is True
    doc.delete_modules([hook])  # now it starts with Set variable: scheduled
    doc.save()
    assert json.loads(saved.read_text())["metadata"]["instant"] is False
    doc.undo_stack.clear()
