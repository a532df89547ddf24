"""Text and binary functions (length and contains also accept arrays).

Arguments are read as text with engine.values.to_text (null -> ""). Positions are 0-based
as in JavaScript (substring, indexOf).
"""

from __future__ import annotations

import base64 as b64
import hashlib
import hmac
import json
import re
import unicodedata
from typing import Any
from urllib.parse import quote, unquote

from engine.errors import IMLError
from engine.iml.functions import iml_function
from engine.iml.operators import equals
from engine.limits import check_size
from engine.patterns import JsPattern, Match, compile_js
from engine.values import to_number, to_text

# --- shared helpers -------------------------------------------------------------------


def _int(value: Any, default: int = 0) -> int:
    number = to_number(value)
    if number is None or number != number:  # null or NaN
        return default
    if number in (float("inf"), float("-inf")):
        return 2**31 if number > 0 else -(2**31)
    return int(number)


_REGEX_LITERAL = re.compile(r"^/(.*)/([a-z]*)$", re.DOTALL)


def regex_literal(value: Any) -> tuple[JsPattern, bool] | None:
    """The regex a `/pattern/flags` text stands for (and whether it is global), or None for
    plain text. Evaluated through engine.patterns: JavaScript syntax, time-limited."""
    if not isinstance(value, str):
        return None
    match = _REGEX_LITERAL.match(value)
    if match is None or not match.group(1):
        return None
    pattern = compile_js(match.group(1), match.group(2))
    return pattern, pattern.is_global


_DOLLAR = re.compile(r"\$(\$|&|`|'|\d{1,2}|<\w+>)")


def _expand(replacement: str, match: Match) -> str:
    """JavaScript replacement patterns: $$, $&, $`, $', $1..$99, $<name>."""

    def one(m: re.Match[str]) -> str:
        token = m.group(1)
        if token == "$":
            return "$"
        if token == "&":
            return match.group(0)
        if token == "`":
            return match.string[: match.start()]
        if token == "'":
            return match.string[match.end() :]
        if token.startswith("<"):
            name = token[1:-1]
            return (match.groupdict().get(name) or "") if name in match.re.groupindex else m[0]
        number = int(token)
        if 0 < number <= match.re.groups:
            return match.group(number) or ""
        if len(token) == 2 and 0 < int(token[0]) <= match.re.groups:
            return (match.group(int(token[0])) or "") + token[1]
        return m[0]

    return _DOLLAR.sub(one, replacement)


# --- length, contains -----------------------------------------------------------------


@iml_function("length")
def length(value: Any) -> int:
    """Characters of a text, items of an array, keys of a collection, bytes of a buffer."""
    if value is None:
        return 0
    if isinstance(value, str | list | dict | bytes | bytearray):
        return len(value)
    return len(to_text(value))


@iml_function("contains")
def contains(value: Any, search: Any = None) -> bool:
    """Whether a text contains a text (case-sensitive), or an array contains a value."""
    if isinstance(value, list):
        if isinstance(search, dict | list):
            return search in value
        return any(not isinstance(item, dict | list) and equals(item, search) for item in value)
    if isinstance(value, dict):
        return to_text(search) in value
    if value is None:
        return False
    pattern = regex_literal(search)
    if pattern is not None:
        return pattern[0].search(to_text(value)) is not None
    return to_text(search) in to_text(value)


# --- case and whitespace --------------------------------------------------------------


@iml_function("lower")
def lower(value: Any) -> str:
    return to_text(value).lower()


@iml_function("upper")
def upper(value: Any) -> str:
    return to_text(value).upper()


@iml_function("capitalize")
def capitalize(value: Any) -> str:
    """First character upper case, the rest unchanged."""
    text = to_text(value)
    return text[:1].upper() + text[1:]


_WORD = re.compile(r"[^\W_]+")


@iml_function("startcase")
def startcase(value: Any) -> str:
    """Every word capitalised, the rest of each word lower case: "hello WORLD" ->
    "Hello World"."""
    return _WORD.sub(lambda m: m[0][:1].upper() + m[0][1:].lower(), to_text(value))


@iml_function("trim")
def trim(value: Any) -> str:
    return to_text(value).strip()


@iml_function("toString")
def to_string(value: Any) -> str:
    return to_text(value)


# --- search and replace ---------------------------------------------------------------


@iml_function("replace")
def replace(value: Any, search: Any = None, replacement: Any = None) -> str:
    """Replace every occurrence of a text, or the matches of a `/regex/flags` (only the
    first without the g flag; `$1`, `$&` in the replacement)."""
    text = to_text(value)
    new = to_text(replacement)
    compiled = regex_literal(search)
    if compiled is None:
        old = to_text(search)
        if not old:
            return text
        if len(new) > len(old):  # refuse before building: the growth is known in advance
            check_size(len(text) + text.count(old) * (len(new) - len(old)),
                       "the result of function 'replace'")
        return text.replace(old, new)
    pattern, is_global = compiled
    return pattern.sub(lambda m: _expand(new, m), text, count=0 if is_global else 1,
                       what="the result of function 'replace'")


@iml_function("substring")
def substring(value: Any, start: Any = None, end: Any = None) -> str:
    """JavaScript substring: 0-based start, exclusive end, swapped when reversed."""
    text = to_text(value)
    size = len(text)
    a = min(max(_int(start), 0), size)
    b = size if end is None or end == "" else min(max(_int(end), 0), size)
    if a > b:
        a, b = b, a
    return text[a:b]


@iml_function("indexOf")
def index_of(value: Any, search: Any = None, start: Any = None) -> int:
    """0-based position of a text inside a text, -1 when absent."""
    text = to_text(value)
    begin = min(max(_int(start), 0), len(text))
    return text.find(to_text(search), begin)


@iml_function("split")
def split(value: Any, separator: Any = None) -> list[str]:
    """Split text into an array; an empty text gives an empty array."""
    text = to_text(value)
    if text == "":
        return []
    compiled = regex_literal(separator)
    if compiled is not None:
        return compiled[0].split(text)
    sep = to_text(separator)
    return list(text) if sep == "" else text.split(sep)


# --- HTML, URL, JSON, Markdown --------------------------------------------------------

_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


@iml_function("stripHTML")
def strip_html(value: Any) -> str:
    return _TAG.sub("", to_text(value))


_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


@iml_function("escapeHTML")
def escape_html(value: Any) -> str:
    return "".join(_HTML_ESCAPES.get(c, c) for c in to_text(value))


@iml_function("encodeURL")
def encode_url(value: Any) -> str:
    """JavaScript encodeURIComponent."""
    return quote(to_text(value), safe="!'()*-._~")


@iml_function("decodeURL")
def decode_url(value: Any) -> str:
    """JavaScript decodeURIComponent (`+` stays a plus)."""
    try:
        return unquote(to_text(value), errors="strict")
    except UnicodeDecodeError as exc:
        raise IMLError("function 'decodeURL': malformed URL encoding") from exc


@iml_function("escapeJSON")
def escape_json(value: Any) -> str:
    """The text escaped to sit inside a JSON string (without the surrounding quotes)."""
    return json.dumps(to_text(value), ensure_ascii=False)[1:-1]


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|>~<")


@iml_function("escapeMarkdown")
def escape_markdown(value: Any) -> str:
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in to_text(value))


@iml_function("ascii")
def ascii_(value: Any, remove_diacritics: Any = None) -> str:
    """Only the ASCII characters of a text; with `true` accented letters lose their accents
    first ("Ěščř" -> "" or "Escr")."""
    text = to_text(value)
    if remove_diacritics is True or to_text(remove_diacritics).strip().lower() == "true":
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return "".join(c for c in text if c.isascii())


_EMOJI = re.compile(
    "(?:[\U0001f000-\U0001faff\U0001f1e6-\U0001f1ff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff"
    "\u2190-\u21ff\u3030\u303d\u3297\u3299\u00a9\u00ae\u203c\u2049\u2122\u2139]"
    "[\ufe0f\u20e3\U0001f3fb-\U0001f3ff]*"
    "(?:\u200d[\U0001f000-\U0001faff\u2600-\u27bf][\ufe0f\U0001f3fb-\U0001f3ff]*)*)"
)


@iml_function("replaceEmojiCharacters")
def replace_emoji(value: Any, replacement: Any = None) -> str:
    """Each emoji (with its modifiers and joined sequences) replaced by the replacement."""
    return _EMOJI.sub(to_text(replacement).replace("\\", "\\\\"), to_text(value))


# --- binary, encodings, hashes --------------------------------------------------------


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return to_text(value).encode("utf-8")


def _decode(text: Any, encoding: Any, name: str) -> bytes:
    if isinstance(text, bytes | bytearray):
        return bytes(text)
    kind = to_text(encoding).strip().lower()
    raw = to_text(text)
    try:
        if kind in ("", "utf8", "utf-8", "text", "binary"):
            return raw.encode("utf-8")
        if kind == "base64":
            return b64.b64decode(raw + "=" * (-len(raw) % 4), validate=False)
        if kind == "hex":
            return bytes.fromhex(raw)
        if kind in ("latin1", "ascii"):
            return raw.encode("latin-1")
    except ValueError as exc:
        raise IMLError(f"function {name!r}: the value is not valid {kind}") from exc
    raise IMLError(f"function {name!r}: unknown encoding {kind!r}")


@iml_function("base64")
def base64(value: Any) -> str:
    return b64.b64encode(_bytes(value)).decode("ascii")


@iml_function("toBinary")
def to_binary(value: Any, encoding: Any = None) -> bytes:
    """Binary data from text (UTF-8), or from base64/hex text with that encoding."""
    return _decode(value, encoding, "toBinary")


def _digest(name: str, value: Any, encoding: Any, key: Any, key_encoding: Any) -> str:
    data = _bytes(value)
    if key is None or key == "":
        digest = hashlib.new(name, data).digest()
    else:
        digest = hmac.new(_decode(key, key_encoding, name), data, name).digest()
    kind = to_text(encoding).strip().lower()
    if kind in ("", "hex"):
        return digest.hex()
    if kind == "base64":
        return b64.b64encode(digest).decode("ascii")
    raise IMLError(f"function {name!r}: unknown output encoding {kind!r}")


@iml_function("md5")
def md5(value: Any, encoding: Any = None, key: Any = None, key_encoding: Any = None) -> str:
    return _digest("md5", value, encoding, key, key_encoding)


@iml_function("sha1")
def sha1(value: Any, encoding: Any = None, key: Any = None, key_encoding: Any = None) -> str:
    return _digest("sha1", value, encoding, key, key_encoding)


@iml_function("sha256")
def sha256(value: Any, encoding: Any = None, key: Any = None, key_encoding: Any = None) -> str:
    return _digest("sha256", value, encoding, key, key_encoding)


@iml_function("sha512")
def sha512(value: Any, encoding: Any = None, key: Any = None, key_encoding: Any = None) -> str:
    return _digest("sha512", value, encoding, key, key_encoding)
