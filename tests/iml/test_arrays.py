"""Array functions."""

from __future__ import annotations

import pytest

from engine.errors import IMLError
from tests.iml.helpers import ev

ITEMS = [
    {"name": "Apple", "qty": 2, "kind": "fruit", "meta": {"color": "red"}},
    {"name": "banana", "qty": 4, "kind": "fruit", "meta": {"color": "yellow"}},
    {"name": "Carrot", "qty": 1, "kind": "veg"},
]
DATA = {
    1: {
        "items": ITEMS,
        "nums": [3, 1, 2],
        "words": ["b", "A", "c"],
        "dups": [1, "1", 1, 2, 2.0, "a", "a"],
        "nested": [1, [2, [3, [4]]]],
        "obj": {"a": 1, "b": 2},
        "pairs": [{"k": "x", "v": 1}, {"k": "y", "v": 2}],
    }
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{length(1.items)}}", 3),
        ("{{first(1.nums)}}", 3),
        ("{{last(1.nums)}}", 2),
        ("{{first(emptyarray)}}", None),
        ('{{map(1.items; "name")}}', ["Apple", "banana", "Carrot"]),
        ('{{map(1.items; "meta.color")}}', ["red", "yellow"]),
        ('{{map(1.items; "name"; "kind"; "veg")}}', ["Carrot"]),
        ('{{map(1.items; "qty"; "name"; "Apple,Carrot")}}', [2, 1]),
        ('{{join(map(1.items; "name"); ", ")}}', "Apple, banana, Carrot"),
        ('{{join(map(1.items; "qty"); "+")}}', "2+4+1"),
        ("{{join(1.nums; emptystring)}}", "312"),
        ('{{contains(map(1.items; "name"); "Carrot")}}', True),
        ("{{contains(1.nums; 2)}}", True),
        ('{{contains(1.nums; "2")}}', True),
        ("{{contains(1.nums; 7)}}", False),
        ("{{add(1.nums; 4; 5)}}", [3, 1, 2, 4, 5]),
        ("{{remove(1.nums; 1; 3)}}", [2]),
        ("{{sort(1.nums)}}", [1, 2, 3]),
        ("{{sort(1.nums; desc)}}", [3, 2, 1]),
        ("{{sort(1.words)}}", ["A", "b", "c"]),
        ('{{sort(1.words; "desc")}}', ["c", "b", "A"]),
        ('{{sort(1.words; "asc ci")}}', ["A", "b", "c"]),
        ('{{sort(1.words; "desc ci")}}', ["c", "b", "A"]),
        ('{{map(sort(1.items; "asc"; "qty"); "name")}}', ["Carrot", "Apple", "banana"]),
        ('{{map(sort(1.items; "asc ci"; "name"); "name")}}', ["Apple", "banana", "Carrot"]),
        ("{{reverse(1.nums)}}", [2, 1, 3]),
        ("{{merge(1.nums; 1.words)}}", [3, 1, 2, "b", "A", "c"]),
        ("{{slice(1.nums; 1)}}", [1, 2]),
        ("{{slice(1.nums; 0; 2)}}", [3, 1]),
        ("{{slice(1.nums; -2)}}", [1, 2]),
        ("{{flatten(1.nested)}}", [1, 2, [3, [4]]]),
        ("{{flatten(1.nested; 3)}}", [1, 2, 3, 4]),
        ("{{distinct(1.dups)}}", [1, "1", 2, "a"]),
        ("{{deduplicate(1.dups)}}", [1, "1", 2, "a"]),
        ('{{map(distinct(1.items; "kind"); "name")}}', ["Apple", "Carrot"]),
        ("{{keys(1.obj)}}", ["a", "b"]),
        ("{{toArray(1.obj)}}", [{"key": "a", "value": 1}, {"key": "b", "value": 2}]),
        ('{{toCollection(1.pairs; "k"; "v")}}', {"x": 1, "y": 2}),
        ("{{arrayDifference(1.nums; add(emptyarray; 1; 5))}}", [3, 2]),
        ('{{arrayDifference(1.nums; add(emptyarray; 1; 5); "symmetric")}}', [3, 2, 5]),
        ("{{1.items[2].name}}", "banana"),
        ('{{length(map(1.missing; "x"))}}', 0),
    ],
)
def test_array_functions(text: str, expected: object) -> None:
    assert ev(text, DATA) == expected


def test_shuffle_keeps_the_elements() -> None:
    assert sorted(ev("{{shuffle(1.nums)}}", DATA)) == [1, 2, 3]


def test_functions_never_modify_their_input() -> None:
    ev("{{add(1.nums; 9)}}", DATA)
    ev("{{sort(1.nums)}}", DATA)
    ev("{{reverse(1.nums)}}", DATA)
    assert DATA[1]["nums"] == [3, 1, 2]


def test_bad_sort_order_before_a_key_is_an_error() -> None:
    with pytest.raises(IMLError, match="sort"):
        ev('{{sort(1.items; "sideways"; "name")}}', DATA)


MAIL = {1: {"emails": [
    {"subject": "b", "sender": {"name": "Zoe"}},
    {"subject": "a", "sender": {"name": "ada"}},
    {"subject": "c", "sender": {}},
    {"subject": "d", "sender": {"name": "Bob"}},
]}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Make's examples: sort(Contacts[]; name), sort(Contacts[]; desc; name),
        # sort(Emails[]; sender.name) — a bare second argument is the key.
        ("{{map(sort(1.emails; sender.name); \"subject\")}}", ["d", "b", "a", "c"]),
        ("{{map(sort(1.emails; desc; sender.name); \"subject\")}}", ["a", "b", "d", "c"]),
        ("{{map(sort(1.emails; \"asc ci\"; sender.name); \"subject\")}}",
         ["a", "d", "b", "c"]),
        ("{{map(sort(1.emails; subject); \"subject\")}}", ["a", "b", "c", "d"]),
    ],
)
def test_sort_by_a_key_with_or_without_an_order(text: str, expected: object) -> None:
    assert ev(text, MAIL) == expected
