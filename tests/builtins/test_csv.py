"""CSV app (`csv:`): parse rows, create CSV from a loop's bundles (simple and advanced)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.builtins.csv_ import MODULES, parse_csv, write_csv
from engine.context import RunServices
from engine.errors import ModuleError
from engine.iml.scope import Scope
from engine.registry import default_registry
from engine.spec import ModuleCall

SPECS = {spec.id: spec for spec in MODULES}


def parse(csv: Any, **parameters: Any) -> list[dict[str, Any]]:
    call = ModuleCall(1, parameters, {"csv": csv}, RunServices(), Scope())
    return SPECS["csv:ParseCSV"].implementation(call)


def aggregate(module: str, parameters: dict[str, Any], mappers: list[dict[str, Any]],
              run: RunServices | None = None) -> list[dict[str, Any]]:
    agg = SPECS[module].implementation
    services = run or RunServices()

    def call(mapper: dict[str, Any]) -> ModuleCall:
        return ModuleCall(9, parameters, mapper, services, Scope())

    state = agg.start(call({}))
    for mapper in mappers:
        agg.add(state, call(mapper))
    return agg.finish(state, call({}))


def cols(bundles: list[dict[str, Any]]) -> list[list[str]]:
    return [[v for k, v in b.items() if k.startswith("col")] for b in bundles]


def test_modules_are_declared_with_their_kinds_and_aliases() -> None:
    assert {s.id: s.kind for s in MODULES} == {
        "csv:ParseCSV": "transformer",
        "csv:MakeAggregator": "aggregator",
        "csv:MakeAdvancedAggregator": "aggregator",
    }
    registry = default_registry()
    assert registry.get("csv:CreateCSV") is registry.get("csv:MakeAggregator")
    assert registry.get("csv:CreateCSVAdvanced") is registry.get("csv:MakeAdvancedAggregator")


def test_one_bundle_per_row_with_make_column_names_and_positions() -> None:
    out = parse("a,b\n1,2\n", columns=2)
    assert out == [
        {"col1": "a", "col2": "b", "__IMTINDEX__": 1, "__IMTLENGTH__": 2},
        {"col1": "1", "col2": "2", "__IMTINDEX__": 2, "__IMTLENGTH__": 2},
    ]


def test_the_header_row_is_skipped_when_the_csv_contains_headers() -> None:
    assert cols(parse("name,email\nAda,ada@x.org", columns=2, containsHeader=True)) == [
        ["Ada", "ada@x.org"]]


def test_quotes_delimiters_line_breaks_and_doubled_quotes_inside_fields() -> None:
    text = 'id,note\r\n1,"a, b"\r\n2,"line\nbreak"\r\n3,"say ""hi"""\r\n4,""\r\n'
    assert cols(parse(text, columns=2, containsHeader=True)) == [
        ["1", "a, b"], ["2", "line\nbreak"], ["3", 'say "hi"'], ["4", ""]]


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"delimiterType": "\t"}, "a\tb\n1\t2"),
        ({"delimiterType": ";"}, "a;b\n1;2"),
        ({"delimiterType": "other", "delimiter": "||"}, "a||b\n1||2"),
        ({"delimiterType": "tab"}, "a\tb\n1\t2"),
    ],
)
def test_tab_semicolon_and_other_delimiters(params: dict[str, Any], text: str) -> None:
    assert cols(parse(text, columns=2, **params)) == [["a", "b"], ["1", "2"]]


def test_empty_lines_are_skipped_unless_asked_to_keep_them() -> None:
    text = "a,b\n\n1,2\n"
    assert cols(parse(text, columns=2)) == [["a", "b"], ["1", "2"]]
    assert cols(parse(text, columns=2, skipEmptyLines=False)) == [["a", "b"], ["", ""],
                                                                  ["1", "2"]]


def test_short_rows_get_empty_columns_and_long_rows_are_a_data_error() -> None:
    assert cols(parse("a\n1,2", columns=2)) == [["a", ""], ["1", "2"]]
    with pytest.raises(ModuleError, match="Row 2 has 3 columns") as caught:
        parse("a,b\n1,2,3", columns=2)
    assert caught.value.name == "DataError"


def test_a_file_buffer_with_a_byte_order_mark_is_read_as_utf8() -> None:
    assert cols(parse("\ufeffnom,ville\nZoé,Brno".encode(), columns=2)) == [
        ["nom", "ville"], ["Zoé", "Brno"]]


def test_an_unclosed_quote_is_a_data_error_naming_the_line() -> None:
    with pytest.raises(ModuleError, match="line 2"):
        parse_csv('a,b\n1,"never closed\n')


def test_create_csv_writes_the_mapped_fields_as_columns_with_a_header() -> None:
    out = aggregate("csv:MakeAggregator", {"feeder": 2},
                    [{"name": "Ada", "note": "a, b"}, {"name": 'Bo "B"', "note": 3}])
    assert out == [{"text": 'name,note\nAda,"a, b"\n"Bo ""B""",3'}]


def test_create_csv_without_headers_and_with_a_tab() -> None:
    out = aggregate("csv:MakeAggregator",
                    {"feeder": 2, "includeHeaders": False, "delimiterType": "\t"},
                    [{"a": 1, "b": "x\ty"}])
    assert out == [{"text": '1\t"x\ty"'}]


def test_create_csv_of_an_empty_loop_is_the_empty_text() -> None:
    assert aggregate("csv:MakeAggregator", {"feeder": 2}, []) == [{"text": ""}]


def test_advanced_create_csv_follows_the_data_structure(tmp_path) -> None:
    from engine.store.data_structures import DataStructure, StructureField, save_structure
    from engine.store.state_db import state_engine

    save_structure(state_engine(tmp_path), DataStructure(id="7", name="people", spec=[
        StructureField(name="email"), StructureField(name="name"), StructureField(name="age",
                                                                                type="number")]))
    out = aggregate("csv:MakeAdvancedAggregator", {"feeder": 2, "type": 7},
                    [{"name": "Ada", "email": "a@x"}, {"email": "b@x", "age": 41}],
                    run=RunServices(data_dir=tmp_path))
    assert out == [{"text": "email,name,age\na@x,Ada,\nb@x,,41"}]


def test_parse_then_create_gives_the_text_back() -> None:
    text = 'id,name,note\n1,Ada,"a, b"\n2,Bo,"say ""hi"""\n3,Cy,"two\nlines"'
    rows = parse(text, columns=3, containsHeader=True)
    header = parse_csv(text)[0]
    mapped = [{header[k]: row[f"col{k + 1}"] for k in range(3)} for row in rows]
    assert write_csv(header, mapped, ",", headers=True) == text
