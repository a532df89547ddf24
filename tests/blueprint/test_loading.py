"""Reading blueprint files: bad JSON says line and column, the rest says where in the flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import BlueprintError
from engine.loading import load_blueprint, load_blueprint_text

VALID = '{"name": "x", "flow": [{"id": 1, "module": "util:SetVariable2", "mapper": {}}]}'


def test_loads_a_file_with_any_name(tmp_path: Path) -> None:
    path = tmp_path / "my scenario (copy).txt"
    path.write_text(VALID, encoding="utf-8")
    blueprint = load_blueprint(path)
    assert blueprint.name == "x" and blueprint.flow[0].id == 1


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode())
    assert load_blueprint(path).flow[0].module == "util:SetVariable2"


def test_json_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "x",\n  "flow": [\n    {"id": 1 "module": "a:B"}\n  ]\n}')
    with pytest.raises(BlueprintError) as caught:
        load_blueprint(path)
    message = str(caught.value)
    assert str(path) in message
    assert "line 4, column 14" in message


def test_non_json_text() -> None:
    with pytest.raises(BlueprintError) as caught:
        load_blueprint_text("this is not a blueprint", file="notes.txt")
    assert "notes.txt" in str(caught.value)
    assert "line 1, column 1" in str(caught.value)


def test_empty_file_and_missing_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    with pytest.raises(BlueprintError, match="empty"):
        load_blueprint(empty)
    with pytest.raises(BlueprintError, match="not found"):
        load_blueprint(tmp_path / "nope.json")


def test_not_an_object() -> None:
    with pytest.raises(BlueprintError, match="JSON object"):
        load_blueprint_text("[1, 2]")


def test_structural_errors_go_through_loading(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"flow": [{"id": 1, "module": "a:B"}, {"id": 1, "module": "a:C"}]}')
    with pytest.raises(BlueprintError) as caught:
        load_blueprint(path)
    assert (caught.value.file, caught.value.module_id, caught.value.path) == (
        str(path), 1, "flow[1].id")
