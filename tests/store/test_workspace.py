"""Where the workspace is: --data-dir, then $SCENARIST_HOME, then the user data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.store import workspace


def test_explicit_data_dir_wins_and_is_created(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIST_HOME", str(tmp_path / "from-env"))
    chosen = workspace.resolve_workspace(tmp_path / "a" / "b")
    assert chosen == (tmp_path / "a" / "b").resolve() and chosen.is_dir()
    assert not (tmp_path / "from-env").exists()


def test_env_home_is_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIST_HOME", str(tmp_path / "home"))
    assert workspace.resolve_workspace(None) == (tmp_path / "home").resolve()
    assert (tmp_path / "home").is_dir()


def test_user_data_dir_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCENARIST_HOME", raising=False)
    monkeypatch.setattr(workspace, "default_workspace", lambda: tmp_path / "user" / "Scenarist")
    assert workspace.resolve_workspace() == (tmp_path / "user" / "Scenarist").resolve()


def test_platformdirs_folder_is_named_after_the_app() -> None:
    assert workspace.default_workspace().name == "Scenarist"


def test_the_folder_chosen_in_settings_comes_before_the_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCENARIST_HOME", raising=False)
    monkeypatch.setattr(workspace, "location_file", lambda: tmp_path / "config" / "ws.json")
    monkeypatch.setattr(workspace, "default_workspace", lambda: tmp_path / "default")
    workspace.choose_workspace(tmp_path / "mine")
    assert workspace.resolve_workspace() == (tmp_path / "mine").resolve()
    assert workspace.resolve_workspace(tmp_path / "given") == (tmp_path / "given").resolve()
    workspace.choose_workspace(None)
    assert workspace.resolve_workspace() == (tmp_path / "default").resolve()
