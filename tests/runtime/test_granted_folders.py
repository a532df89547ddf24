"""The `granted_folders` runtime setting: the folders Files on this computer may use."""

from __future__ import annotations

import json
import os

import pytest

from app.cli import main
from engine.runtime.settings import SettingsError, load_settings, parse_value, save_setting
from engine.store.state_db import state_engine


def test_none_are_granted_by_default(tmp_path) -> None:
    assert load_settings(state_engine(tmp_path / "ws")).granted_folders == ()


def test_folders_are_kept_as_absolute_paths(tmp_path, monkeypatch) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    monkeypatch.chdir(tmp_path)
    engine = state_engine(tmp_path / "ws")
    value = parse_value("granted_folders", f"a{os.pathsep}{b}{os.pathsep}a")
    assert save_setting(engine, "granted_folders", value).granted_folders == (str(a), str(b))
    assert load_settings(engine).granted_folders == (str(a), str(b))
    assert parse_value("granted_folders", json.dumps([str(b)])) == [str(b)]
    assert save_setting(engine, "granted_folders", parse_value("granted_folders", "none")
                        ).granted_folders == ()


def test_a_folder_that_does_not_exist_is_refused(tmp_path) -> None:
    with pytest.raises(SettingsError, match="is not a folder"):
        save_setting(state_engine(tmp_path / "ws"), "granted_folders", [str(tmp_path / "no")])


def test_set_from_the_command_line(tmp_path, capsys) -> None:
    code = main(["settings", "set", "granted_folders", str(tmp_path),
                 "--data-dir", str(tmp_path / "ws")])
    assert code == 0, capsys.readouterr()
    assert load_settings(state_engine(tmp_path / "ws")).granted_folders == (str(tmp_path),)
