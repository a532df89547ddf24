"""Panel tests run offscreen on real widgets (pytest-qt); the platform is set before Qt loads."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from engine.loading import load_blueprint  # noqa: E402

CASES = Path("/work/shared/acceptance/cases")


@pytest.fixture
def case_document(qapp):  # noqa: ANN001, ANN201 (pytest-qt's qapp)
    """A ScenarioDocument over one of the shipped acceptance blueprints."""
    from app.gui.document import ScenarioDocument

    def open_case(name: str) -> ScenarioDocument:
        return ScenarioDocument(load_blueprint(CASES / name / "blueprint.json"))

    return open_case


@pytest.fixture
def empty_document(qapp):  # noqa: ANN001, ANN201
    from app.gui.document import ScenarioDocument

    return ScenarioDocument()
