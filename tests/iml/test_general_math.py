"""General functions (get, if, ifempty, switch, pick, omit) and math functions."""

from __future__ import annotations

import pytest

from engine.errors import IMLError
from tests.iml.helpers import ev

DATA = {
    1: {
        "customer": {"address": {"city": "London"}, "a.b": "dotted"},
        "items": [{"name": "Apple"}, {"name": "Banana"}],
        "row": {"0": "zero", "1": "one"},
        "nickname": "",
        "status": "paid",
        "prices": [3, 1, 2],
        "calls": 0,
    }
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{{get(1.customer; "address.city")}}', "London"),
        ('{{get(1.customer; "a.b")}}', "dotted"),
        ('{{get(1.items; "2.name")}}', "Banana"),
        ("{{get(1.items; 1).name}}", "Apple"),
        ("{{get(1.items; 1 + 1)}}", {"name": "Banana"}),
        ("{{get(1.row; 0)}}", "zero"),
        ('{{get(1.customer; "nope.deeper")}}', None),
        ('{{get(1.missing; "x")}}', None),
        ("{{get(1.items; 0)}}", None),
    ],
)
def test_get(text: str, expected: object) -> None:
    assert ev(text, DATA) == expected


def test_if_and_unquoted_arguments() -> None:
    assert ev("{{if(1=1;A;B)}}") == "A"
    assert ev("{{if(1=2;A;B)}}") == "B"
    assert ev('{{if(1.status = "paid"; "PAID"; "OPEN")}}', DATA) == "PAID"
    assert ev("{{if(1.missing; yes; no)}}", DATA) == "no"
    assert ev("{{if(false; x)}}", DATA) is None
    assert ev('{{if(true; "kept"; )}}', DATA) == "kept"
    assert ev("{{if(1.status = paid; Hello world; Bye)}}", DATA) == "Hello world"


def test_if_evaluates_only_the_branch_taken() -> None:
    # The other branch would be an error (not a number) if it were evaluated.
    assert ev('{{if(true; "ok"; round("x"))}}') == "ok"
    assert ev('{{if(false; round("x"); "ok")}}') == "ok"
    with pytest.raises(IMLError):
        ev('{{if(true; round("x"); "ok")}}')


def test_ifempty() -> None:
    assert ev('{{ifempty(1.nickname; "n/a")}}', DATA) == "n/a"
    assert ev('{{ifempty(1.doesNotExist; "none")}}', DATA) == "none"
    assert ev('{{ifempty(1.status; "none")}}', DATA) == "paid"
    assert ev("{{ifempty(1.calls; 5)}}", DATA) == 0  # zero is not empty
    assert ev('{{ifempty(emptyarray; "e")}}', DATA) == "e"
    assert ev('{{ifempty(1.status; round("x"))}}', DATA) == "paid"


def test_switch() -> None:
    assert ev('{{switch(1.status; "open"; 1; "paid"; 2; 3)}}', DATA) == 2
    assert ev('{{switch("other"; "open"; 1; "paid"; 2; 3)}}', DATA) == 3
    assert ev('{{switch("other"; "open"; 1)}}', DATA) is None
    assert ev("{{switch(2; 1; one; 2; two)}}", DATA) == "two"
    assert ev('{{switch("a"; "a"; "first"; "a"; round("x"))}}', DATA) == "first"


def test_pick_omit_equal() -> None:
    data = {1: {"c": {"a": 1, "b": 2, "c": 3}}}
    assert ev('{{pick(1.c; "a"; "c")}}', data) == {"a": 1, "c": 3}
    assert ev('{{omit(1.c; "a"; "c")}}', data) == {"b": 2}
    assert ev('{{omit(1.c; "zzz")}}', data) == {"a": 1, "b": 2, "c": 3}
    assert ev("{{equal(1.c; 1.c)}}", data) is True
    assert ev('{{equal(1.c; pick(1.c; "a"))}}', data) is False
    assert ev("{{equal(1; 1.0)}}", data) is True
    with pytest.raises(IMLError):
        ev('{{pick("text"; "a")}}')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{round(2.567)}}", 3),
        ("{{round(2.4)}}", 2),
        ("{{round(2.5)}}", 3),
        ("{{round(-2.5)}}", -2),
        ("{{round(1.005; 2)}}", 1.01),
        ('{{round("3.7")}}', 4),
        ("{{ceil(1.2)}}", 2),
        ("{{ceil(-1.2)}}", -1),
        ("{{floor(1.8)}}", 1),
        ("{{floor(-1.2)}}", -2),
        ("{{trunc(1.89)}}", 1),
        ("{{trunc(-1.89)}}", -1),
        ("{{trunc(1.889; 2)}}", 1.88),
        ("{{abs(-4)}}", 4),
        ("{{min(3; 1; 2)}}", 1),
        ("{{max(3; 1; 2)}}", 3),
        ("{{min(1.prices)}}", 1),
        ("{{max(1.prices; 10)}}", 10),
        ("{{sum(1.prices)}}", 6),
        ("{{sum(10; 20; 12.5)}}", 42.5),
        ("{{sum()}}", 0),
        ("{{average(1; 2; 3; 4)}}", 2.5),
        ("{{median(5; 1; 3)}}", 3),
        ("{{median(1; 2; 3; 4)}}", 2.5),
        ("{{stdevP(2; 4; 4; 4; 5; 5; 7; 9)}}", 2),
        ("{{round(stdevS(2; 4; 4; 4; 5; 5; 7; 9); 4)}}", 2.1381),
        ("{{round(null)}}", None),
        ("{{min()}}", None),
    ],
)
def test_math(text: str, expected: object) -> None:
    assert ev(text, DATA) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{formatNumber(1234.5; 2)}}", "1.234,50"),
        ('{{formatNumber(1234567.891; 2; "."; ",")}}', "1,234,567.89"),
        ('{{formatNumber(123456789; 3; ","; ".")}}', "123.456.789,000"),
        ("{{formatNumber(1234.5)}}", "1.235"),
        ("{{formatNumber(-1234.567; 1)}}", "-1.234,6"),
        ('{{formatNumber(1234567; 0; ","; "")}}', "1234567"),
        ("{{formatNumber(0.125; 2)}}", "0,13"),
        ("{{formatNumber(999; 2)}}", "999,00"),
        (
            '{{"Total: " + formatNumber(sum(10; 20; 12.5); 2; "."; ",") + " EUR"}}',
            "Total: 42.50 EUR",
        ),
    ],
)
def test_format_number(text: str, expected: str) -> None:
    assert ev(text, DATA) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{{parseNumber("1 756 200,5"; ",")}}', 1756200.5),
        ('{{parseNumber("1.756.200,5"; ",")}}', 1756200.5),
        ('{{parseNumber("1,756,200.5"; ".")}}', 1756200.5),
        ('{{parseNumber("1,756,200.5")}}', 1756200.5),
        ('{{parseNumber("-42")}}', -42),
        ('{{parseNumber("$ 12.50")}}', 12.5),
        ("{{parseNumber(12)}}", 12),
        ('{{toNumber("12.5")}}', 12.5),
        ("{{toNumber(emptystring)}}", None),
    ],
)
def test_parse_number(text: str, expected: object) -> None:
    assert ev(text) == expected


@pytest.mark.parametrize(
    "text", ['{{round("abc")}}', '{{parseNumber("abc")}}', '{{formatNumber("x"; 2)}}']
)
def test_math_on_text_that_is_not_a_number_is_an_error(text: str) -> None:
    with pytest.raises(IMLError) as info:
        ev(text)
    assert info.value.column == 3
