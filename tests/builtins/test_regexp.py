"""Text parser (`regexp:`): match pattern, advanced parser, replace, HTML to text."""

from __future__ import annotations

from typing import Any

import pytest

from engine.builtins.regexp import MODULES, compile_js_regex
from engine.context import RunServices
from engine.errors import ModuleError
from engine.iml.scope import Scope
from engine.limits import RunLimits, applied
from engine.spec import ModuleCall

SPECS = {spec.id: spec for spec in MODULES}
FLAGS = {"global": False, "sensitive": True, "multiline": False, "singleline": False,
         "continueWhenNoRes": False}


def run_module(module: str, mapper: dict[str, Any], parameters: dict[str, Any] | None = None):
    call = ModuleCall(1, parameters or {}, mapper, RunServices(), Scope())
    return SPECS[module].implementation(call)


def parse(pattern: str, text: str, **flags: Any) -> list[dict[str, Any]]:
    return run_module("regexp:Parser", {"text": text}, {**FLAGS, "pattern": pattern, **flags})


def test_declarations_follow_real_exports() -> None:
    assert [f.name for f in SPECS["regexp:Parser"].parameters] == [
        "pattern", "global", "sensitive", "multiline", "singleline", "continueWhenNoRes"]
    assert [f.name for f in SPECS["regexp:Replace"].mapper] == [
        "pattern", "value", "global", "sensitive", "multiline", "singleline", "text"]
    assert [f.name for f in SPECS["regexp:HTMLToText"].mapper] == [
        "html", "newline", "uppercaseHeadings"]


# --- Match pattern ---


def test_first_match_with_capture_groups() -> None:
    text = "SCORE: 87\nTIER: hot\nSCORE: 12"
    assert parse(r"SCORE:\s*(\d+)", text, multiline=True) == [
        {"$1": "87", "i": 1, "__IMTMATCH__": "SCORE: 87"}]


def test_global_gives_one_bundle_per_match() -> None:
    out = parse(r"(\w+)@(\w+)\.com", "a@x.com, b@y.com", **{"global": True})
    assert out == [
        {"$1": "a", "$2": "x", "i": 1, "__IMTMATCH__": "a@x.com"},
        {"$1": "b", "$2": "y", "i": 2, "__IMTMATCH__": "b@y.com"},
    ]


def test_named_groups_in_javascript_syntax() -> None:
    out = parse(r"(?<year>\d{4})-(?<month>\d{2})", "due 2024-05")
    assert out == [{"$1": "2024", "year": "2024", "$2": "05", "month": "05", "i": 1,
                    "__IMTMATCH__": "2024-05"}]


def test_no_match_stops_the_route_unless_told_to_continue() -> None:
    assert parse(r"TIER:\s*(\w+)", "nothing here") == []
    assert parse(r"TIER:\s*(\w+)", "nothing here", continueWhenNoRes=True) == [{}]


def test_case_sensitivity() -> None:
    assert parse("hello", "HELLO") == []
    assert parse("hello", "HELLO", sensitive=False)[0]["__IMTMATCH__"] == "HELLO"


def test_multiline_and_singleline_flags() -> None:
    text = "a: 1\nb: 2"
    assert parse(r"^b: (\d)$", text) == []
    assert parse(r"^b: (\d)$", text, multiline=True)[0]["$1"] == "2"
    assert parse(r"a.*2", text) == []
    assert parse(r"a.*2", text, singleline=True)[0]["__IMTMATCH__"] == text


def test_dollar_does_not_match_before_a_final_newline_like_javascript() -> None:
    assert parse(r"end$", "the end\n") == []
    assert parse(r"TWITTER:\s*([\s\S]+?)$", "TWITTER: hi there")[0]["$1"] == "hi there"


def test_javascript_only_syntax_is_translated() -> None:
    assert parse(r"a[^]b", "a\nb")[0]["__IMTMATCH__"] == "a\nb"
    assert parse(r"(?<q>['\"]).*?\k<q>", "say 'hi' now")[0]["__IMTMATCH__"] == "'hi'"
    assert parse(r"\d+", "٣٤ 42")[0]["__IMTMATCH__"] == "42"  # \d is ASCII in JavaScript
    assert parse(r"\{[\s\S]*\}", 'x {"a": 1} y')[0]["__IMTMATCH__"] == '{"a": 1}'


def test_an_unmatched_optional_group_is_left_out() -> None:
    assert parse(r"(a)|(b)", "b") == [{"$2": "b", "i": 1, "__IMTMATCH__": "b"}]


def test_invalid_pattern_is_a_data_error_naming_it() -> None:
    with pytest.raises(ModuleError) as err:
        parse(r"(unclosed", "text")
    assert err.value.name == "DataError"
    assert "(unclosed" in err.value.message


def test_compiled_patterns_are_cached() -> None:
    assert compile_js_regex(r"x(\d)", sensitive=False) is compile_js_regex(r"x(\d)",
                                                                            sensitive=False)


def test_advanced_parser_takes_the_pattern_from_the_mapper_and_gives_the_match_array() -> None:
    pattern = r"(:[a-z]*:)\s([a-zA-Z\s]*)(:[a-z]*:)\s([a-zA-Z\s]*)$"
    text = ":tiger: India or :kangaroo: Australia"
    params = FLAGS | {"advancedParser": True}
    out = run_module("regexp:AdvancedParser", {"text": text, "pattern": pattern}, params)
    assert out[0]["__IMTMATCH__"] == [text, ":tiger:", "India or ", ":kangaroo:",
                                     "Australia"]
    assert out[0]["$4"] == "Australia"


# --- Replace ---


def replace(pattern: str, value: str, text: str, **flags: Any) -> str:
    mapper = {"pattern": pattern, "value": value, "text": text,
              "global": True, "sensitive": True, "multiline": False, "singleline": False}
    return run_module("regexp:Replace", {**mapper, **flags})[0]["text"]


def test_replace_all_or_only_the_first() -> None:
    assert replace(r"[\r\n]+", " ", "a\r\nb\n\nc") == "a b c"
    assert replace(r"o", "0", "foo boo", **{"global": False}) == "f0o boo"


def test_replacement_uses_javascript_references() -> None:
    assert replace(r"(\w+) (\w+)", "$2 $1", "hello world") == "world hello"
    assert replace(r"\d+", "[$&]", "a1b22") == "a[1]b[22]"
    assert replace(r"(?<d>\d)", "<$<d>>", "x5") == "x<5>"
    assert replace(r"a", "$$", "banana") == "b$n$n$"
    assert replace(r"b", "$`|$'", "abc") == "aa|cc"
    assert replace(r"(x)", "$2$1", "x") == "$2x"  # no group 2: literal, as in JavaScript


def test_replace_case_insensitive() -> None:
    assert replace("WORLD", "Make", "Hello world", sensitive=False) == "Hello Make"


def test_replace_with_an_empty_value_removes_matches() -> None:
    assert replace(r"\s{2,}", "", "a   b") == "ab"


# --- HTML to text ---


def html_to_text(html: str, **mapper: Any) -> str:
    fields = {"html": html, "newline": "lf", "uppercaseHeadings": True, **mapper}
    return run_module("regexp:HTMLToText", fields)[0]["text"]


def test_tags_are_stripped_and_entities_decoded() -> None:
    assert html_to_text("<b>Fish</b> &amp; <i>chips</i> &lt;3 &#8364;5") == "Fish & chips <3 €5"


def test_blocks_and_line_breaks_become_newlines() -> None:
    html = "<h1>News</h1><p>First line<br>second line</p><div>one</div><div>two</div>"
    assert html_to_text(html) == "NEWS\n\nFirst line\nsecond line\n\none\ntwo"
    assert html_to_text(html, uppercaseHeadings=False).startswith("News\n")


def test_scripts_and_styles_are_dropped_and_whitespace_collapsed() -> None:
    html = "<style>p{color:red}</style><p>  lots \n of   space </p><script>alert(1)</script>"
    assert html_to_text(html) == "lots of space"


def test_lists_and_links() -> None:
    html = '<ul><li>one</li><li>two</li></ul><p>Visit <a href="https://x.io">our site</a></p>'
    assert html_to_text(html) == " * one\n * two\n\nVisit our site [https://x.io]"


def test_line_break_style() -> None:
    assert html_to_text("<p>a</p><p>b</p>", newline="crlf") == "a\r\n\r\nb"


# --- bounded (issue 8): a pattern's time limit, the value limit ---


def test_a_backtracking_pattern_is_a_data_error_naming_field_and_pattern() -> None:
    quick = RunLimits(regex_timeout_seconds=0.05)
    text = "a" * 64 + "!"
    for run in (
        lambda: parse(r"^(a|aa)+$", text),
        lambda: parse(r"^(a|aa)+$", text, **{"global": True}),
        lambda: run_module("regexp:AdvancedParser", {"text": text, "pattern": r"^(a|aa)+$"},
                           FLAGS),
        lambda: run_module("regexp:Replace", {**FLAGS, "pattern": r"^(a|aa)+$", "value": "x",
                                              "text": text}),
    ):
        with applied(quick), pytest.raises(ModuleError) as err:
            run()
        assert err.value.name == "DataError"
        assert err.value.message.startswith("field text: ")
        assert "/^(a|aa)+$/" in err.value.message
        assert "took longer than 0.05 s" in err.value.message


def test_the_issue_pattern_no_longer_hangs() -> None:
    assert parse(r"^(a+)+$", "a" * 40 + "b") == []


def test_a_replacement_that_grows_past_the_value_limit_stops_naming_it() -> None:
    mapper = {**FLAGS, "global": True, "pattern": ".", "value": "$&" * 1000,
              "text": "x" * 2000}
    with applied(RunLimits(max_value_bytes=1024 * 1024)), pytest.raises(ModuleError) as err:
        run_module("regexp:Replace", mapper)
    assert err.value.name == "DataError"
    assert "field text: the new text exceeds the 1 MB limit" in err.value.message
