"""Every IML function has the one-line help the mapping editor shows beside its name."""

from __future__ import annotations

from engine.iml.compiler import SPECIAL_FUNCTIONS
from engine.iml.function_help import FUNCTION_HELP
from engine.iml.functions import FUNCTIONS


def test_every_function_has_a_signature_and_a_description() -> None:
    assert set(FUNCTION_HELP) == set(FUNCTIONS) | SPECIAL_FUNCTIONS
    for name, found in FUNCTION_HELP.items():
        assert found.signature.startswith(f"{name}("), name
        assert found.description and "\n" not in found.description, name
