"""Templates, references, indexes and keywords."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from engine.iml import compile_template
from tests.iml.helpers import FIXED_NOW, ev, scope

BUNDLE = {
    "name": "Ada",
    "count": 3,
    "price": 2.5,
    "paid": True,
    "items": [{"name": "Apple", "qty": 2}, {"name": "Banana", "qty": 4}, {"name": "Cherry"}],
    "tags": ["red", "green"],
    "customer": {"address": {"city": "London"}},
    "Customer Name": "Grace",
    "0": "column A",
    "$1": "first group",
    "nothing": None,
}
ROOTS = {1: BUNDLE, 10: {"$1": "match"}, "var": {"scenario": {"name": "My scenario"}}}


def test_text_without_braces_is_a_constant() -> None:
    assert ev("plain text", ROOTS) == "plain text"
    assert ev("", ROOTS) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{1.count}}", 3),
        ("{{1.price}}", 2.5),
        ("{{1.paid}}", True),
        ("{{1.items}}", BUNDLE["items"]),
        ("{{1.customer}}", BUNDLE["customer"]),
        ("{{1.nothing}}", None),
    ],
)
def test_a_lone_expression_keeps_its_native_type(text: str, expected: object) -> None:
    assert ev(text, ROOTS) == expected


def test_mixed_text_concatenates_as_text() -> None:
    assert ev("{{1.name}} has {{1.count}} items, paid={{1.paid}}", ROOTS) == (
        "Ada has 3 items, paid=true"
    )
    assert ev("[{{1.missing}}]", ROOTS) == "[]"
    assert ev("tags: {{1.tags}}", ROOTS) == "tags: red, green"
    assert ev(" {{1.count}}", ROOTS) == " 3"


def test_nested_paths_and_missing_paths_are_null() -> None:
    assert ev("{{1.customer.address.city}}", ROOTS) == "London"
    assert ev("{{1.customer.phone.number}}", ROOTS) is None
    assert ev("{{1.name.first}}", ROOTS) is None  # a key on text
    assert ev("{{99.anything}}", ROOTS) is None  # module that has not run
    assert ev("{{1.count.x.y.z}}", ROOTS) is None


def test_backtick_keys_and_whole_bundle() -> None:
    assert ev("{{1.`Customer Name`}}", ROOTS) == "Grace"
    assert ev("{{1.`0`}}", ROOTS) == "column A"
    assert ev("{{10.`$1`}}", ROOTS) == "match"
    assert ev("{{`1`}}", ROOTS) is BUNDLE


def test_unquoted_dollar_keys() -> None:
    # Text-parser groups are exported unquoted as well as quoted.
    assert ev("{{10.$1}}", ROOTS) == "match"


def test_a_bare_unknown_word_reads_as_a_missing_root() -> None:
    assert ev("Title: {{title}}!", ROOTS) == "Title: !"
    assert ev("{{airtableBaseId}}", ROOTS) is None
    assert ev("{{foo.bar[1]}}", {"foo": {"bar": ["x"]}}) == "x"


def test_named_roots() -> None:
    assert ev("{{var.scenario.name}}", ROOTS) == "My scenario"
    assert ev("Run of {{var.scenario.name}}", ROOTS) == "Run of My scenario"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{1.items[1].name}}", "Apple"),
        ("{{1.items[2].name}}", "Banana"),
        ("{{1.items[].name}}", "Apple"),
        ("{{1.items[-1].name}}", "Cherry"),
        ("{{1.items[-3].name}}", "Apple"),
        ("{{1.items[0]}}", None),
        ("{{1.items[4]}}", None),
        ("{{1.items[-4]}}", None),
        ("{{1.items[3].qty}}", None),
        ("{{1.tags[2]}}", "green"),
        ("{{1.tags[1 + 1]}}", "green"),
        ("{{1.tags[1.count - 2]}}", "red"),
        ('{{1.tags["2"]}}', "green"),
        ("{{1.name[1]}}", None),
        ("{{1.items[2]}}", {"name": "Banana", "qty": 4}),
    ],
)
def test_indexes_are_one_based(text: str, expected: object) -> None:
    assert ev(text, ROOTS) == expected


def test_empty_brackets_on_a_non_array_give_the_value() -> None:
    assert ev("{{1.customer[].address.city}}", ROOTS) == "London"


def test_field_of_an_array_without_index_is_null() -> None:
    # Make needs an index ([] or [n]) or map() to reach into an array.
    assert ev("{{1.items.name}}", ROOTS) is None


def test_error_bundle_is_an_ordinary_reference() -> None:
    roots = {2: {"error": {"message": "boom", "name": "DataError"}}}
    assert ev("Failed: {{2.error.message}}", roots) == "Failed: boom"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{null}}", None),
        ("{{true}}", True),
        ("{{false}}", False),
        ("{{emptystring}}", ""),
        ("{{emptyarray}}", []),
        ("{{space}}", " "),
        ("{{tab}}", "\t"),
        ("{{newline}}", "\n"),
        ("{{nbsp}}", "\u00a0"),
        ("{{carriagereturn}}", "\r"),
        ("{{ignore}}", None),
        ("{{erase}}", None),
        ("a{{space}}b", "a b"),
    ],
)
def test_constant_keywords(text: str, expected: object) -> None:
    assert ev(text) == expected


def test_pi_and_random() -> None:
    assert abs(ev("{{pi}}") - 3.14159265) < 1e-6
    values = {ev("{{random}}") for _ in range(20)}
    assert all(0 <= v < 1 for v in values)
    assert len(values) > 1


def test_time_keywords_are_read_at_run_time() -> None:
    template = compile_template("{{now}}")
    first = datetime(2020, 1, 1, tzinfo=UTC)
    assert template(scope(now=lambda: first)) == first
    assert template(scope(now=lambda: FIXED_NOW)) == FIXED_NOW
    assert compile_template("{{timestamp}}")(scope()) == int(FIXED_NOW.timestamp())


def test_uuid_and_execution_id() -> None:
    template = compile_template("{{uuid}}")
    a, b = template(scope()), template(scope())
    assert a != b
    assert str(uuid.UUID(a)) == a
    assert ev("{{executionId}}") == "exec-123"


def test_emptyarray_is_fresh_each_time() -> None:
    template = compile_template("{{emptyarray}}")
    first = template(scope())
    first.append(1)
    assert template(scope()) == []


def test_string_literals() -> None:
    assert ev('{{"a ""quoted"" word"}}') == 'a "quoted" word'
    assert ev('{{"say \\"hi\\""}}') == 'say "hi"'
    assert ev("{{'single'}}") == "single"
    assert ev('{{"\\n"}}') == "\\n"  # no escape: Make spells a line break `newline`
    assert ev('{{"}}"}}') == "}}"


def test_numbers() -> None:
    assert ev("{{42}}") == 42
    assert ev("{{-1.5}}") == -1.5
    assert ev("{{1e3}}") == 1000.0


def test_compiled_templates_are_reusable_across_scopes() -> None:
    template = compile_template("Hi {{1.name}}")
    assert template(scope({1: {"name": "A"}})) == "Hi A"
    assert template(scope({1: {"name": "B"}})) == "Hi B"
    assert compile_template("Hi {{1.name}}") is template  # cached
