"""Every test runs with its own workspace, never the user's real data folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_workspace(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIST_HOME", str(tmp_path_factory.mktemp("scenarist-home")))
