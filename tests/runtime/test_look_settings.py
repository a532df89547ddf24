"""The theme and the history's age limit are checked like every workspace setting: a bad
value is refused with what to use instead, and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.runtime import SettingsError, Workspace, load_settings, save_setting


def test_theme_and_history_days_are_checked(tmp_path: Path) -> None:
    state = Workspace(tmp_path / "ws").state
    assert load_settings(state).theme == "light" and load_settings(state).history_days == 30
    assert save_setting(state, "theme", "system").theme == "system"
    with pytest.raises(SettingsError, match="use light, dark, system"):
        save_setting(state, "theme", "purple")
    with pytest.raises(SettingsError, match="history_days"):
        save_setting(state, "history_days", -1)
    assert load_settings(state).theme == "system"
