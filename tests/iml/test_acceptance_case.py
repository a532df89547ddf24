"""The IML expressions of the acceptance case iml-text-and-arrays give the expected
outputs when evaluated against the webhook bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.iml import compile_mapper
from tests.iml.helpers import scope

CASES = Path("/work/shared/acceptance/cases")


def _case(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = CASES / name
    return (
        json.loads((folder / "blueprint.json").read_text()),
        json.loads((folder / "case.json").read_text()),
    )


def test_iml_text_and_arrays() -> None:
    blueprint, case = _case("iml-text-and-arrays")
    set_variables = next(m for m in blueprint["flow"] if m["module"] == "util:SetVariables")
    run = case["runs"][0]
    roots = {1: run["input"]["body"]}
    mapped = compile_mapper(set_variables["mapper"])(scope(roots))
    outputs = {v["name"]: v["value"] for v in mapped["variables"]}
    expected = run["expect"]["module_outputs"][str(set_variables["id"])][0]
    assert outputs == expected


@pytest.mark.parametrize(
    "name",
    [
        "total",
        "difference",
        "tripled",
        "rounded_up",
        "rounded_down",
        "formatted_default",
        "formatted_us",
        "formatted_doc",
        "total_label",
    ],
)
def test_iml_numbers(name: str) -> None:
    """The number half of iml-numbers-and-dates (the date half belongs to the date tests)."""
    blueprint, case = _case("iml-numbers-and-dates")
    set_variables = next(m for m in blueprint["flow"] if m["module"] == "util:SetVariables")
    run = case["runs"][0]
    mapper = next(v for v in set_variables["mapper"]["variables"] if v["name"] == name)
    value = compile_mapper(mapper["value"])(scope({1: run["input"]["body"]}))
    assert value == run["expect"]["module_outputs"][str(set_variables["id"])][0][name]
