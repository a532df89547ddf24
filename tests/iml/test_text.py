"""Text and binary functions, with the examples of Make's help where there is one."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from engine.errors import IMLError
from tests.iml.helpers import ev

DATA = {1: {"greeting": "Hello World", "code": "MiXeD Case", "html": "<p>Hi <b>there</b></p>"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{length(1.greeting)}}", 11),
        ("{{length(emptystring)}}", 0),
        ("{{length(null)}}", 0),
        ('{{length(split("a,b,c"; ","))}}', 3),
        ("{{lower(1.code)}}", "mixed case"),
        ("{{upper(1.code)}}", "MIXED CASE"),
        ('{{capitalize("make it")}}', "Make it"),
        ('{{startcase("hello WORLD")}}', "Hello World"),
        ('{{trim("  Ada Lovelace  ")}}', "Ada Lovelace"),
        ("{{toString(12.0)}}", "12"),
        ("{{toString(true)}}", "true"),
        ('{{replace(1.greeting; "World"; "Make")}}', "Hello Make"),
        ('{{replace("a-b-c"; "-"; "+")}}', "a+b+c"),
        ('{{replace("Hello World"; "/o/g"; "0")}}', "Hell0 W0rld"),
        ('{{replace("Hello World"; "/o/"; "0")}}', "Hell0 World"),
        ('{{replace("HELLO"; "/l/gi"; "_")}}', "HE__O"),
        ('{{replace("John Smith"; "/(\\w+) (\\w+)/"; "$2, $1")}}', "Smith, John"),
        ('{{replace("abc"; "/b/"; "[$&]")}}', "a[b]c"),
        ('{{replace("2024-01-31"; "/(?<y>\\d+)-(\\d+)/"; "$<y>")}}', "2024-31"),
        ('{{replace("a.b"; "."; "")}}', "ab"),
        ('{{replace("say ""hi"""; """"; emptystring)}}', "say hi"),
        ("{{replace(1.greeting; space; emptystring)}}", "HelloWorld"),
        ("{{substring(1.greeting; 0; 5)}}", "Hello"),
        ("{{substring(1.greeting; 6; 11)}}", "World"),
        ("{{substring(1.greeting; 6)}}", "World"),
        ("{{substring(1.greeting; 5; 0)}}", "Hello"),
        ("{{substring(1.greeting; -3; 2)}}", "He"),
        ("{{substring(1.greeting; 6; 100)}}", "World"),
        ('{{indexOf(1.greeting; "World")}}', 6),
        ('{{indexOf(1.greeting; "xyz")}}', -1),
        ('{{indexOf(1.greeting; "o"; 5)}}', 7),
        ('{{contains(1.greeting; "World")}}', True),
        ('{{contains(1.greeting; "world")}}', False),
        ('{{split("red,green,blue"; ",")}}', ["red", "green", "blue"]),
        ('{{split("a b"; space)}}', ["a", "b"]),
        ('{{split(emptystring; ",")}}', []),
        ("{{stripHTML(1.html)}}", "Hi there"),
        ("{{escapeHTML(\"<a href='x'>&</a>\")}}", "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"),
        ('{{encodeURL("a b&c=d/é")}}', "a%20b%26c%3Dd%2F%C3%A9"),
        ('{{encodeURL("it\'s (ok)!*~")}}', "it's%20(ok)!*~"),
        ('{{decodeURL("a%20b%26c+d")}}', "a b&c+d"),
        ('{{ascii("Ěščř abc")}}', " abc"),
        ('{{ascii("Ěščř abc"; true)}}', "Escr abc"),
        ('{{base64("Hello")}}', "SGVsbG8="),
        ('{{escapeJSON("say \\"hi\\"" + newline)}}', 'say \\"hi\\"\\n'),
        ('{{escapeMarkdown("*bold* _x_")}}', "\\*bold\\* \\_x\\_"),
        ('{{replaceEmojiCharacters("Hi 👋 there 👍🏽!"; "?")}}', "Hi ? there ?!"),
    ],
)
def test_text_functions(text: str, expected: object) -> None:
    assert ev(text, DATA) == expected


def test_binary_functions() -> None:
    assert ev('{{toBinary("Hello")}}') == b"Hello"
    assert ev('{{toBinary("SGVsbG8="; "base64")}}') == b"Hello"
    assert ev('{{toBinary("48656c6c6f"; hex)}}') == b"Hello"
    assert ev('{{toString(toBinary("SGVsbG8="; base64))}}') == "Hello"
    assert ev('{{base64(toBinary("48656c6c6f"; "hex"))}}') == "SGVsbG8="
    with pytest.raises(IMLError):
        ev('{{toBinary("zz"; "hex")}}')


def test_hashes() -> None:
    assert ev('{{md5("hello")}}') == hashlib.md5(b"hello").hexdigest()
    assert ev('{{sha1("hello")}}') == hashlib.sha1(b"hello").hexdigest()
    assert ev('{{sha256("hello")}}') == hashlib.sha256(b"hello").hexdigest()
    assert (
        ev('{{sha512("hello"; "base64")}}')
        == base64.b64encode(hashlib.sha512(b"hello").digest()).decode()
    )
    assert (
        ev('{{sha256("msg"; "hex"; "secret")}}')
        == hmac.new(b"secret", b"msg", "sha256").hexdigest()
    )
    assert (
        ev('{{sha256("msg"; "hex"; "736563726574"; "hex")}}')
        == hmac.new(b"secret", b"msg", "sha256").hexdigest()
    )


def test_bad_regex_and_bad_url_are_errors() -> None:
    with pytest.raises(IMLError):
        ev('{{replace("a"; "/(/"; "b")}}')
    with pytest.raises(IMLError):
        ev('{{decodeURL("%E0%A4%A")}}')


def test_unquoted_text_arguments() -> None:
    assert ev("{{replace(1.greeting; World; Make)}}", DATA) == "Hello Make"
    assert ev("{{split(a-b-c; -)}}") == ["a", "b", "c"]
    assert ev("{{contains(Hello big world; big world)}}") is True
