"""Parse IML templates into the syntax tree of engine.iml.ast.

A template is text with `{{expr}}` segments. Expressions are parsed by a lark LALR grammar.
Make also accepts unquoted text as a function argument (`formatDate(now; YYYY-MM-DD)`,
`if(1=1; A; B)`): before the grammar runs, a small scanner finds every call argument that
is not a valid expression on its own and masks it with placeholder characters of the same
length (so columns stay right); the grammar reads a masked run as one literal-text token.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from engine.errors import IMLError
from engine.iml import ast
from engine.iml.keywords import KEYWORDS, NAMED_ROOTS

MAX_TEMPLATE_CHARS = 100_000
MAX_DEPTH = 64  # nesting of calls, parentheses and brackets
_MAX_TREE_DEPTH = 4 * MAX_DEPTH  # operators and unary signs also deepen the tree

_RAW_CHAR = "\ue000"  # placeholder masking an argument taken as literal text

_GRAMMAR = r"""
?start: expr

?expr: or_expr
?or_expr: and_expr (OR and_expr)*
?and_expr: cmp_expr (AND cmp_expr)*
?cmp_expr: sum_expr (CMP sum_expr)*
?sum_expr: prod_expr ((PLUS | MINUS) prod_expr)*
?prod_expr: unary (MUL unary)*
?unary: postfix
      | (MINUS | PLUS) unary -> unary_op
?postfix: primary accessor*
accessor: "." NAME -> key
        | "." BACKTICK -> quoted_key
        | "[" [expr] "]" -> index
?primary: NUMBER -> number
        | STRING -> string
        | SQSTRING -> string
        | BACKTICK -> backtick
        | NAME -> name
        | RAW -> raw
        | NAME "(" [expr] (";" [expr])* ")" -> call
        | "(" expr ")"

OR: "|"
AND: "&"
CMP: "!=" | "<=" | ">=" | "==" | "=" | "<" | ">"
PLUS: "+"
MINUS: "-"
MUL: "*" | "/" | "%"
NUMBER: /\d+(\.\d+)?([eE][+-]?\d+)?/
STRING: /"(?:[^"\\]|\\[\s\S]|"")*"/
SQSTRING: /'(?:[^'\\]|\\[\s\S]|'')*'/
BACKTICK: /`[^`]*`/
NAME: /(?!\d)[\w$]+/
RAW: /\ue000+/
%ignore /\s+/
"""

_PARSER = Lark(
    _GRAMMAR,
    parser="lalr",
    lexer="contextual",
    propagate_positions=True,
    maybe_placeholders=True,
    cache=True,  # the LALR tables are built once per grammar, then loaded (~30 ms saved)
)

_VALUE_START = {"NAME", "NUMBER", "STRING", "SQSTRING", "BACKTICK", "RAW", "LPAR", "MINUS", "PLUS"}
_OPERATORS = {"OR", "AND", "CMP", "MUL", "PLUS", "MINUS"}
_PUNCTUATION = {"RPAR": "')'", "RSQB": "']'", "SEMICOLON": "';'", "DOT": "'.'", "LSQB": "'['"}


def _describe_expected(expected: set[str]) -> str:
    names: list[str] = []
    if expected & _VALUE_START:
        names.append("a value")
    names.extend(_PUNCTUATION[t] for t in sorted(expected) if t in _PUNCTUATION)
    if expected & _OPERATORS and not expected & _VALUE_START:
        names.append("an operator")
    return f", expected {' or '.join(names)}" if names else ""


def _unquote(token: str) -> str:
    """A quoted string's text: `""` and `\\"` stand for a quote, `\\\\` for a backslash;
    any other backslash is kept (Make has no `\\n` escape: use `newline`)."""
    quote = token[0]
    body = token[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body) and body[i + 1] in (quote, "\\"):
            out.append(body[i + 1])
            i += 2
        elif c == quote and i + 1 < len(body) and body[i + 1] == quote:
            out.append(quote)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


@v_args(meta=True)
class _ToAst(Transformer[Any, ast.Node]):
    """Lark tree -> engine.iml.ast, with positions made absolute by `offset`."""

    def __init__(self, source: str, offset: int) -> None:
        super().__init__()
        self.source = source  # the unmasked expression text
        self.offset = offset

    def _span(self, meta: Any) -> tuple[int, int]:
        return self.offset + meta.start_pos, self.offset + meta.end_pos

    def _tok_span(self, tok: Token) -> tuple[int, int]:
        assert tok.start_pos is not None and tok.end_pos is not None
        return self.offset + tok.start_pos, self.offset + tok.end_pos

    def number(self, meta: Any, children: list[Token]) -> ast.Node:
        text = str(children[0])
        # Long digit runs go through float: Python refuses int() of huge texts.
        value: int | float = int(text) if text.isdigit() and len(text) < 16 else float(text)
        return ast.Literal(*self._tok_span(children[0]), value)

    def string(self, meta: Any, children: list[Token]) -> ast.Node:
        return ast.Literal(*self._tok_span(children[0]), _unquote(str(children[0])))

    def raw(self, meta: Any, children: list[Token]) -> ast.Node:
        tok = children[0]
        text = self.source[tok.start_pos : tok.end_pos]
        return ast.Literal(*self._tok_span(tok), text, raw=True)

    def backtick(self, meta: Any, children: list[Token]) -> ast.Node:
        name = str(children[0])[1:-1]
        root: int | str = int(name) if name.isdigit() else name
        return ast.Ref(*self._tok_span(children[0]), root)

    def name(self, meta: Any, children: list[Token]) -> ast.Node:
        name = str(children[0])
        pos, end = self._tok_span(children[0])
        if name in KEYWORDS:
            return ast.Keyword(pos, end, name)
        if name in NAMED_ROOTS:
            return ast.Ref(pos, end, name)
        return ast.Word(pos, end, name)

    def call(self, meta: Any, children: list[Any]) -> ast.Node:
        name_tok, *args = children
        if args == [None]:
            args = []
        return ast.Call(*self._span(meta), str(name_tok), args)

    def key(self, meta: Any, children: list[Token]) -> ast.Key:
        return ast.Key(str(children[0]))

    def quoted_key(self, meta: Any, children: list[Token]) -> ast.Key:
        return ast.Key(str(children[0])[1:-1])

    def index(self, meta: Any, children: list[Any]) -> ast.Index:
        return ast.Index(children[0])

    def postfix(self, meta: Any, children: list[Any]) -> ast.Node:
        base, *steps = children
        pos, end = self._span(meta)
        if isinstance(base, ast.Ref):
            return ast.Ref(pos, end, base.root, [*base.steps, *steps])
        if isinstance(base, ast.Literal) and type(base.value) is int and not base.raw:
            return ast.Ref(pos, end, base.value, steps)  # `1.a`: module 1
        if isinstance(base, ast.Word):
            text = self.source[meta.start_pos : meta.end_pos]
            return ast.Word(pos, end, text, ast.Ref(pos, end, base.name, steps))
        return ast.Access(pos, end, base, steps)

    def unary_op(self, meta: Any, children: list[Any]) -> ast.Node:
        return ast.Unary(*self._span(meta), str(children[0]), children[1])

    def _chain(self, meta: Any, children: list[Any]) -> ast.Node:
        rest = [(str(children[i]), children[i + 1]) for i in range(1, len(children), 2)]
        return ast.Chain(*self._span(meta), children[0], rest)

    or_expr = and_expr = sum_expr = prod_expr = _chain

    def cmp_expr(self, meta: Any, children: list[Any]) -> ast.Node:
        # `1.status = paid`: a bare word compared with something is that word as text.
        operands = [
            ast.Literal(c.pos, c.end, c.name, raw=True) if isinstance(c, ast.Word) else c
            for c in children
        ]
        return self._chain(meta, operands)


def _tree_too_deep(tree: Tree[Any]) -> bool:
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > _MAX_TREE_DEPTH:
            return True
        if isinstance(node, Tree):
            stack.extend((child, depth + 1) for child in node.children)
    return False


def _child_nodes(node: Any) -> list[Any]:
    if isinstance(node, ast.Ref | ast.Access):
        out = [s.expr for s in node.steps if isinstance(s, ast.Index) and s.expr is not None]
        return [node.base, *out] if isinstance(node, ast.Access) else out
    if isinstance(node, ast.Call):
        return [a for a in node.args if a is not None]
    if isinstance(node, ast.Unary):
        return [node.operand]
    if isinstance(node, ast.Chain):
        return [node.first, *(operand for _, operand in node.rest)]
    return []


def find_word(node: ast.Node) -> ast.Word | None:
    """The first bare word left in a tree (an unknown name), if any."""
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Word):
            return current
        stack.extend(reversed(_child_nodes(current)))
    return None


def _error_from_lark(exc: UnexpectedInput, text: str, offset: int) -> IMLError:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        return IMLError(f"unexpected character {char!r}", column=offset + pos + 1)
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        wanted = _describe_expected(set(exc.expected))
        if tok.type == "$END":
            return IMLError(f"unexpected end of expression{wanted}", column=offset + len(text) + 1)
        pos = tok.start_pos or 0
        found = text[pos : tok.end_pos] if tok.end_pos else str(tok)
        return IMLError(f"unexpected {found!r}{wanted}", column=offset + pos + 1)
    return IMLError("invalid expression", column=offset + 1)


def _parse_masked(masked: str, source: str, offset: int) -> ast.Node:
    """Parse an expression whose literal-text arguments are already masked."""
    if not masked.strip():
        raise IMLError("empty expression", column=offset + 1)
    try:
        tree = _PARSER.parse(masked)
    except UnexpectedInput as exc:
        raise _error_from_lark(exc, masked, offset) from None
    except LarkError as exc:  # pragma: no cover - lark internals
        raise IMLError(f"invalid expression: {exc}", column=offset + 1) from None
    if _tree_too_deep(tree):
        raise IMLError(f"expression nested more than {MAX_DEPTH} levels", column=offset + 1)
    return _ToAst(source, offset).transform(tree)


# --- the scanner that finds literal-text arguments ------------------------------------

_QUOTE_OPENERS = set("(;=<>!&|+-*/%[,")


def _skip_quoted(text: str, i: int, end: int) -> int:
    """Index after the quoted run starting at text[i], or -1 if it never closes."""
    quote = text[i]
    j = i + 1
    while j < end:
        c = text[j]
        if c == "\\" and quote != "`":
            j += 2
            continue
        if c == quote:
            if quote != "`" and j + 1 < end and text[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    return -1


def _opens_quote(text: str, i: int, start: int) -> bool:
    c = text[i]
    if c in '"`':
        return True
    if c != "'":
        return False
    j = i - 1  # an apostrophe inside a word (`Today's`) is just a letter
    while j >= start and text[j].isspace():
        j -= 1
    return j < start or text[j] in _QUOTE_OPENERS


class _ArgScanner:
    def __init__(self, text: str, offset: int) -> None:
        self.text = text
        self.offset = offset
        self.raw: list[tuple[int, int]] = []  # masked spans, in text order per call

    def scan(self) -> None:
        self._region(0, 0)

    def _call_name_end(self, i: int) -> int:
        """If text[i:] starts a call `name(`, the index of its "("; else -1."""
        text = self.text
        if i > 0 and (text[i - 1].isalnum() or text[i - 1] in "._`"):
            return -1
        j = i
        while j < len(text) and (text[j].isalnum() or text[j] == "_"):
            j += 1
        if j == i or text[i].isdigit():
            return -1
        while j < len(text) and text[j].isspace():
            j += 1
        return j if j < len(text) and text[j] == "(" else -1

    def _region(self, i: int, depth: int) -> None:
        text = self.text
        while i < len(text):
            i = self._step(i, 0, depth)

    def _step(self, i: int, start: int, depth: int) -> int:
        """Advance over one unit at i (a quoted run, a call, or a character)."""
        text = self.text
        if _opens_quote(text, i, start):
            j = _skip_quoted(text, i, len(text))
            return j if j > 0 else i + 1
        if text[i].isalpha() or text[i] == "_":
            paren = self._call_name_end(i)
            if paren >= 0:
                return self._call(paren, depth + 1)
            j = i
            while j < len(text) and (text[j].isalnum() or text[j] == "_"):
                j += 1
            return j
        return i + 1

    def _call(self, paren: int, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise IMLError(
                f"expression nested more than {MAX_DEPTH} levels", column=self.offset + paren + 1
            )
        text = self.text
        i = paren + 1
        arg_start = i
        mark = len(self.raw)  # spans found from here on lie inside the current argument
        level = 0
        while i < len(text):
            c = text[i]
            if c in "([":
                level += 1
                if level > MAX_DEPTH:
                    raise IMLError(
                        f"expression nested more than {MAX_DEPTH} levels",
                        column=self.offset + i + 1,
                    )
            elif c == "]" and level > 0:
                level -= 1
            elif c == ")":
                if level == 0:
                    self._argument(arg_start, i, mark)
                    return i + 1
                level -= 1
            elif c == ";" and level == 0:
                self._argument(arg_start, i, mark)
                arg_start = i + 1
                mark = len(self.raw)
            if c in "([])];":
                i += 1
            else:
                i = self._step(i, arg_start, depth)
        return i  # never closed: the grammar reports it

    def _argument(self, start: int, end: int, mark: int) -> None:
        text = self.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            return
        if self._is_expression(start, end, self.raw[mark:]):
            return
        del self.raw[mark:]
        self.raw.append((start, end))

    def _is_expression(self, start: int, end: int, inner: list[tuple[int, int]]) -> bool:
        source = self.text[start:end]
        masked = _mask(source, [(a - start, b - start) for a, b in inner])
        try:
            tree = _PARSER.parse(masked)
            if _tree_too_deep(tree):
                return True  # let the full parse report the depth
            node = _ToAst(source, 0).transform(tree)
        except (LarkError, RecursionError):
            return False
        return find_word(node) is None


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for a, b in sorted(spans):
        parts.append(text[last:a])
        parts.append(_RAW_CHAR * (b - a))
        last = b
    parts.append(text[last:])
    return "".join(parts)


def _check_nesting(text: str, offset: int) -> None:
    level = 0
    i = 0
    while i < len(text):
        c = text[i]
        if _opens_quote(text, i, 0):
            j = _skip_quoted(text, i, len(text))
            i = j if j > 0 else i + 1
            continue
        if c in "([":
            level += 1
            if level > MAX_DEPTH:
                raise IMLError(
                    f"expression nested more than {MAX_DEPTH} levels", column=offset + i + 1
                )
        elif c in ")]" and level > 0:
            level -= 1
        i += 1


def parse_expression(text: str, offset: int = 0) -> ast.Node:
    """Parse the inside of one `{{...}}`; `offset` is its position in the field's text.

    A bare unknown word outside function arguments (`{{title}}`) stays an `ast.Word`: the
    compiler reads it as a reference to a root of that name (null in scenarios), and the
    editor can flag it with `find_word`."""
    _check_nesting(text, offset)
    scanner = _ArgScanner(text, offset)
    scanner.scan()
    return _parse_masked(_mask(text, scanner.raw), text, offset)


def _find_close(text: str, i: int) -> int:
    """Index of the `}}` closing an expression that starts at i, or -1."""
    start = i
    while i < len(text):
        if text.startswith("}}", i):
            return i
        if _opens_quote(text, i, start):
            j = _skip_quoted(text, i, len(text))
            i = j if j > 0 else i + 1
        else:
            i += 1
    return -1


def parse_template(text: str, *, app_code: bool = False) -> list[ast.Segment]:
    """A field's text as literal-text and `{{...}}` segments (used by the compiler and the
    editor for highlighting and validation). Raises IMLError with a 1-based column.

    `app_code`: the text is Make's app-code IML (see `app_code_to_scenario`)."""
    if app_code:
        text = app_code_to_scenario(text)
    return list(_parse_template_cached(text))


# --- Make's app-code IML -----------------------------------------------------------------

# Roots app code reads besides NAMED_ROOTS; written as `` `name` `` in scenario syntax so a
# comparison (`statusCode = 200`) keeps them references instead of bare words.
APP_ROOTS = frozenset(
    {"statusCode", "webhook", "pagination", "trigger", "iterate", "output", "metadata",
     "scenario", "oauth", "now"} - KEYWORDS - NAMED_ROOTS
)
# JavaScript-style operators app code allows, as their scenario equivalents (same length).
_APP_OPERATORS = (("===", "=  "), ("!==", "!= "), ("&&", "& "), ("||", "| "))


def app_code_to_scenario(text: str) -> str:
    """Make's app-code IML (custom apps' communication files) as scenario IML.

    In app code `,` separates function arguments (`ifempty(parameters.limit, 10)`); `;`
    is accepted too, as Make does. `===`, `!==`, `&&`, `||` mean `=`, `!=`, `&`, `|`;
    `undefined` is `null`; `statusCode`, `webhook`, `pagination`... are roots. Quoted text
    is kept as it is. The result has the same length except two backticks around each root
    of APP_ROOTS, so error columns stay close."""
    if "{{" not in text:
        return text
    out: list[str] = []
    i = 0
    while True:
        j = text.find("{{", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        close = _find_close(text, j + 2)
        if close < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i : j + 2])
        out.append(_app_expression(text[j + 2 : close]))
        i = close


def _app_expression(text: str) -> str:
    out: list[str] = []
    stack: list[str] = []  # "call", "group" or "index" for each open ( or [
    after_name = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if _opens_quote(text, i, 0):
            j = _skip_quoted(text, i, n)
            j = n if j < 0 else j
            out.append(text[i:j])
            i, after_name = j, False
            continue
        if c.isalpha() or c in "_$":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            word = text[i:j]
            k = j
            while k < n and text[k].isspace():
                k += 1
            is_call = k < n and text[k] == "("
            member = i > 0 and text[i - 1] == "."
            if not member and not is_call and word in APP_ROOTS:
                out.append(f"`{word}`")
            elif not member and not is_call and word == "undefined":
                out.append("null     ")
            else:
                out.append(word)
            i, after_name = j, is_call
            continue
        if c == "(":
            stack.append("call" if after_name else "group")
        elif c == "[":
            key = _bracket_key(text, i, out)
            if key is not None:  # `headers['retry-after']`: a key, as scenario IML's `.`
                out.append(key[0])
                i, after_name = key[1], False
                continue
            stack.append("index")
        elif c in ")]" and stack:
            stack.pop()
        elif c == "," and stack and stack[-1] == "call":
            out.append(";")
            i += 1
            continue
        else:
            swapped = next(((a, b) for a, b in _APP_OPERATORS if text.startswith(a, i)), None)
            if swapped is not None:
                out.append(swapped[1])
                i += len(swapped[0])
                after_name = False
                continue
        if not c.isspace():
            after_name = False
        out.append(c)
        i += 1
    return "".join(out)


def _bracket_key(text: str, i: int, out: list[str]) -> tuple[str, int] | None:
    """At `[` after a value, a quoted key closed by `]`: its scenario form (.`key`) and the
    index after the `]`."""
    before = "".join(out).rstrip()
    if not before or not (before[-1].isalnum() or before[-1] in "_$`)]"):
        return None
    j = i + 1
    while j < len(text) and text[j].isspace():
        j += 1
    if j >= len(text) or text[j] not in "'\"":
        return None
    end = _skip_quoted(text, j, len(text))
    if end < 0:
        return None
    k = end
    while k < len(text) and text[k].isspace():
        k += 1
    if k >= len(text) or text[k] != "]":
        return None
    key = text[j + 1 : end - 1]
    if "`" in key or "\\" in key:
        return None
    return f".`{key}`", k + 1


@lru_cache(maxsize=2048)
def _parse_template_cached(text: str) -> tuple[ast.Segment, ...]:
    if len(text) > MAX_TEMPLATE_CHARS:
        raise IMLError(f"template longer than {MAX_TEMPLATE_CHARS} characters", column=1)
    segments: list[ast.Segment] = []
    i = 0
    while True:
        j = text.find("{{", i)
        if j < 0:
            if i < len(text):
                segments.append(ast.TextSegment(i, len(text), text[i:]))
            break
        if j > i:
            segments.append(ast.TextSegment(i, j, text[i:j]))
        close = _find_close(text, j + 2)
        if close < 0:
            raise IMLError("'{{' is never closed by '}}'", column=j + 1)
        node = parse_expression(text[j + 2 : close], offset=j + 2)
        segments.append(ast.ExprSegment(j, close + 2, node))
        i = close + 2
    return tuple(segments)
