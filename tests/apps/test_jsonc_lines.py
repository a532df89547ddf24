"""App files that are plain JSON are read by orjson (fast); a problem in one must still name
its line, as it does in a file with comments."""

from __future__ import annotations

from engine.apps.jsonc import parse


def test_plain_json_still_knows_the_line_of_each_key() -> None:
    text = '{\n  "a": [1, 2],\n  "b": {\n    "c": "x"\n  }\n}'
    doc = parse(text)
    assert doc.value == {"a": [1, 2], "b": {"c": "x"}}
    assert doc.line_of(("b", "c")) == 4
    assert doc.line_of(("a", 1)) == 2
    assert doc.line_of(("missing",)) == 1  # the nearest enclosing value: the file itself


def test_plain_json_and_jsonc_read_the_same_values() -> None:
    plain = ('{"n": -0, "big": 12345678901234567890, "e": 1e2, "s": "\\u00e9\\/", '
             '"d": {"k": 1, "k": 2}}')
    with_comment = plain[:-1] + ", // trailing\n}"
    assert repr(parse(plain).value) == repr(parse(with_comment).value)
