"""Make's Text parser app (`regexp:`): match pattern, replace, HTML to text, get elements
from text (emails, URLs, ...).

Make runs JavaScript regular expressions; `compile_js_regex` compiles one with Make's flags
through engine.patterns (translated, cached, every match time-limited), and
`expand_js_replacement` reads JavaScript's `$1`/`$&`/`$<name>` replacements. A pattern that
runs too long or a result over the value limit is a DataError naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

from engine.errors import ModuleError
from engine.limits import ValueTooLarge
from engine.patterns import JsPattern, Match, PatternError, PatternTimeout, compile_js
from engine.patterns import translate_js_pattern as translate_js_pattern
from engine.spec import FieldSpec, ModuleCall, ModuleTable
from engine.values import to_bool, to_text

MODULES = ModuleTable()

WHOLE_MATCH = "__IMTMATCH__"


# --- JavaScript regular expressions (engine.patterns: translated, cached, time-limited) ------


@lru_cache(maxsize=512)
def compile_js_regex(
    pattern: str,
    *,
    sensitive: bool = True,
    multiline: bool = False,
    singleline: bool = False,
) -> JsPattern:
    """Compile a JavaScript pattern with Make's flags; DataError naming the pattern if invalid."""
    flags = ("" if sensitive else "i") + ("m" if multiline else "") + ("s" if singleline else "")
    try:
        return compile_js(pattern, flags)
    except PatternError as exc:
        raise ModuleError(
            f"Invalid regular expression {pattern!r}: {exc.message}", name="DataError"
        ) from None


_REPLACEMENT_TOKEN = re.compile(r"\$(\$|&|`|'|<([^>]*)>|\d{1,2})")


def expand_js_replacement(template: str, match: Match) -> str:
    """JavaScript's String.replace template: `$1`, `$&`, `` $` ``, `$'`, `$<name>`, `$$`."""
    if "$" not in template:
        return template
    groups = match.re.groups

    def token(m: re.Match[str]) -> str:
        code = m.group(1)
        if code == "$":
            return "$"
        if code == "&":
            return match.group(0)
        if code == "`":
            return match.string[: match.start()]
        if code == "'":
            return match.string[match.end():]
        if code.startswith("<"):
            name = m.group(2)
            if name in match.re.groupindex:
                return match.group(name) or ""
            return m.group(0) if not match.re.groupindex else ""
        number = int(code)
        if 1 <= number <= groups:
            return match.group(number) or ""
        if len(code) == 2 and 1 <= int(code[0]) <= groups:  # "$15" with one group = $1 + "5"
            return (match.group(int(code[0])) or "") + code[1]
        return m.group(0)

    return _REPLACEMENT_TOKEN.sub(token, template)


def _pattern_for(pattern: Any, source: dict[str, Any]) -> JsPattern:
    if pattern is None or pattern == "":
        raise ModuleError("The pattern is empty.", name="DataError")
    return compile_js_regex(
        to_text(pattern),
        sensitive=to_bool(source.get("sensitive", True)),
        multiline=to_bool(source.get("multiline", False)),
        singleline=to_bool(source.get("singleline", False)),
    )


# --- Match pattern ------------------------------------------------------------------------------

_FLAGS = [
    FieldSpec(name="global", type="boolean", label="Global match", required=True, default=False),
    FieldSpec(name="sensitive", type="boolean", label="Case sensitive", required=True,
              default=True),
    FieldSpec(name="multiline", type="boolean", label="Multiline", required=True, default=False),
    FieldSpec(name="singleline", type="boolean", label="Singleline", required=True,
              default=False),
]
_CONTINUE = FieldSpec(
    name="continueWhenNoRes", type="boolean", required=True, default=False,
    label="Continue the execution of the route even if the module finds no matches",
)
_MATCH_INTERFACE = [
    FieldSpec(name="i", type="uinteger", label="Match index"),
    FieldSpec(name=WHOLE_MATCH, type="any", label="Fallback Match"),
]


def _limited(field: str, run: Callable[[], Any]) -> Any:
    """`run()`, with a pattern's time limit or the value limit as a DataError naming `field`
    (the executor adds the module)."""
    try:
        return run()
    except (PatternTimeout, ValueTooLarge) as exc:
        raise ModuleError(f"field {field}: {exc.message}", name="DataError") from None


def _match_bundles(
    regex: JsPattern, text: str, options: dict[str, Any], *, match_as_array: bool
) -> list[dict[str, Any]]:
    """One bundle per match (only the first unless `global`): `$1`.., named groups, `i`."""
    if to_bool(options.get("global")):
        matches = _limited("text", lambda: regex.finditer(text))
    else:
        matches = _limited("text", lambda: _first(regex, text))
    names = {index: name for name, index in regex.groupindex.items()}
    bundles: list[dict[str, Any]] = []
    for index, match in enumerate(matches, start=1):
        bundle: dict[str, Any] = {}
        for number in range(1, regex.groups + 1):
            value = match.group(number)
            if value is None:
                continue  # JS: an unmatched group is undefined
            bundle[f"${number}"] = value
            if number in names:
                bundle[names[number]] = value
        bundle["i"] = index
        # The advanced parser exposes JS's match array: [whole, $1, $2, ...] (`[2]` = $1 in IML).
        whole = match.group(0)
        bundle[WHOLE_MATCH] = [whole, *match.groups()] if match_as_array else whole
        bundles.append(bundle)
    if not bundles and to_bool(options.get("continueWhenNoRes")):
        return [{}]
    return bundles


def _first(regex: JsPattern, text: str) -> list[Match]:
    found = regex.search(text)
    return [found] if found else []


@MODULES.module(
    "regexp:Parser",
    label="Match pattern",
    kind="transformer",
    description="Finds a regular expression (JavaScript syntax) in a text; one bundle per match.",
    parameters=[
        FieldSpec(name="pattern", type="text", label="Pattern", required=True),
        *_FLAGS,
        _CONTINUE,
    ],
    mapper=[FieldSpec(name="text", type="text", label="Text")],
    interface=[FieldSpec(name="$1", type="text", label="$1"), *_MATCH_INTERFACE],
)
def match_pattern(call: ModuleCall) -> list[dict[str, Any]]:
    params = call.parameters
    regex = _pattern_for(params.get("pattern"), params)
    return _match_bundles(regex, to_text(call.mapper.get("text")), params, match_as_array=False)


@MODULES.module(
    "regexp:AdvancedParser",
    label="Match pattern (advanced)",
    kind="transformer",
    description="Match pattern with a mappable pattern; `__IMTMATCH__` is the array "
    "[whole match, group 1, ...].",
    parameters=[*_FLAGS, _CONTINUE, FieldSpec(name="advancedParser", type="hidden",
                                              default=True)],
    mapper=[
        FieldSpec(name="pattern", type="text", label="Pattern", required=True),
        FieldSpec(name="text", type="text", label="Text", required=True),
    ],
    interface=[FieldSpec(name="i", type="uinteger", label="Match index"),
               FieldSpec(name=WHOLE_MATCH, type="array", label="Match")],
)
def match_pattern_advanced(call: ModuleCall) -> list[dict[str, Any]]:
    params = call.parameters
    regex = _pattern_for(call.mapper.get("pattern"), params)
    return _match_bundles(regex, to_text(call.mapper.get("text")), params, match_as_array=True)


# --- Replace ------------------------------------------------------------------------------------

@MODULES.module(
    "regexp:Replace",
    label="Replace",
    kind="transformer",
    description="Replaces what a regular expression matches; the new value may use $1, $&, "
    "$<name>.",
    mapper=[
        FieldSpec(name="pattern", type="text", label="Pattern", required=True),
        FieldSpec(name="value", type="text", label="New value"),
        *_FLAGS,
        FieldSpec(name="text", type="text", label="Text"),
    ],
    interface=[FieldSpec(name="text", type="text", label="Text")],
)
def replace(call: ModuleCall) -> list[dict[str, Any]]:
    mapper = call.mapper
    regex = _pattern_for(mapper.get("pattern"), mapper)
    template = to_text(mapper.get("value"))
    count = 0 if to_bool(mapper.get("global")) else 1
    source = to_text(mapper.get("text"))
    text = _limited("text", lambda: regex.sub(
        lambda m: expand_js_replacement(template, m), source, count=count, what="the new text"
    ))
    return [{"text": text}]


# --- HTML to text -------------------------------------------------------------------------------

_SKIPPED = {"script", "style", "head", "noscript", "template", "svg"}
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote",
               "pre", "dl", "figure", "hr"}
_BLOCKS = {"div", "li", "tr", "section", "article", "header", "footer", "nav", "aside", "main",
           "form", "fieldset", "address", "dt", "dd", "caption", "figcaption", "details",
           "summary", "title"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed",
         "source", "track", "wbr"}
_SPACES = re.compile(r"\s+")
_NEWLINES = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


class _TextWriter(HTMLParser):
    """Renders HTML as plain text: blocks on their own lines, entities decoded."""

    def __init__(self, *, uppercase_headings: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.uppercase_headings = uppercase_headings
        self.parts: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0
        self.heading_depth = 0
        self.lists: list[list[int]] = []  # per open list: [is_ordered, next number]
        self.links: list[str | None] = []
        self.link_text_start: list[int] = []

    def _break(self, count: int) -> None:
        """End the text with at least `count` newlines (none before the first text)."""
        parts = self.parts
        newlines = 0
        while parts and not parts[-1].strip(" \n"):
            newlines += parts.pop().count("\n")
        if not parts:
            return
        parts[-1] = parts[-1].rstrip(" ")
        parts.append("\n" * max(count, newlines))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag in _PARAGRAPHS:
            self._break(2)
        elif tag in _BLOCKS:
            self._break(1)
        if tag in _HEADINGS:
            self.heading_depth += 1
        elif tag == "pre":
            self.pre_depth += 1
        elif tag in ("ul", "ol"):
            self.lists.append([tag == "ol", 1])
        elif tag == "li":
            if self.lists and self.lists[-1][0]:
                self.parts.append(f"{self.lists[-1][1]}. ")
                self.lists[-1][1] += 1
            else:
                self.parts.append(" * ")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))
            self.link_text_start.append(len(self.parts))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)
        elif tag in ("td", "th"):
            if self.parts and not self.parts[-1].endswith(("\n", "\t")):
                self.parts.append("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth or tag in _VOID:
            return
        if tag in _HEADINGS:
            self.heading_depth = max(0, self.heading_depth - 1)
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "a" and self.links:
            href = self.links.pop()
            start = self.link_text_start.pop()
            label = "".join(self.parts[start:]).strip()
            if href and not href.startswith(("#", "javascript:")):
                target = href.removeprefix("mailto:")
                if target != label:
                    self.parts.append(f" [{target}]" if label else target)
        if tag in _PARAGRAPHS:
            self._break(2)
        elif tag in _BLOCKS:
            self._break(1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if not self.pre_depth:
            data = _SPACES.sub(" ", data)
            if data.startswith(" ") and (
                not self.parts or self.parts[-1].endswith((" ", "\n", "\t"))
            ):
                data = data.lstrip(" ")
        if self.heading_depth and self.uppercase_headings:
            data = data.upper()
        if data:
            self.parts.append(data)

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self.parts).split("\n")]
        body = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", body).strip("\n")


@MODULES.module(
    "regexp:HTMLToText",
    label="HTML to text",
    kind="transformer",
    description="Converts HTML to plain text: tags removed, entities decoded, blocks and <br> "
    "as line breaks.",
    mapper=[
        FieldSpec(name="html", type="text", label="HTML"),
        FieldSpec(name="newline", type="select", label="Line break", required=True,
                  default="lf", options=[{"label": "LF (\\n)", "value": "lf"},
                           {"label": "CRLF (\\r\\n)", "value": "crlf"},
                           {"label": "CR (\\r)", "value": "cr"}]),
        FieldSpec(name="uppercaseHeadings", type="boolean", label="Uppercase headings",
                  required=True, default=True),
    ],
    interface=[FieldSpec(name="text", type="text", label="Text")],
)
def html_to_text(call: ModuleCall) -> list[dict[str, Any]]:
    mapper = call.mapper
    writer = _TextWriter(uppercase_headings=to_bool(mapper.get("uppercaseHeadings", True)))
    writer.feed(to_text(mapper.get("html")))
    writer.close()
    text = writer.text()
    newline = _NEWLINES.get(to_text(mapper.get("newline")) or "lf", "\n")
    if newline != "\n":
        text = text.replace("\n", newline)
    return [{"text": text}]


# --- Get elements from text ---------------------------------------------------------------------

# Common elements as JavaScript patterns (compiled and time-limited like any other).
ELEMENTS: dict[str, tuple[str, str]] = {
    "email": ("Email addresses", r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
                                  r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"),
    "url": ("URLs", r"\b(?:https?|ftp)://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}]"),
    "phone": ("Phone numbers", r"(?<![\w+])\+?\(?\d{1,4}\)?(?:[ .\-]?\(?\d{1,4}\)?){2,5}\d"
                                r"(?![\w])"),
    "ipv4": ("IPv4 addresses", r"\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
                               r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b"),
    "html": ("HTML tags", r"<\/?[A-Za-z][^<>]*>"),
    "hashtag": ("Hashtags", r"(?<![\w#])#[A-Za-z0-9_\u00C0-\uFFFF]+"),
}


@MODULES.module(
    "regexp:GetElementsFromText",
    label="Get elements from text",
    kind="transformer",
    description="Finds email addresses, URLs, phone numbers, IPv4 addresses, HTML tags or "
    "hashtags in a text; one bundle per element found.",
    parameters=[
        FieldSpec(name="pattern", type="select", label="Pattern", required=True,
                  default="email", options=[{"label": label, "value": value}
                                            for value, (label, _) in ELEMENTS.items()]),
        FieldSpec(name="global", type="boolean", label="Global match", default=True),
        _CONTINUE,
    ],
    mapper=[FieldSpec(name="text", type="text", label="Text", required=True)],
    interface=[FieldSpec(name="match", type="text", label="Match"), *_MATCH_INTERFACE],
)
def get_elements(call: ModuleCall) -> list[dict[str, Any]]:
    """Unverified against Make: the parameter names and values and the output fields
    (`match`, plus Match pattern's `i` and `__IMTMATCH__`)."""
    params = call.parameters
    kind = to_text(params.get("pattern") or "email").strip().lower()
    found = ELEMENTS.get(kind) or ELEMENTS.get(kind.rstrip("s"))
    if found is None:
        raise ModuleError(f"Unknown element {kind!r}; choose one of "
                          f"{', '.join(ELEMENTS)}.", name="DataError")
    options = {"global": params.get("global", True),
               "continueWhenNoRes": params.get("continueWhenNoRes")}
    bundles = _match_bundles(compile_js_regex(found[1]), to_text(call.mapper.get("text")),
                             options, match_as_array=False)
    if kind.startswith("phone"):  # dotted numbers that are IP addresses are not phones
        ip = compile_js_regex(f"^{ELEMENTS['ipv4'][1]}$")
        bundles = [b for b in bundles if not ip.search(to_text(b.get(WHOLE_MATCH)))]
        for index, bundle in enumerate(bundles, 1):
            bundle["i"] = index
    for bundle in bundles:
        if WHOLE_MATCH in bundle:
            bundle["match"] = bundle[WHOLE_MATCH]
    return bundles
