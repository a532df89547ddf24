"""compile_mapper over whole mapper structures, and parse_template for the editor."""

from __future__ import annotations

from engine.iml import compile_mapper
from engine.iml.ast import Call, ExprSegment, Ref, TextSegment
from engine.iml.parser import parse_template
from tests.iml.helpers import scope


def test_mapper_evaluates_strings_and_keeps_other_values() -> None:
    mapper = compile_mapper(
        {
            "url": "https://x.test/{{1.id}}",
            "count": 3,
            "flag": True,
            "none": None,
            "items": "{{1.items}}",
            "headers": [{"name": "X-Id", "value": "{{1.id}}"}],
        }
    )
    out = mapper(scope({1: {"id": 7, "items": [1, 2]}}))
    assert out == {
        "url": "https://x.test/7",
        "count": 3,
        "flag": True,
        "none": None,
        "items": [1, 2],
        "headers": [{"name": "X-Id", "value": 7}],
    }


def test_outputs_never_share_containers() -> None:
    mapper = compile_mapper({"fixed": {"a": [1, 2]}, "dyn": "{{1.x}}", "list": ["k", "{{1.x}}"]})
    first = mapper(scope({1: {"x": 1}}))
    first["fixed"]["a"].append(3)
    first["list"].append("extra")
    second = mapper(scope({1: {"x": 2}}))
    assert second == {"fixed": {"a": [1, 2]}, "dyn": 2, "list": ["k", 2]}


def test_wholly_constant_mapper_is_copied() -> None:
    mapper = compile_mapper({"a": [{"b": "text"}]})
    first = mapper(scope())
    first["a"][0]["b"] = "changed"
    assert mapper(scope()) == {"a": [{"b": "text"}]}


def test_scalars_and_strings_at_top_level() -> None:
    assert compile_mapper("{{1.x}}")(scope({1: {"x": 5}})) == 5
    assert compile_mapper(12)(scope()) == 12


def test_parse_template_gives_segments_with_positions() -> None:
    segments = parse_template("Hi {{upper(1.name)}}!")
    assert [type(s) for s in segments] == [TextSegment, ExprSegment, TextSegment]
    expr = segments[1]
    assert isinstance(expr, ExprSegment)
    assert (expr.pos, expr.end) == (3, 20)
    call = expr.expr
    assert isinstance(call, Call) and call.name == "upper"
    assert (call.pos, call.end) == (5, 18)
    ref = call.args[0]
    assert isinstance(ref, Ref) and ref.root == 1 and (ref.pos, ref.end) == (11, 17)
