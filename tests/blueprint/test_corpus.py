"""Every real Make export loads, passes the structural checks and round-trips unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.blueprint_check import find_problems, validate
from engine.loading import load_blueprint

SHARED = Path("/work/shared")
FILES = sorted((SHARED / "corpus" / "blueprints").glob("*.json")) + sorted(
    (SHARED / "acceptance" / "cases").glob("*/blueprint.json")
)


def test_the_corpus_is_there() -> None:
    assert len(FILES) > 100


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name + "/" + p.name[:60])
def test_real_export_is_valid_and_round_trips(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert find_problems(data, str(path)) == []
    blueprint = load_blueprint(path)
    validate(blueprint, str(path))
    assert blueprint.to_json_obj() == data
